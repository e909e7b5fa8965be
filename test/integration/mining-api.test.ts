/** The seed's mining API end to end, on both stores: the manual test automated, limits, statuses, the system miner. */
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { storeKinds } from '../helpers/stores.ts';
import { assertConserved, payVia, registerUser, startLedger, type TestLedger, type TestUser } from '../helpers/ledger.ts';
import { waitFor } from '../helpers/wait.ts';

const inject = async (L: TestLedger, method: 'GET' | 'POST', url: string, u?: TestUser, headers: Record<string, string> = {}) =>
  L.app.inject({ method, url, headers: { ...(u ? u.auth : {}), ...headers } });

for (const kind of await storeKinds()) {
  describe(`mining API on ${kind}`, () => {
    let L: TestLedger;
    before(async () => {
      L = await startLedger(kind, { env: { DIFFICULTY: '2', MAX_MINERS: '3', RATE_LIMIT_MINING_START: '4 per minute' } });
    });
    after(async () => {
      await L.stop();
      await L.testStore.drop();
    });
    afterEach(async () => {
      await assertConserved(L.store.db);
    });

    test("the seed's manual flow: start three miners, pay, confirm, stats, leaderboard, stop", async () => {
      const [m1, m2, m3] = [await registerUser(L, '10000'), await registerUser(L, '10000'), await registerUser(L, '10000')];
      for (const m of [m1!, m2!, m3!]) {
        const r = await inject(L, 'POST', '/api/mining/start', m);
        assert.equal(r.statusCode, 200, r.body);
        const b = r.json();
        assert.equal(b.success, true);
        assert.equal(b.message, 'Mining started successfully');
        assert.equal(b.miner_idx, m.userIdx);
        assert.equal(b.pool_stats.total_capacity, 3);
      }
      const ps = (await inject(L, 'GET', '/api/mining/pool-status')).json();
      assert.deepEqual(
        { active_miners: ps.pool.active_miners, max_capacity: ps.pool.max_capacity, utilization: ps.pool.utilization, is_running: ps.pool.is_running },
        { active_miners: 3, max_capacity: 3, utilization: 100, is_running: true },
      );
      // The hashing threads given work (the fold) and the hand-off figures beside the seed's shape.
      assert.ok(Number.isInteger(ps.pool.threads_active) && ps.pool.threads_active >= 0 && ps.pool.threads_active <= Math.max(1, ps.pool.threads));
      for (const k of ['handoff_ms', 'late_handoff_ms']) assert.deepEqual(Object.keys(ps.pool[k]).sort(), ['p50', 'p99']);
      assert.ok(Number.isInteger(ps.pool.late_stages) && Number.isInteger(ps.pool.handoffs));
      const lb0 = (await inject(L, 'GET', '/api/mining/leaderboard')).json();
      assert.ok(lb0.leaderboard.every((r: { total_blocks_mined: number }) => r.total_blocks_mined === 0));
      const payer = await registerUser(L, '20000.00');
      const txIds: string[] = [];
      for (let i = 0; i < 10; i++) txIds.push((await payVia(L, payer, m1!.userIdx, '1000.00')).json().transaction.tx_id);
      for (const id of txIds) {
        await waitFor(`confirmation of ${id}`, async () => {
          const t = (await inject(L, 'GET', `/api/transactions/${id}`, payer)).json();
          return t.transaction.status === 'confirmed';
        });
      }
      // Ten ₹1,000 payments: ₹50.00 to the winning miners in all.
      let fees = 0;
      let won = 0;
      let lost = 0;
      for (const m of [m1!, m2!, m3!]) {
        const s = (await inject(L, 'GET', '/api/mining/stats', m)).json();
        assert.equal(s.success, true);
        assert.equal(s.stats.user_idx, m.userIdx);
        assert.equal(s.stats.is_active, true);
        assert.match(s.stats.total_fees_earned, /^[0-9]+\.[0-9]{2}$/);
        assert.match(s.stats.hash_rate_per_second, /^[0-9]+\.[0-9]{2}$/);
        assert.match(s.stats.avg_mining_time_seconds, /^[0-9]+\.[0-9]{2}$/);
        fees += Number(s.stats.total_fees_earned);
        won += s.stats.blocks_won;
        lost += s.stats.blocks_lost;
        const expectRate = s.stats.blocks_won + s.stats.blocks_lost === 0 ? 0 : Math.round((s.stats.blocks_won * 10000) / (s.stats.blocks_won + s.stats.blocks_lost)) / 100;
        assert.equal(s.stats.win_rate, expectRate);
      }
      assert.equal(fees.toFixed(2), '50.00');
      const blocks = (await inject(L, 'GET', '/api/blocks?limit=100')).json().blocks.length;
      assert.equal(won, blocks, 'one winner per block');
      assert.equal(lost, 2 * blocks, 'the two others lose each block');
      const banks = (await inject(L, 'GET', '/api/banks')).json().banks as Array<{ balance: string }>;
      assert.equal(banks.reduce((s, b) => s + Math.round(Number(b.balance) * 100), 0), 10000, 'the banks got ₹100.00');
      // The leaderboard may lag the last seals by at most 250 ms (read behind the board it serves).
      const sum = (b: { leaderboard: Array<{ total_blocks_mined: number }> }) => b.leaderboard.reduce((a, r) => a + r.total_blocks_mined, 0);
      const lb = await waitFor('the cached leaderboard refreshed by the seals', async () => {
        const b = (await inject(L, 'GET', '/api/mining/leaderboard')).json();
        return sum(b) === blocks ? b : null;
      });
      assert.equal(lb.success, true);
      assert.equal(lb.total_miners, 3);
      assert.deepEqual(Object.keys(lb.leaderboard[0]).sort(), ['is_active', 'rank', 'total_blocks_mined', 'total_fees_earned', 'user_idx', 'win_rate']);
      assert.equal(lb.leaderboard[0].rank, 1);
      assert.ok(lb.leaderboard[0].total_blocks_mined >= lb.leaderboard[2].total_blocks_mined);
      const byFees = (await inject(L, 'GET', '/api/mining/leaderboard?sort_by=fees&limit=2')).json();
      assert.equal(byFees.leaderboard.length, 2);
      assert.ok(Number(byFees.leaderboard[0].total_fees_earned) >= Number(byFees.leaderboard[1].total_fees_earned));
      for (const m of [m1!, m2!, m3!]) {
        const r = await inject(L, 'POST', '/api/mining/stop', m);
        assert.equal(r.statusCode, 200);
        const f = r.json();
        assert.equal(f.message, 'Mining stopped successfully');
        assert.deepEqual(Object.keys(f.final_stats).sort(), ['blocks_lost', 'blocks_won', 'total_blocks_mined', 'total_fees_earned', 'win_rate']);
      }
      assert.equal((await inject(L, 'GET', '/api/mining/pool-status')).json().pool.active_miners, 0);
      assert.deepEqual((await inject(L, 'GET', '/api/chain/verify')).json().valid, true);
      if (kind === 'postgres') {
        // The seed's "Check Database" queries, unchanged.
        const all = await sql<{ user_idx: string; blocks_won: number; is_active: boolean }>`
SELECT user_idx, total_blocks_mined, total_fees_earned, blocks_won, blocks_lost, is_active
FROM miner_statistics
ORDER BY total_blocks_mined DESC;`.execute(L.store.db);
        assert.equal(all.rows.length, 3);
        assert.ok(all.rows.every((r) => r.is_active === false));
        const rates = await sql<{ user_idx: string; win_rate_percent: string }>`
SELECT
    user_idx,
    blocks_won,
    blocks_lost,
    ROUND(blocks_won::NUMERIC / NULLIF(blocks_won + blocks_lost, 0) * 100, 2) as win_rate_percent
FROM miner_statistics
WHERE blocks_won + blocks_lost > 0
ORDER BY win_rate_percent DESC;`.execute(L.store.db);
        assert.equal(rates.rows.length, 3);
        for (const r of rates.rows) assert.match(String(r.win_rate_percent), /^[0-9]+\.[0-9]{2}$/);
      }
    });

    test('409 twice, 409 not mining, 503 full, 400 bad query, 401 without a token, 429 with Retry-After', async () => {
      const users = [await registerUser(L, '1'), await registerUser(L, '1'), await registerUser(L, '1'), await registerUser(L, '1')];
      const [a, b, c, d] = users as [TestUser, TestUser, TestUser, TestUser];
      assert.equal((await inject(L, 'POST', '/api/mining/start', a)).statusCode, 200);
      const twice = await inject(L, 'POST', '/api/mining/start', a);
      assert.equal(twice.statusCode, 409);
      assert.equal(twice.json().code, 'MINING_ALREADY_ACTIVE');
      const notMining = await inject(L, 'POST', '/api/mining/stop', b);
      assert.equal(notMining.statusCode, 409);
      assert.equal(notMining.json().code, 'MINING_NOT_ACTIVE');
      assert.equal((await inject(L, 'POST', '/api/mining/start', b)).statusCode, 200);
      assert.equal((await inject(L, 'POST', '/api/mining/start', c)).statusCode, 200);
      const full = await inject(L, 'POST', '/api/mining/start', d);
      assert.equal(full.statusCode, 503);
      assert.equal(full.json().code, 'POOL_FULL');
      for (const q of ['limit=0', 'limit=101', 'limit=x', 'sort_by=wins', 'sort_by=']) {
        const r = await inject(L, 'GET', `/api/mining/leaderboard?${q}`);
        assert.equal(r.statusCode, 400, q);
        assert.equal(r.json().code, 'VALIDATION_ERROR');
      }
      for (const [m, url] of [['POST', '/api/mining/start'], ['POST', '/api/mining/stop'], ['GET', '/api/mining/stats']] as const) {
        const r = await inject(L, m, url);
        assert.equal(r.statusCode, 401, url);
        assert.equal(r.json().code, 'UNAUTHORIZED');
      }
      for (const u of [a, b, c]) assert.equal((await inject(L, 'POST', '/api/mining/stop', u)).statusCode, 200);
      // 4 starts per minute per user in this suite: d has used 1 (the 503); three more pass, the next is 429.
      for (let i = 0; i < 3; i++) {
        const r = await inject(L, 'POST', '/api/mining/start', d);
        assert.ok([200, 409].includes(r.statusCode), r.body);
      }
      const limited = await inject(L, 'POST', '/api/mining/start', d);
      assert.equal(limited.statusCode, 429);
      assert.equal(limited.json().code, 'RATE_LIMITED');
      assert.ok(Number(limited.headers['retry-after']) > 0);
      // Another user is not limited by d's count; X-Forwarded-For does not reset it.
      const spoof = await inject(L, 'POST', '/api/mining/start', d, { 'x-forwarded-for': '10.9.8.7' });
      assert.equal(spoof.statusCode, 429);
      assert.equal((await inject(L, 'POST', '/api/mining/stop', d)).statusCode, 200);
    });
  });
}

describe('the system miner', () => {
  test('with no user mining, payments confirm through the system miner and its fee share reaches the banks', async () => {
    const L = await startLedger('pglite', { env: { SYSTEM_MINER: 'on', SYSTEM_MINER_GRACE_SECONDS: '0' } });
    try {
      const a = await registerUser(L, '20000.00');
      const b = await registerUser(L, '1.00');
      const id = (await payVia(L, a, b.userIdx, '10000.00')).json().transaction.tx_id;
      await waitFor('system miner seal', async () => (await inject(L, 'GET', `/api/transactions/${id}`, a)).json().transaction.status === 'confirmed');
      const banks = (await inject(L, 'GET', '/api/banks')).json().banks as Array<{ balance: string }>;
      assert.equal(banks.reduce((s, x) => s + Math.round(Number(x.balance) * 100), 0), 15000);
      const lb = (await inject(L, 'GET', '/api/mining/leaderboard')).json();
      assert.equal(lb.total_miners, 0, 'never on the leaderboard');
      assert.equal((await inject(L, 'GET', '/api/mining/pool-status')).json().pool.active_miners, 0);
      await assertConserved(L.store.db);
    } finally {
      await L.stop();
    }
  });

  test('SYSTEM_MINER=off: payments stay pending while nobody mines', async () => {
    const L = await startLedger('pglite', { env: { SYSTEM_MINER: 'off' } });
    try {
      const a = await registerUser(L, '100.00');
      const b = await registerUser(L, '1.00');
      const id = (await payVia(L, a, b.userIdx, '10.00')).json().transaction.tx_id;
      await new Promise((r) => setTimeout(r, 300));
      assert.equal((await inject(L, 'GET', `/api/transactions/${id}`, a)).json().transaction.status, 'pending');
      assert.equal(L.pool.status().height, null, 'the pool is idle');
    } finally {
      await L.stop();
    }
  });
});
