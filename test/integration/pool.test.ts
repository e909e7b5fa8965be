/**
 * The coordinator with a hand-driven hasher: the race, stale and duplicate
 * solutions, one block per height, graceful shutdown and resuming miners.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createHash } from 'node:crypto';
import { MiningPool } from '../../src/mining/pool/coordinator.ts';
import { HandHasher } from '../helpers/hand-hasher.ts';
import type { MiningJob } from '../../src/mining/workers/types.ts';
import { ledgerTotals } from '../../src/infra/db/repos/chain.ts';
import { findStats } from '../../src/infra/db/repos/miners.ts';
import { assertConserved, payVia, refusingAt, registerUser, startLedger, type TestLedger } from '../helpers/ledger.ts';
import { waitFor } from '../helpers/wait.ts';
import { createPgliteStore } from '../helpers/stores.ts';
import { tempDir, testConfig } from '../helpers/ledger.ts';
import { candidateHeader, candidatesOf } from '../../src/mining/workers/job.ts';


describe('pool coordinator', () => {
  let L: TestLedger;
  let hasher: HandHasher;
  let pool: MiningPool;
  const log = { info() {}, warn() {}, error() {} };
  before(async () => {
    L = await startLedger('pglite');
    hasher = new HandHasher();
    pool = new MiningPool(L.deps, hasher, { maxMiners: 10, miningTimeoutMs: 60_000, systemMiner: false, systemMinerGraceMs: 0 }, log);
    L.events.onPayment((p) => pool.onPayment(p));
    await pool.start();
  });
  after(async () => {
    await pool.close();
    await L.stop();
  });

  test('every active miner races on its own candidate; the first solution wins, the others lose once', async () => {
    const [a, b, c] = [await registerUser(L, '1'), await registerUser(L, '1'), await registerUser(L, '1')];
    const payer = await registerUser(L, '1000');
    await pool.addMiner(a!.userIdx);
    await pool.addMiner(b!.userIdx);
    await pool.addMiner(c!.userIdx);
    await payVia(L, payer, a!.userIdx, '10.00');
    const job = await waitFor('a job', async () => hasher.job);
    assert.deepEqual(candidatesOf(job).map((x) => x.minerIdx).sort(), [a!.userIdx, b!.userIdx, c!.userIdx].sort());
    const headers = new Set(candidatesOf(job).map((x) => Buffer.from(x.header).toString('hex')));
    assert.equal(headers.size, 3, 'each miner has its own header');
    const win = hasher.solve(job, b!.userIdx);
    const late = hasher.solve(job, c!.userIdx);
    hasher.emit('solution', win);
    hasher.emit('solution', late); // same job, a moment later: stale
    await waitFor('the seal', async () => (await findStats(L.store.db, b!.userIdx))?.blocksWon === 1);
    const before = await ledgerTotals(L.store.db);
    hasher.emit('solution', win); // a duplicate
    await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(await ledgerTotals(L.store.db), before);
    assert.equal((await findStats(L.store.db, a!.userIdx))?.blocksLost, 1);
    assert.equal((await findStats(L.store.db, c!.userIdx))?.blocksLost, 1);
    assert.equal((await findStats(L.store.db, b!.userIdx))?.blocksLost, 0);
    assert.equal(pool.status().blocksSealed, 1);
    assert.equal(pool.status().rejected.STALE_JOB, 2);
    const blocks = (await L.app.inject({ method: 'GET', url: '/api/blocks' })).json().blocks;
    assert.equal(blocks.length, 1);
    await assertConserved(L.store.db);
    for (const m of [a!, b!, c!]) await pool.removeMiner(m.userIdx);
  });

  test('progress reports give a measured hash rate; a new payment while idle starts a round at once', async () => {
    const m = await registerUser(L, '1');
    const payer = await registerUser(L, '100');
    await pool.addMiner(m.userIdx);
    assert.equal(hasher.job, null, 'nothing pending: idle');
    await payVia(L, payer, m.userIdx, '1.00');
    const job = await waitFor('a job', async () => hasher.job);
    hasher.emit('progress', { jobId: job.jobId, hashesByMiner: new Map([[m.userIdx, 5_000_000]]) });
    assert.ok(pool.hashRate(m.userIdx) > 0);
    hasher.emit('solution', hasher.solve(job, m.userIdx));
    await waitFor('idle again', async () => hasher.job === null && pool.status().blocksSealed === 2);
    await pool.removeMiner(m.userIdx);
    const s = await findStats(L.store.db, m.userIdx);
    assert.ok(Number(s?.hashRatePerSecond) > 0, 'the measured rate is saved on stop');
  });

  test('a joining miner restarts the round with itself included', async () => {
    const a = await registerUser(L, '1');
    const b = await registerUser(L, '1');
    const payer = await registerUser(L, '100');
    await pool.addMiner(a.userIdx);
    await payVia(L, payer, a.userIdx, '1.00');
    const first = await waitFor('a job', async () => hasher.job);
    await pool.addMiner(b.userIdx);
    const second = await waitFor('a new job', async () => (hasher.job && hasher.job.jobId > first.jobId ? hasher.job : null));
    assert.equal(second.height, first.height);
    assert.equal(second.miners.ids.length, 2);
    hasher.emit('solution', hasher.solve(first, a.userIdx));
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(pool.status().blocksSealed, 2, 'a solution of the replaced job is stale');
    hasher.emit('solution', hasher.solve(second, a.userIdx));
    await waitFor('sealed', async () => pool.status().blocksSealed === 3);
    await pool.removeMiner(a.userIdx);
    await pool.removeMiner(b.userIdx);
  });
});

describe('pool lifecycle', () => {
  test('close() mid-round finishes the in-flight seal and loses nothing; active miners resume after a restart', async () => {
    const dataDir = tempDir();
    const config = testConfig({ DATA_DIR: dataDir });
    const store = createPgliteStore(dataDir);
    const L1 = await startLedger('pglite', { config, testStore: store });
    const m = await registerUser(L1, '1');
    const payer = await registerUser(L1, '100');
    assert.equal((await L1.app.inject({ method: 'POST', url: '/api/mining/start', headers: m.auth })).statusCode, 200);
    const paid = await payVia(L1, payer, m.userIdx, '5.00');
    await L1.stop();
    const L2 = await startLedger('pglite', { config, testStore: store });
    try {
      assert.equal(L2.pool.isMining(m.userIdx), true, 'the miner resumed');
      const id = paid.json().transaction.tx_id;
      await waitFor('confirmation after restart', async () => {
        const r = await L2.app.inject({ method: 'GET', url: `/api/transactions/${id}`, headers: payer.auth });
        return r.json().transaction.status === 'confirmed';
      });
      await assertConserved(L2.store.db);
    } finally {
      await L2.stop();
    }
  });
});

describe('MINING_TIMEOUT_SECONDS', () => {
  test('an attempt older than the timeout is abandoned and rebuilt from a fresh template', async () => {
    const L = await startLedger('pglite');
    const hasher = new HandHasher();
    const log = { info() {}, warn() {}, error() {} };
    const pool = new MiningPool(L.deps, hasher, { maxMiners: 10, miningTimeoutMs: 150, systemMiner: false, systemMinerGraceMs: 0 }, log);
    L.events.onPayment((p) => pool.onPayment(p));
    try {
      await pool.start();
      const m = await registerUser(L, '1');
      const payer = await registerUser(L, '100');
      await pool.addMiner(m.userIdx);
      await payVia(L, payer, m.userIdx, '1.00');
      const first = await waitFor('a job', async () => hasher.job);
      const second = await waitFor('a rebuilt job', async () => (hasher.job && hasher.job.jobId > first.jobId ? hasher.job : null));
      assert.equal(second.height, first.height, 'the same height');
      const ts = (j: MiningJob) => new DataView(candidateHeader(j, 0).buffer).getBigUint64(76);
      assert.ok(ts(second) >= ts(first), 'a fresh template (new timestamp)');
      hasher.emit('solution', hasher.solve(first, m.userIdx));
      await new Promise((r) => setTimeout(r, 50));
      assert.equal(pool.status().blocksSealed, 0, 'the abandoned attempt is stale');
    } finally {
      await pool.close();
      await L.stop();
    }
  });
});

describe('the pipeline: the next height is mined while a seal runs', () => {
  const log = { info() {}, warn() {}, error() {} };
  const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
  /** Three banks refuse the block at `refuseHeight` (no quorum); every other block is validated as usual. */
  async function setup(refuseHeight: bigint | null, payments = 5) {
    const L = await startLedger('pglite', { env: { BATCH_SIZE: '2' }, ...refusingAt(refuseHeight) });
    const hasher = new HandHasher();
    const pool = new MiningPool(L.deps, hasher, { maxMiners: 10, miningTimeoutMs: 60_000, systemMiner: false, systemMinerGraceMs: 0 }, log);
    L.events.onPayment((p) => pool.onPayment(p));
    await pool.start();
    const m = await registerUser(L, '1');
    const payer = await registerUser(L, '1000');
    for (let i = 0; i < payments; i++) await payVia(L, payer, m.userIdx, '1.00');
    await pool.addMiner(m.userIdx);
    const first = await waitFor('a job', async () => (hasher.job?.height === 1n ? hasher.job : null));
    return { L, hasher, pool, m, payer, first };
  }

  test('a solution starts the next height at once, on its hash and the payments that follow; both seal in order', async () => {
    const { L, hasher, pool, m, first } = await setup(null);
    try {
      const s1 = hasher.solve(first, m.userIdx);
      hasher.emit('solution', s1);
      // Before the seal of height 1 has committed:
      const next = hasher.job;
      assert.ok(next, 'the next round started in the same turn as the solution');
      assert.equal(next.height, 2n);
      assert.equal(Buffer.from(next.base.subarray(12, 44)).toString('hex'), sha(s1.header), 'built on the solution');
      hasher.emit('solution', hasher.solve(next, m.userIdx));
      await waitFor('both sealed', async () => pool.status().blocksSealed === 2);
      const blocks = (await L.app.inject({ method: 'GET', url: '/api/blocks' })).json().blocks as Array<{ height: number; hash: string; prev_hash: string }>;
      const [b2, b1] = blocks;
      assert.equal(b1!.height, 1);
      assert.equal(b2!.prev_hash, b1!.hash);
      const txs = await Promise.all([1, 2].map(async (h) => (await L.app.inject({ method: 'GET', url: `/api/blocks/${h}` })).json()));
      const ids = txs.flatMap((b) => (b.transactions ?? b.block?.transactions ?? []).map((t: { tx_id: string }) => t.tx_id));
      assert.equal(new Set(ids).size, 4, 'four different payments in the two blocks');
      // The fifth payment follows: the round for height 3 holds it.
      const third = await waitFor('height 3', async () => (hasher.job?.height === 3n ? hasher.job : null));
      assert.ok(third);
      await assertConserved(L.store.db);
    } finally {
      await pool.close();
      await L.stop();
    }
  });

  test('payments accepted while a round runs are known at its solution: a full batch starts the next height at once, half a batch waits for the seal', async () => {
    const { L, hasher, pool, m, payer, first } = await setup(null, 2);
    try {
      await payVia(L, payer, m.userIdx, '2.00'); // after the round's template was read
      await payVia(L, payer, m.userIdx, '2.50');
      const s1 = hasher.solve(first, m.userIdx);
      hasher.emit('solution', s1);
      const next = hasher.job;
      assert.ok(next, 'started in the same turn as the solution, without reading the store');
      assert.equal(next.height, 2n);
      assert.equal(Buffer.from(next.base.subarray(12, 44)).toString('hex'), sha(s1.header));
      await payVia(L, payer, m.userIdx, '3.00'); // half a batch follows height 2
      const s2 = hasher.solve(next, m.userIdx);
      hasher.emit('solution', s2);
      assert.equal(hasher.job, null, 'half a batch: the next round waits for the seal');
      const third = await waitFor('height 3, after the seals', async () => (hasher.job?.height === 3n ? hasher.job : null));
      assert.equal(Buffer.from(third.base.subarray(12, 44)).toString('hex'), sha(s2.header));
      hasher.emit('solution', hasher.solve(third, m.userIdx));
      await waitFor('three sealed', async () => pool.status().blocksSealed === 3);
      const amounts = async (h: number) => {
        const b = (await L.app.inject({ method: 'GET', url: `/api/blocks/${h}` })).json();
        return ((b.transactions ?? b.block?.transactions) as Array<{ amount: string }>).map((t) => t.amount).sort();
      };
      assert.deepEqual(await amounts(2), ['2.00', '2.50']);
      assert.deepEqual(await amounts(3), ['3.00']);
      await assertConserved(L.store.db);
    } finally {
      await pool.close();
      await L.stop();
    }
  });

  test('a solution built on a refused block is dropped, and the height is mined again on the stored tip', async () => {
    const { L, hasher, pool, m, first } = await setup(1n);
    try {
      hasher.emit('solution', hasher.solve(first, m.userIdx));
      const spec = hasher.job!;
      assert.equal(spec.height, 2n);
      hasher.emit('solution', hasher.solve(spec, m.userIdx));
      const again = await waitFor('height 1 again', async () => (hasher.job?.height === 1n && hasher.job.jobId > spec.jobId ? hasher.job : null));
      assert.ok(again);
      assert.equal(pool.status().blocksSealed, 0);
      assert.equal(pool.status().rejected.STALE_JOB, 1, 'the child of the refused block');
      assert.equal(pool.status().rejected.QUORUM_NOT_REACHED, 1);
      assert.equal((await L.app.inject({ method: 'GET', url: '/api/blocks' })).json().blocks.length, 0);
      await assertConserved(L.store.db);
    } finally {
      await pool.close();
      await L.stop();
    }
  });
});
