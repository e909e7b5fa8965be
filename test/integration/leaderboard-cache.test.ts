/**
 * The leaderboard's cache: fresh after any seal once the cached board is
 * older than the staleness bound; within the bound, the last board is served
 * while the next one is read in the background (blocks sealed back to back
 * then cost no request a wait on the store).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { mineOnce, payVia, registerUser, startLedger, type TestLedger } from '../helpers/ledger.ts';
import { waitFor } from '../helpers/wait.ts';

const board = async (L: TestLedger) => (await L.app.inject({ method: 'GET', url: '/api/mining/leaderboard' })).json() as { leaderboard: Array<{ user_idx: string; total_blocks_mined: number }> };
const mined = (b: Awaited<ReturnType<typeof board>>, idx: string) => b.leaderboard.find((r) => r.user_idx === idx)?.total_blocks_mined ?? 0;

async function withLedger(boardStaleMs: number, body: (L: TestLedger) => Promise<void>): Promise<void> {
  const L = await startLedger('pglite', { env: { DIFFICULTY: '1' }, boardStaleMs });
  try {
    await body(L);
  } finally {
    await L.stop();
  }
}

/** A user miner with a stats row, and a payer with a payment pending. */
async function setUp(L: TestLedger) {
  const miner = await registerUser(L, '1.00');
  assert.equal((await L.app.inject({ method: 'POST', url: '/api/mining/start', headers: miner.auth })).statusCode, 200);
  assert.equal((await L.app.inject({ method: 'POST', url: '/api/mining/stop', headers: miner.auth })).statusCode, 200);
  const payer = await registerUser(L, '100.00');
  return { miner, pay: async () => assert.equal((await payVia(L, payer, miner.userIdx, '1.00')).statusCode, 201) };
}

describe('leaderboard cache', () => {
  test('with no staleness allowed, a read after a seal always sees it', async () => {
    await withLedger(0, async (L) => {
      const { miner, pay } = await setUp(L);
      assert.equal(mined(await board(L), miner.userIdx), 0);
      for (let i = 1; i <= 2; i++) {
        await pay();
        assert.ok((await mineOnce(L, miner.userIdx)).accepted);
        assert.equal(mined(await board(L), miner.userIdx), i);
      }
    });
  });

  test('the bound counts from when a board was last known current, not from its read', async () => {
    await withLedger(2_000, async (L) => {
      const { miner, pay } = await setUp(L);
      assert.equal(mined(await board(L), miner.userIdx), 0);
      await new Promise((r) => setTimeout(r, 2_500)); // the read is now older than the bound
      assert.equal(mined(await board(L), miner.userIdx), 0, 'no seal since: current, and known so from now');
      await pay();
      assert.ok((await mineOnce(L, miner.userIdx)).accepted);
      assert.equal(mined(await board(L), miner.userIdx), 0, 'within the bound of that: served at once, the next read behind it');
      await waitFor('the board read in the background', async () => mined(await board(L), miner.userIdx) === 1);
    });
  });

  test('within the bound, the last board is served at once and the next is read behind it', async () => {
    await withLedger(60_000, async (L) => {
      const { miner, pay } = await setUp(L);
      assert.equal(mined(await board(L), miner.userIdx), 0);
      await pay();
      assert.ok((await mineOnce(L, miner.userIdx)).accepted);
      assert.equal(mined(await board(L), miner.userIdx), 0, 'the last board, served while the next is read');
      await waitFor('the board read in the background', async () => mined(await board(L), miner.userIdx) === 1);
    });
  });
});
