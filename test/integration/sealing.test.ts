/** Sealing through the six banks, settlement, fees, refusals that change nothing, chain verification. */
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { storeKinds } from '../helpers/stores.ts';
import { assertConserved, candidate, mineOnce, payVia, registerUser, solve, startLedger, type TestLedger, type TestUser } from '../helpers/ledger.ts';
import { sealBlock } from '../../src/app/seal.ts';
import { ledgerTotals } from '../../src/infra/db/repos/chain.ts';
import { SYSTEM_MINER_IDX, userIdxToBytes } from '../../src/domain/ids.ts';
import type { CandidateBlock } from '../../src/domain/validation.ts';

for (const kind of await storeKinds()) {
  describe(`sealing on ${kind}`, () => {
    let L: TestLedger;
    let miner: TestUser;
    before(async () => {
      L = await startLedger(kind, {
        env: { BATCH_SIZE: '10' },
      });
      miner = await registerUser(L, '1.00');
    });
    after(async () => {
      await L.stop();
      await L.testStore.drop();
    });
    afterEach(async () => {
      await assertConserved(L.store.db);
    });

    const get = async (url: string, headers: Record<string, string> = {}) => (await L.app.inject({ method: 'GET', url, headers })).json();
    const snapshot = async () => ({
      totals: await ledgerTotals(L.store.db),
      tip: await get('/api/chain/verify'),
      banks: await get('/api/banks'),
      pending: (await sql<{ n: bigint }>`SELECT count(*)::bigint AS n FROM transactions WHERE status = 'pending'`.execute(L.store.db)).rows[0]!.n,
    });

    test('an accepted seal asked for nextBatch returns the new tip and the payments still pending, read in its transaction', async () => {
      const payer = await registerUser(L, '1000.00');
      const payee = await registerUser(L, '1.00');
      for (let i = 0; i < 3; i++) assert.equal((await payVia(L, payer, payee.userIdx, '1.00')).statusCode, 201);
      const pendingIds = async () =>
        (await sql<{ tx_id: string }>`SELECT tx_id FROM transactions WHERE status = 'pending' ORDER BY seq`.execute(L.store.db)).rows.map((r) => r.tx_id);
      const all = await pendingIds();
      const own = await registerUser(L, '1.00');
      const block = await candidate(L, own.userIdx, { limit: all.length - 1 });
      const r = await sealBlock(L.deps, { block, nextBatch: 10 });
      assert.ok(r.accepted && r.next);
      assert.deepEqual(r.next.tip, { height: r.height, hash: r.hash, timestampMs: block.header.timestampMs });
      assert.deepEqual(r.next.pending.map((p) => p.txId), await pendingIds());
      assert.deepEqual(r.next.pending.map((p) => p.txId), all.slice(-1));
      const without = await sealBlock(L.deps, { block: await candidate(L, own.userIdx) });
      assert.ok(without.accepted);
      assert.equal(without.next, undefined);
    });

    test('GET /api/mining/stats is not served stale after a seal (its cache follows every seal)', async () => {
      const payer = await registerUser(L, '100.00');
      const own = await registerUser(L, '1.00');
      const stats = async () => (await get('/api/mining/stats', own.auth)).stats;
      assert.equal((await stats()).blocks_won, 0);
      assert.equal((await stats()).blocks_won, 0, 'served again (from the cache)');
      assert.equal((await payVia(L, payer, own.userIdx, '10.00')).statusCode, 201);
      assert.ok((await mineOnce(L, own.userIdx)).accepted);
      const after = await stats();
      assert.equal(after.blocks_won, 1);
      assert.equal(after.total_blocks_mined, 1);
    });

    test('GET /api/transactions/:id is not served stale after a seal (pending reads are cached until a seal)', async () => {
      const payer = await registerUser(L, '100.00');
      const payee = await registerUser(L, '1.00');
      const id = (await payVia(L, payer, payee.userIdx, '10.00')).json().transaction.tx_id as string;
      const status = async () => (await get(`/api/transactions/${id}`, payer.auth)).transaction.status;
      assert.equal(await status(), 'pending');
      assert.equal(await status(), 'pending', 'served again (from the cache)');
      assert.ok((await mineOnce(L, payee.userIdx)).accepted);
      assert.equal(await status(), 'confirmed');
      assert.equal((await get(`/api/transactions/${id}`, payee.auth)).transaction.status, 'confirmed');
    });

    test('ten ₹1,000 payments: receivers paid, miner ₹50.00, banks ₹100.00 split, verdicts stored', async () => {
      const payer = await registerUser(L, '20000.00');
      const payee = await registerUser(L, '1.00');
      const banksBefore = (await get('/api/banks')).banks;
      const txIds: string[] = [];
      for (let i = 0; i < 10; i++) {
        const r = await payVia(L, payer, payee.userIdx, '1000.00');
        assert.equal(r.statusCode, 201);
        txIds.push(r.json().transaction.tx_id);
      }
      const result = await mineOnce(L, miner.userIdx);
      assert.equal(result.accepted, true, JSON.stringify(result, (_k, v) => (typeof v === 'bigint' ? String(v) : v)));
      assert.ok(result.accepted);
      const height = Number(result.height);
      const payeeMe = await get('/api/users/me', payee.auth);
      assert.equal(payeeMe.user.balance, '10001.00');
      const minerMe = await get('/api/users/me', miner.auth);
      assert.equal(minerMe.user.balance, '51.00');
      const banksAfter = (await get('/api/banks')).banks as Array<{ code: string; balance: string }>;
      const gained = banksAfter.map((b, i) => Math.round(Number(b.balance) * 100) - Math.round(Number(banksBefore[i].balance) * 100));
      assert.equal(gained.reduce((a, b) => a + b, 0), 10000);
      assert.deepEqual([...gained].sort(), [1666, 1666, 1667, 1667, 1667, 1667]);
      const tx = await get(`/api/transactions/${txIds[0]}`, payer.auth);
      assert.equal(tx.transaction.status, 'confirmed');
      assert.equal(tx.transaction.block_height, height);
      const block = await get(`/api/blocks/${height}`);
      assert.equal(block.block.tx_count, 10);
      assert.equal(block.block.miner_idx, miner.userIdx);
      assert.equal(block.block.fee_miner, '50.00');
      assert.equal(block.block.fee_banks, '100.00');
      assert.equal(block.block.verdicts.length, 6);
      assert.ok(block.block.verdicts.every((v: { approved: boolean }) => v.approved));
      assert.deepEqual(block.block.transactions.map((t: { tx_id: string }) => t.tx_id), txIds);
      const stats = await sql<{ total_blocks_mined: number; total_fees_earned: string; blocks_won: number }>`
        SELECT total_blocks_mined, total_fees_earned::text, blocks_won FROM miner_statistics WHERE user_idx = ${miner.userIdx}`.execute(L.store.db);
      assert.deepEqual(stats.rows[0], { total_blocks_mined: 1, total_fees_earned: '50.00', blocks_won: 1 });
      const list = await get('/api/blocks?limit=1');
      assert.equal(list.blocks[0].height, height);
      assert.deepEqual(await get('/api/chain/verify'), { success: true, valid: true, height });
    });

    test('a second solution for a sealed height is refused and changes nothing; the loser is counted', async () => {
      const payer = await registerUser(L, '500.00');
      const rival = await registerUser(L, '1.00');
      await payVia(L, payer, rival.userIdx, '10.00');
      const a = await candidate(L, miner.userIdx);
      const b = await candidate(L, rival.userIdx);
      const first = await sealBlock(L.deps, { block: a, racingMiners: [miner.userIdx, rival.userIdx], miningTimeMs: 10 });
      assert.equal(first.accepted, true);
      const before = await snapshot();
      const second = await sealBlock(L.deps, { block: b, racingMiners: [miner.userIdx, rival.userIdx] });
      assert.equal(second.accepted, false);
      assert.ok(!second.accepted && second.reason === 'WRONG_HEIGHT');
      const dup = await sealBlock(L.deps, { block: a });
      assert.ok(!dup.accepted && dup.reason === 'DUPLICATE_BLOCK');
      assert.deepEqual(await snapshot(), before);
    });

    test('the system miner seals: its 0.5% goes to the banks', async () => {
      const payer = await registerUser(L, '20000.00');
      const payee = await registerUser(L, '1.00');
      await payVia(L, payer, payee.userIdx, '10000.00');
      const banksBefore = (await get('/api/banks')).banks as Array<{ balance: string }>;
      const r = await mineOnce(L, SYSTEM_MINER_IDX);
      assert.equal(r.accepted, true);
      const banksAfter = (await get('/api/banks')).banks as Array<{ balance: string }>;
      const gained = banksAfter.reduce((s, b, i) => s + Math.round(Number(b.balance) * 100) - Math.round(Number(banksBefore[i]!.balance) * 100), 0);
      assert.equal(gained, 15000, 'the whole ₹150.00 fee');
      const block = await get(`/api/blocks/${r.accepted ? r.height : 0}`);
      assert.equal(block.block.system_miner, true);
      assert.equal(block.block.fee_miner, '0.00');
    });

    test('crafted invalid blocks are refused with their reason and change nothing', async () => {
      const payer = await registerUser(L, '1000.00');
      const payee = await registerUser(L, '1.00');
      await payVia(L, payer, payee.userIdx, '100.00');
      await payVia(L, payer, payee.userIdx, '200.00');
      const good = await candidate(L, miner.userIdx);
      const before = await snapshot();
      const h = good.header;
      const reseal = (over: Partial<typeof h>, rest: Partial<CandidateBlock> = {}): CandidateBlock => {
        const { nonce: _n, ...fields } = { ...h, ...over };
        return { ...good, ...rest, header: solve(fields) };
      };
      const tx0 = good.txs[0]!;
      let highNonce = 0;
      for (;; highNonce++) {
        const c = { ...good, header: { ...h, nonce: highNonce } };
        const { hashHeader, encodeHeader } = await import('../../src/domain/header.ts');
        const hex = Buffer.from(hashHeader(encodeHeader(c.header))).toString('hex');
        if (!hex.startsWith('0')) break;
      }
      const cases: Array<[string, CandidateBlock]> = [
        ['HIGH_HASH', { ...good, header: { ...h, nonce: highNonce } }],
        ['WRONG_DIFFICULTY', reseal({ difficulty: h.difficulty + 1 })],
        ['WRONG_PREVIOUS_HASH', reseal({ prevHash: new Uint8Array(32).fill(7) })],
        ['WRONG_HEIGHT', reseal({ height: h.height + 1n })],
        ['WRONG_MERKLE_ROOT', reseal({ merkleRoot: new Uint8Array(32).fill(1) })],
        ['TIMESTAMP_TOO_FAR_AHEAD', reseal({ timestampMs: BigInt(Date.now() + 3_600_000) })],
        ['MINER_MISMATCH', { ...good, minerIdx: payer.userIdx }],
        ['UNKNOWN_MINER', reseal({ miner: userIdxToBytes('IDX_' + 'e'.repeat(32)) }, { minerIdx: 'IDX_' + 'e'.repeat(32) })],
      ];
      for (const [reason, block] of cases) {
        const r = await sealBlock(L.deps, { block });
        assert.equal(r.accepted, false, reason);
        assert.equal(!r.accepted && r.reason, reason);
      }
      const { txMerkleRoot } = await import('../../src/domain/merkle.ts');
      const withTxs = (txs: CandidateBlock['txs']) => reseal({ merkleRoot: txMerkleRoot(txs) }, { txs });
      const txCases: Array<[string, CandidateBlock]> = [
        ['EMPTY_BLOCK', withTxs([])],
        ['DUPLICATE_TRANSACTION', withTxs([tx0, tx0])],
        ['UNKNOWN_TRANSACTION', withTxs([{ ...tx0, txId: 'TX_' + '0'.repeat(32) }])],
        ['WRONG_FEE', withTxs([{ ...tx0, feeMiner: tx0.feeMiner + 1n, feeBanks: tx0.feeBanks - 1n }])],
        // A block may not restate a payment's amount (even with matching fees): the held funds are the
        // pending record's, so INSUFFICIENT_FUNDS is reachable only by a corrupted hold (see the unit vectors).
        ['TRANSACTION_MISMATCH', withTxs([{ ...tx0, amount: tx0.amount * 2n, feeTotal: tx0.feeTotal * 2n, feeMiner: tx0.feeMiner * 2n, feeBanks: tx0.feeBanks * 2n }])],
      ];
      for (const [reason, block] of txCases) {
        const r = await sealBlock(L.deps, { block });
        assert.equal(!r.accepted && r.reason, reason);
      }
      assert.deepEqual(await snapshot(), before);
      const ok = await sealBlock(L.deps, { block: good });
      assert.equal(ok.accepted, true);
      const confirmed = await sealBlock(L.deps, { block: reseal({ height: h.height + 1n, prevHash: Buffer.from(ok.accepted ? ok.hash : '', 'hex') }) });
      assert.equal(!confirmed.accepted && confirmed.reason, 'ALREADY_CONFIRMED');
    });

    test('fewer than 4 of 6 bank approvals: refused with every verdict, nothing changes', async () => {
      const dissent = () => ({ ok: false as const, reason: 'INSUFFICIENT_FUNDS' as const, message: 'this bank disagrees' });
      const L2 = await startLedger(kind, { bankValidators: { SBI: dissent, HDFC: dissent, ICICI: dissent } });
      try {
        const m = await registerUser(L2, '1.00');
        const p = await registerUser(L2, '100.00');
        await payVia(L2, p, m.userIdx, '10.00');
        const before = await ledgerTotals(L2.store.db);
        const r = await sealBlock(L2.deps, { block: await candidate(L2, m.userIdx) });
        assert.equal(r.accepted, false);
        assert.ok(!r.accepted && r.reason === 'QUORUM_NOT_REACHED');
        assert.equal(!r.accepted && r.consensus?.approvals, 3);
        assert.deepEqual(await ledgerTotals(L2.store.db), before);
        assert.equal((await L2.app.inject({ method: 'GET', url: '/api/blocks' })).json().blocks.length, 0);
      } finally {
        await L2.stop();
        await L2.testStore.drop();
      }
    });

    test('chain verification names the first bad height when a stored block is altered', async () => {
      const payer = await registerUser(L, '100.00');
      await payVia(L, payer, miner.userIdx, '1.00');
      const r = await mineOnce(L, miner.userIdx);
      assert.ok(r.accepted);
      const v = await get('/api/chain/verify');
      assert.equal(v.valid, true);
      await sql`UPDATE transactions SET amount_paise = amount_paise + 1 WHERE block_height = ${r.height}`.execute(L.store.db);
      const bad = await get('/api/chain/verify');
      assert.equal(bad.valid, false);
      assert.equal(bad.bad_height, Number(r.height));
      assert.match(bad.reason, /merkle/);
      await sql`UPDATE transactions SET amount_paise = amount_paise - 1 WHERE block_height = ${r.height}`.execute(L.store.db);
      assert.equal((await get('/api/chain/verify')).valid, true);
    });
  });
}
