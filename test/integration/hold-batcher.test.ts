/**
 * Group commit of payment holds, on both stores: concurrent payments share
 * batches and each keeps its own outcome; a batch that fails as a whole is
 * decided hold by hold; past the queue bound a payment is refused with 503
 * and nothing changes.
 */
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import { storeKinds } from '../helpers/stores.ts';
import { assertConserved, payVia, registerUser, startLedger, type TestLedger } from '../helpers/ledger.ts';
import { HoldBatcher } from '../../src/app/hold-batcher.ts';
import { computeFees } from '../../src/domain/fees.ts';
import { formatPaise } from '../../src/domain/money.ts';
import type { HoldRequest } from '../../src/infra/db/repos/payments.ts';
import { IdxError } from '../../src/domain/errors.ts';

const held = (amount: bigint) => amount + computeFees(amount).feeTotal;
const rupees = (paise: bigint) => formatPaise(paise);

let n = 0;
function request(sender: string, receiver: string, amount: bigint, txId?: string, key: string | null = null): HoldRequest {
  const fees = computeFees(amount);
  n++;
  return {
    payment: {
      txId: txId ?? `TX_${(0xbbbb0000 + n).toString(16).padStart(32, '0')}`,
      senderIdx: sender,
      receiverIdx: receiver,
      amount,
      feeTotal: fees.feeTotal,
      feeMiner: fees.feeMiner,
      feeBanks: fees.feeBanks,
      idempotencyKey: key,
      requestHash: key === null ? null : 'h',
    },
    audit: { actor: sender, related: receiver, action: 'payment.accepted', payload: { n } },
    at: new Date(),
  };
}

for (const kind of await storeKinds()) {
  describe(`hold batching on ${kind}`, () => {
    let L: TestLedger;
    before(async () => {
      L = await startLedger(kind);
    });
    after(async () => {
      await L.stop();
      await L.testStore.drop();
    });
    afterEach(async () => {
      await assertConserved(L.store.db);
    });

    test('concurrent payments over HTTP share batches; each gets its own outcome', async () => {
      const rich = await registerUser(L, '1000.00');
      const poor = await registerUser(L, '1.00');
      const to = await registerUser(L, '1.00');
      const before = L.deps.holds instanceof HoldBatcher ? { ...L.deps.holds.stats } : null;
      assert.ok(before, 'the server wires a batcher');
      const rs = await Promise.all([
        ...Array.from({ length: 40 }, () => payVia(L, rich, to.userIdx, '1.00')),
        payVia(L, poor, to.userIdx, '5.00'),
        payVia(L, rich, 'IDX_' + 'f'.repeat(32), '1.00'),
        payVia(L, rich, to.userIdx, '2.00', 'same-key'),
        payVia(L, rich, to.userIdx, '2.00', 'same-key'),
      ]);
      assert.deepEqual(rs.slice(0, 40).map((r) => r.statusCode), Array(40).fill(201));
      assert.equal(rs[40]!.json().code, 'INSUFFICIENT_FUNDS');
      assert.equal(rs[41]!.json().code, 'RECEIVER_NOT_FOUND');
      const [k1, k2] = [rs[42]!, rs[43]!];
      assert.deepEqual([k1.statusCode, k2.statusCode], [201, 201]);
      assert.deepEqual([k1.headers['idempotent-replayed'], k2.headers['idempotent-replayed']].sort(), ['true', undefined], 'one payment for the key, the other a replay');
      assert.equal(k1.json().transaction.tx_id, k2.json().transaction.tx_id);
      const s = (L.deps.holds as HoldBatcher).stats;
      assert.ok(s.batches - before.batches < s.holds - before.holds, `batched: ${s.batches - before.batches} batches for ${s.holds - before.holds} holds`);
      assert.ok(s.largest > 1);
      const me = await L.app.inject({ method: 'GET', url: '/api/users/me', headers: rich.auth });
      assert.equal(me.json().user.balance, rupees(100_000n - 40n * held(100n) - held(200n)));
    });

    test('a batch that fails as a whole is decided hold by hold: only the faulty one fails', async () => {
      const a = await registerUser(L, '100.00');
      const b = await registerUser(L, '1.00');
      const batcher = new HoldBatcher(L.store.db, { maxBatch: 10, maxInFlight: 1, maxQueued: 100 });
      const first = request(a.userIdx, b.userIdx, 100n);
      const p0 = batcher.hold(first);
      // All four go in one batch (one turn of the event loop); one reuses the first's tx_id (a unique violation).
      const ps = [request(a.userIdx, b.userIdx, 100n), request(a.userIdx, b.userIdx, 100n, first.payment.txId), request(a.userIdx, b.userIdx, 100n)].map(
        (r) => batcher.hold(r).then((o) => o.kind, (e: Error) => `error: ${e.message.slice(0, 40)}`),
      );
      assert.equal((await p0).kind, 'ok');
      const out = await Promise.all(ps);
      assert.equal(out[0], 'ok');
      assert.match(out[1]!, /^error: .*(duplicate|unique)/);
      assert.equal(out[2], 'ok');
      assert.equal(batcher.stats.batches, 1);
      await batcher.drained();
      const me = await L.app.inject({ method: 'GET', url: '/api/users/me', headers: a.auth });
      assert.equal(me.json().user.balance, rupees(10_000n - 3n * held(100n)));
    });

    test('past the queue bound a hold is refused at once with SERVICE_UNAVAILABLE, and nothing changes', async () => {
      const a = await registerUser(L, '100.00');
      const b = await registerUser(L, '1.00');
      const batcher = new HoldBatcher(L.store.db, { maxBatch: 10, maxInFlight: 1, maxQueued: 2 });
      const waiting = [batcher.hold(request(a.userIdx, b.userIdx, 100n)), batcher.hold(request(a.userIdx, b.userIdx, 100n))];
      await assert.rejects(batcher.hold(request(a.userIdx, b.userIdx, 100n)), (e: unknown) => e instanceof IdxError && e.code === 'SERVICE_UNAVAILABLE');
      assert.equal(batcher.stats.shed, 1);
      assert.deepEqual((await Promise.all(waiting)).map((o) => o.kind), ['ok', 'ok']);
      const me = await L.app.inject({ method: 'GET', url: '/api/users/me', headers: a.auth });
      assert.equal(me.json().user.balance, rupees(10_000n - 2n * held(100n)));
    });
  });
}
