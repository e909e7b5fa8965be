/**
 * idx_pay_many on both stores: a batch that is all accepted takes the
 * set-wise path, a batch with any refusal or key race is decided payment by
 * payment; either way each payment gets exactly the outcome, the rows and the
 * audit record that holding it alone (idx_pay) gives, in arrival order.
 */
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { storeKinds } from '../helpers/stores.ts';
import { assertConserved, registerUser, startLedger, type TestLedger, type TestUser } from '../helpers/ledger.ts';
import { holdAndRecord, holdMany, type HoldOutcome, type HoldRequest } from '../../src/infra/db/repos/payments.ts';
import { computeFees } from '../../src/domain/fees.ts';
import { verifyAudit } from '../../src/app/audit.ts';

let n = 0;
function req(from: TestUser, to: string, amount: bigint, key: string | null = null): HoldRequest {
  n++;
  const fees = computeFees(amount);
  return {
    payment: { txId: `TX_${(0xcccc0000 + n).toString(16).padStart(32, '0')}`, senderIdx: from.userIdx, receiverIdx: to, amount, ...fees, idempotencyKey: key, requestHash: key === null ? null : `h${n}` },
    audit: { actor: from.userIdx, related: to, action: 'payment.accepted', payload: { n } },
    at: new Date(Date.UTC(2026, 10, 25, 12, 0, 0, n)),
  };
}
const kinds = (os: readonly HoldOutcome[]) => os.map((o) => o.kind);
const held = (amount: bigint) => amount + computeFees(amount).feeTotal;

for (const kind of await storeKinds()) {
  describe(`idx_pay_many on ${kind}`, () => {
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
      const v = await verifyAudit(L.deps);
      assert.equal(v.valid, true, JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? String(x) : x)));
    });

    const balance = async (u: TestUser) =>
      (await sql<{ b: bigint }>`SELECT balance_paise AS b FROM users WHERE user_idx = ${u.userIdx}`.execute(L.store.db)).rows[0]!.b;
    const rows = async (ids: string[]) =>
      (await sql<{ tx_id: string; seq: bigint; status: string }>`SELECT tx_id, seq, status FROM transactions WHERE tx_id = ANY(${ids}::text[]) ORDER BY seq`.execute(L.store.db)).rows;
    const auditOf = async (ids: string[]) =>
      (
        await sql<{ payload: string; actor: string; related: string }>`SELECT payload, actor, related FROM audit_log WHERE action = 'payment.accepted' ORDER BY seq DESC LIMIT ${ids.length}`.execute(L.store.db)
      ).rows.reverse();

    test('an all-accepted batch: every payment ok, seq in arrival order, each sender debited for all of its payments, one audit record each', async () => {
      const [a, b, c] = [await registerUser(L, '100.00'), await registerUser(L, '100.00'), await registerUser(L, '1.00')];
      const batch = [req(a, c.userIdx, 100n), req(b, c.userIdx, 250n), req(a, b.userIdx, 300n), req(a, c.userIdx, 100n, 'k-1')];
      const out = await holdMany(L.store.db, batch);
      assert.deepEqual(kinds(out), ['ok', 'ok', 'ok', 'ok']);
      const ids = batch.map((r) => r.payment.txId);
      assert.deepEqual((await rows(ids)).map((r) => r.tx_id), ids, 'seq follows the order given');
      assert.deepEqual(out.map((o) => (o.kind === 'ok' ? o.payment.seq : null)), (await rows(ids)).map((r) => r.seq));
      assert.equal(await balance(a), 10_000n - held(100n) - held(300n) - held(100n));
      assert.equal(await balance(b), 10_000n - held(250n));
      assert.deepEqual((await auditOf(ids)).map((r) => [JSON.parse(r.payload).n, r.actor, r.related]), batch.map((r) => [r.audit.payload.n, r.payment.senderIdx, r.payment.receiverIdx]));
    });

    test('the same batch held set-wise and held one by one leaves the same rows', async () => {
      const make = async () => [await registerUser(L, '50.00'), await registerUser(L, '50.00'), await registerUser(L, '1.00')] as const;
      const [x, y, z] = await make();
      const [p, q, r] = await make();
      const plan = (s: TestUser, t: TestUser, u: TestUser) => [req(s, u.userIdx, 1000n), req(t, s.userIdx, 700n), req(s, t.userIdx, 1234n), req(t, u.userIdx, 1n)];
      const together = await holdMany(L.store.db, plan(x, y, z));
      const alone: HoldOutcome[] = [];
      for (const h of plan(p, q, r)) alone.push(await holdAndRecord(L.store.db, h.payment, h.audit, h.at));
      assert.deepEqual(kinds(together), kinds(alone));
      assert.deepEqual([await balance(x), await balance(y), await balance(z)], [await balance(p), await balance(q), await balance(r)]);
    });

    test('a batch with a refusal is decided in order: funds, unknown receiver, a key repeated or already taken', async () => {
      const [a, b] = [await registerUser(L, '10.00'), await registerUser(L, '1.00')];
      const before = await holdMany(L.store.db, [req(a, b.userIdx, 100n, 'taken')]);
      assert.deepEqual(kinds(before), ['ok']);
      const batch = [
        req(a, b.userIdx, 500n), // ok: 5.08 of 10.00 - 1.02 left
        req(a, b.userIdx, 500n), // insufficient: 5.08 > 3.90
        req(a, 'IDX_' + 'e'.repeat(32), 100n), // no receiver
        req(a, b.userIdx, 100n, 'twice'), // ok
        req(a, b.userIdx, 100n, 'twice'), // key taken by the one before it
        req(a, b.userIdx, 100n, 'taken'), // key taken before the batch
        req(a, b.userIdx, 100n), // ok: a later, smaller payment still fits
      ];
      assert.deepEqual(kinds(await holdMany(L.store.db, batch)), ['ok', 'insufficient', 'no_receiver', 'ok', 'key_taken', 'key_taken', 'ok']);
      assert.equal(await balance(a), 1_000n - held(100n) - held(500n) - held(100n) - held(100n));
      const stored = await rows(batch.map((r) => r.payment.txId));
      assert.deepEqual(stored.map((r) => r.tx_id), [batch[0]!, batch[3]!, batch[6]!].map((r) => r.payment.txId));
    });
  });
}
