/**
 * A large pool's deferred losses (migration 007): exact through the API at
 * every moment, in the miner_statistics table once folded (and on leave),
 * with the winner, miners that did not race and miners that left since
 * counted right.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { storeKinds } from '../helpers/stores.ts';
import { assertConserved, candidate, payVia, registerUser, startLedger, type TestLedger, type TestUser } from '../helpers/ledger.ts';
import { waitFor } from '../helpers/wait.ts';
import { sealBlock } from '../../src/app/seal.ts';
import { findStats } from '../../src/infra/db/repos/miners.ts';
import { racePending } from '../../src/infra/db/repos/race.ts';
import { recordStarted, recordStopped } from '../../src/mining/pool/membership.ts';
import { RaceFold } from '../../src/infra/db/race-fold.ts';
import { MiningPool } from '../../src/mining/pool/coordinator.ts';
import { HandHasher } from '../helpers/hand-hasher.ts';
import { candidatesOf } from '../../src/mining/workers/job.ts';

for (const kind of await storeKinds()) {
  describe(`deferred losses on ${kind}`, () => {
    let L: TestLedger;
    let payer: TestUser;
    before(async () => {
      L = await startLedger(kind);
      payer = await registerUser(L, '1000.00');
    });
    after(async () => {
      await L.stop();
      await L.testStore.drop();
    });

    /** blocks_lost through the API's read, and as the table holds it. */
    const lost = async (u: TestUser) => ({
      api: (await findStats(L.store.db, u.userIdx))?.blocksLost,
      table: (await sql<{ n: number }>`SELECT blocks_lost AS n FROM miner_statistics WHERE user_idx = ${u.userIdx}`.execute(L.store.db)).rows[0]?.n,
    });
    const users = async (n: number) => {
      const out: TestUser[] = [];
      for (let i = 0; i < n; i++) out.push(await registerUser(L, '1.00'));
      return out;
    };
    const sealDeferred = async (winner: TestUser, absent: TestUser[], departed: TestUser[]) => {
      await payVia(L, payer, winner.userIdx, '1.00');
      const block = await candidate(L, winner.userIdx);
      const r = await sealBlock(L.deps, { block, racingPool: { absent: absent.map((u) => u.userIdx), departed: departed.map((u) => u.userIdx) } });
      assert.ok(r.accepted);
    };

    test('the miners in the race lose a deferred block, except the winner and the absent; one that left since loses it once', async () => {
      const [a, b, c, d, e] = await users(5);
      for (const u of [a!, b!, c!, d!, e!]) await recordStarted(L.store.db, u.userIdx, 1);
      await recordStopped(L.store.db, e!.userIdx, null); // raced, then left before the seal
      await sealDeferred(b!, [d!], [e!]);
      assert.deepEqual(await lost(a!), { api: 1, table: 0 }, 'deferred: exact through the API, not yet in the table');
      assert.deepEqual(await lost(b!), { api: 0, table: 0 });
      assert.deepEqual(await lost(c!), { api: 1, table: 0 });
      assert.deepEqual(await lost(d!), { api: 0, table: 0 });
      assert.deepEqual(await lost(e!), { api: 1, table: 1 }, 'no mark any more: written at once');
      // Departed but its leave not yet written (still in the race): counted once, by the race.
      await sealDeferred(b!, [], [a!]);
      assert.deepEqual(await lost(a!), { api: 2, table: 0 });
      assert.equal((await findStats(L.store.db, b!.userIdx))?.blocksWon, 2);
      // A leave writes the miner's own deferred losses.
      await recordStopped(L.store.db, c!.userIdx, null);
      assert.deepEqual(await lost(c!), { api: 2, table: 2 });
      // The fold writes everybody's, a few rows per statement.
      const fold = new RaceFold(L.store.db, { warn() {} }, { chunk: 2 });
      await fold.fold();
      for (const [u, n] of [[a!, 2], [b!, 0], [d!, 1]] as const) assert.deepEqual(await lost(u), { api: n, table: n });
      assert.equal(await racePending(L.store.db), 0);
      for (const u of [a!, b!, d!]) await recordStopped(L.store.db, u.userIdx, null);
      await assertConserved(L.store.db);
    });

    test('written row by row and deferred, the same losses; close() folds what is left', async () => {
      const [a, b] = await users(2);
      for (const u of [a!, b!]) await recordStarted(L.store.db, u.userIdx, 2);
      await payVia(L, payer, a!.userIdx, '1.00');
      assert.ok((await sealBlock(L.deps, { block: await candidate(L, a!.userIdx), racingMiners: [a!.userIdx, b!.userIdx] })).accepted);
      await sealDeferred(a!, [], []);
      assert.deepEqual(await lost(b!), { api: 2, table: 1 });
      const fold = new RaceFold(L.store.db, { warn() {} }, { everyMs: 60_000 });
      fold.sealed();
      await fold.close();
      assert.deepEqual(await lost(b!), { api: 2, table: 2 });
      for (const u of [a!, b!]) await recordStopped(L.store.db, u.userIdx, null);
    });

    test('a pool above deferLossesAbove defers its losses: the others lose each block, exactly, through stats and after stop', async () => {
      const hasher = new HandHasher();
      const pool = new MiningPool(L.deps, hasher, { maxMiners: 10, miningTimeoutMs: 60_000, systemMiner: false, systemMinerGraceMs: 0, deferLossesAbove: 1 }, { info() {}, warn() {}, error() {} });
      const onPayment = (p: Parameters<typeof pool.onPayment>[0]) => pool.onPayment(p);
      L.events.onPayment(onPayment);
      await pool.start();
      try {
        const [a, b, c] = await users(3);
        for (const u of [a!, b!, c!]) await pool.addMiner(u.userIdx);
        const counter = async () => (await sql<{ n: string }>`SELECT blocks::text AS n FROM race_counter`.execute(L.store.db)).rows[0]!.n;
        const before = await counter();
        for (let i = 0; i < 2; i++) {
          const seen = hasher.job;
          await payVia(L, payer, a!.userIdx, '1.00');
          const job = await waitFor('a job', async () => (hasher.job && hasher.job !== seen ? hasher.job : null));
          assert.equal(candidatesOf(job).length, 3);
          hasher.emit('solution', hasher.solve(job, b!.userIdx));
          await waitFor('the seal', async () => (await findStats(L.store.db, b!.userIdx))?.blocksWon === i + 1);
        }
        assert.equal(BigInt(await counter()) - BigInt(before), 2n, 'both blocks deferred');
        assert.deepEqual(await lost(a!), { api: 2, table: 0 });
        await pool.removeMiner(a!.userIdx);
        assert.deepEqual(await lost(a!), { api: 2, table: 2 }, 'a leave writes them');
        assert.equal((await findStats(L.store.db, c!.userIdx))?.blocksLost, 2);
        assert.equal((await findStats(L.store.db, b!.userIdx))?.blocksLost, 0);
        for (const u of [b!, c!]) await pool.removeMiner(u.userIdx);
      } finally {
        await pool.close();
      }
      await assertConserved(L.store.db);
    });
  });
}
