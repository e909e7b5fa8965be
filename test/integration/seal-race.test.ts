/**
 * A seal is two statements: the banks validate a snapshot (idx_seal_view),
 * and the write (idx_seal_write) checks that the tip and the payments are
 * still what they read, or raises LEDGER_MOVED having written nothing; the
 * seal then validates again under the tip's lock. On both stores.
 */
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { storeKinds } from '../helpers/stores.ts';
import { assertConserved, candidate, payVia, registerUser, startLedger, type TestLedger } from '../helpers/ledger.ts';
import { sealBlock } from '../../src/app/seal.ts';
import { isLedgerMoved, writeSeal, type SealWrite } from '../../src/infra/db/repos/seal.ts';
import { readTip } from '../../src/infra/db/repos/chain.ts';
import { BANK_CODES } from '../../src/domain/banks.ts';

for (const kind of await storeKinds()) {
  describe(`seal races on ${kind}`, () => {
    let L: TestLedger;
    before(async () => {
      L = await startLedger(kind, { env: { BATCH_SIZE: '10' } });
    });
    after(async () => {
      await L.stop();
      await L.testStore.drop();
    });
    afterEach(async () => {
      await assertConserved(L.store.db);
    });

    const counts = async () =>
      (
        await sql<{ blocks: bigint; verdicts: bigint; confirmed: bigint; audit: bigint }>`
          SELECT (SELECT count(*) FROM blocks) AS blocks, (SELECT count(*) FROM block_verdicts) AS verdicts,
                 (SELECT count(*) FROM transactions WHERE status = 'confirmed') AS confirmed, (SELECT count(*) FROM audit_log) AS audit`.execute(L.store.db)
      ).rows[0]!;

    /** A write of a block of `txIds` for the height after `tip` (the rest of its fields do not matter: it must fail first). */
    const staleWrite = (tip: { height: bigint; hash: string }, txIds: string[], minerIdx: string): SealWrite => ({
      block: {
        height: tip.height + 1n,
        hash: 'ab'.repeat(32),
        prevHash: tip.hash,
        merkleRoot: '00'.repeat(32),
        timestampMs: BigInt(Date.now()),
        difficulty: 1,
        nonce: 0,
        minerIdx,
        headerHex: '00',
        feeMiner: 0n,
        feeBanks: 0n,
        approvals: 6,
        miningTimeMs: null,
      },
      verdicts: BANK_CODES.map((b) => ({ bankCode: b, approved: true, reason: null, message: null, credit: 0n })),
      txIds,
      userCredits: new Map(),
      bankCredits: [],
      win: null,
      losers: [],
      race: null,
      audit: { actor: 'system', payload: { test: true }, at: new Date() },
      next: null,
    });

    test('two solutions for one height sealed at once: one accepted, the other refused WRONG_HEIGHT (validated again), not an error', async () => {
      const payer = await registerUser(L, '100.00');
      const [m1, m2] = [await registerUser(L, '1.00'), await registerUser(L, '1.00')];
      for (let i = 0; i < 3; i++) assert.equal((await payVia(L, payer, m1.userIdx, '1.00')).statusCode, 201);
      const [a, b] = [await candidate(L, m1.userIdx), await candidate(L, m2.userIdx)];
      const before = await counts();
      const results = await Promise.all([sealBlock(L.deps, { block: a }), sealBlock(L.deps, { block: b })]);
      assert.deepEqual(results.map((r) => r.accepted).sort(), [false, true]);
      const refused = results.find((r) => !r.accepted)!;
      assert.ok(!refused.accepted && refused.reason === 'WRONG_HEIGHT', JSON.stringify(refused.accepted ? null : refused.reason));
      const after = await counts();
      assert.equal(after.blocks, before.blocks + 1n);
      assert.equal(after.confirmed, before.confirmed + 3n);
    });

    test('a write against a tip that moved raises LEDGER_MOVED and writes nothing', async () => {
      const u = await registerUser(L, '1.00');
      const tip = await readTip(L.store.db, false);
      const before = await counts();
      const moved = { height: tip.height, hash: 'cd'.repeat(32) };
      await assert.rejects(writeSeal(L.store.db, staleWrite(moved, [], u.userIdx)), (e: unknown) => isLedgerMoved(e));
      await assert.rejects(writeSeal(L.store.db, staleWrite({ ...tip, height: tip.height - 1n }, [], u.userIdx)), (e: unknown) => isLedgerMoved(e));
      assert.deepEqual(await counts(), before);
      assert.deepEqual(await readTip(L.store.db, false), tip);
    });

    test('a write of a payment that is no longer pending raises LEDGER_MOVED and writes nothing', async () => {
      const payer = await registerUser(L, '100.00');
      const m = await registerUser(L, '1.00');
      assert.equal((await payVia(L, payer, m.userIdx, '1.00')).statusCode, 201);
      const block = await candidate(L, m.userIdx);
      assert.ok((await sealBlock(L.deps, { block })).accepted);
      const tip = await readTip(L.store.db, false);
      const before = await counts();
      const confirmed = block.txs.map((t) => t.txId);
      await assert.rejects(writeSeal(L.store.db, staleWrite(tip, confirmed, m.userIdx)), (e: unknown) => isLedgerMoved(e));
      assert.deepEqual(await counts(), before);
      assert.deepEqual(await readTip(L.store.db, false), tip);
    });
  });
}
