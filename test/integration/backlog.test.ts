/**
 * Admission control, on both stores: while the payments accepted and not yet
 * sealed reach the limit, a new payment is refused at once with 503 and
 * Retry-After, nothing changes and nothing is audited; a sealed block makes
 * room again. Replays of an existing payment are still answered.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { storeKinds } from '../helpers/stores.ts';
import { assertConserved, mineOnce, payVia, registerUser, startLedger, type TestLedger } from '../helpers/ledger.ts';
import { ledgerTotals } from '../../src/infra/db/repos/chain.ts';
import { auditHead } from '../../src/infra/db/repos/audit.ts';

for (const kind of await storeKinds()) {
  describe(`backlog limit on ${kind}`, () => {
    let L: TestLedger;
    before(async () => {
      L = await startLedger(kind, { backlogLimit: 3, env: { BATCH_SIZE: '2' } });
    });
    after(async () => {
      await L.stop();
      await L.testStore.drop();
    });

    test('at the limit a payment gets 503 with Retry-After and changes nothing; a seal makes room', async () => {
      const payer = await registerUser(L, '100.00');
      const miner = await registerUser(L, '1.00');
      const first = await payVia(L, payer, miner.userIdx, '1.00', 'k-1');
      for (let i = 0; i < 2; i++) assert.equal((await payVia(L, payer, miner.userIdx, '1.00')).statusCode, 201);
      assert.equal(L.deps.backlog?.size, 3);
      const totals = await ledgerTotals(L.store.db);
      const head = await auditHead(L.store.db);
      const refused = await payVia(L, payer, miner.userIdx, '1.00');
      assert.equal(refused.statusCode, 503);
      assert.equal(refused.json().code, 'SERVICE_UNAVAILABLE');
      assert.equal(refused.headers['retry-after'], '1');
      assert.deepEqual(await ledgerTotals(L.store.db), totals, 'nothing changed');
      assert.deepEqual(await auditHead(L.store.db), head, 'nothing audited');
      const replay = await payVia(L, payer, miner.userIdx, '1.00', 'k-1');
      assert.equal(replay.statusCode, 201, 'a replay is still answered');
      assert.equal(replay.json().transaction.tx_id, first.json().transaction.tx_id);
      const sealed = await mineOnce(L, miner.userIdx);
      assert.equal(sealed.accepted, true);
      assert.equal(L.deps.backlog?.size, 1);
      assert.equal((await payVia(L, payer, miner.userIdx, '1.00')).statusCode, 201);
      await assertConserved(L.store.db);
    });
  });
}
