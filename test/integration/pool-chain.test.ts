/**
 * The chain: the round after the current one is staged with the hasher, whose
 * threads start it themselves on a solution; the pool adopts it. And what
 * ends the chain or makes a round wait: a miner joining, a rebuild asked for
 * while a seal runs, payments known only to the store.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createHash } from 'node:crypto';
import { MiningPool } from '../../src/mining/pool/coordinator.ts';
import type { PendingTx } from '../../src/mining/pool/lookahead.ts';
import { ChainHandHasher } from '../helpers/hand-hasher.ts';
import { assertConserved, payVia, refusingAt, registerUser, startLedger } from '../helpers/ledger.ts';
import { waitFor } from '../helpers/wait.ts';

const log = { info() {}, warn() {}, error() {} };
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const prevOf = (base: Uint8Array) => Buffer.from(base.subarray(12, 44)).toString('hex');

/**
 * A pool with a hand-driven chaining hasher over a fresh ledger (batches of
 * 2), `payments` pending, one miner racing. The pool's reads outside seals
 * wait while `gate.closed` is set (to hold a rebuild in the middle of its
 * read); payment events wait in `events.held` while it is set.
 */
async function setup(payments: number, refuseHeight: bigint | null = null) {
  const L = await startLedger('pglite', { env: { BATCH_SIZE: '2' }, ...refusingAt(refuseHeight) }); // three banks refuse that height
  const hasher = new ChainHandHasher();
  const gate = { closed: null as Promise<void> | null };
  const gated = L.deps.db.withPlugin({
    transformQuery: (a) => a.node,
    transformResult: async (a) => {
      await gate.closed;
      return a.result;
    },
  });
  const deps = { ...L.deps, db: gated, sealDb: L.deps.sealDb ?? L.deps.db };
  const pool = new MiningPool(deps, hasher, { maxMiners: 10, miningTimeoutMs: 60_000, systemMiner: false, systemMinerGraceMs: 0 }, log);
  const events = { held: null as PendingTx[] | null };
  L.events.onPayment((p) => (events.held ? events.held.push(p) : pool.onPayment(p)));
  await pool.start();
  const m = await registerUser(L, '1');
  const payer = await registerUser(L, '1000');
  for (let i = 0; i < payments; i++) await payVia(L, payer, m.userIdx, '1.00');
  await pool.addMiner(m.userIdx);
  const first = await waitFor('a job', async () => (hasher.job?.height === 1n ? hasher.job : null));
  const stop = async () => {
    await pool.close();
    await L.stop();
  };
  return { L, hasher, pool, m, payer, first, stop, gate, events };
}

const blocksOf = async (L: Awaited<ReturnType<typeof setup>>['L']) =>
  (await L.app.inject({ method: 'GET', url: '/api/blocks' })).json().blocks as Array<{ height: number; hash: string; prev_hash: string }>;

describe('the chain: the next round staged with the hasher', () => {
  test('the round after the current one is staged; a solution that started it is adopted without a start, and both seal in order', async () => {
    const { L, hasher, pool, m, first, stop } = await setup(4);
    try {
      assert.equal(hasher.stages.length, 1, 'staged with the round');
      assert.equal(hasher.staged?.after, first.jobId);
      const starts = hasher.jobs.length;
      const s1 = hasher.solveChained(m.userIdx);
      assert.ok(s1.next);
      hasher.emit('solution', s1);
      assert.equal(hasher.jobs.length, starts, 'no start(): the threads already hash it');
      assert.equal(pool.currentJob()?.jobId, s1.next.jobId);
      assert.equal(pool.currentJob()?.height, 2n);
      assert.equal(prevOf(pool.currentJob()!.base), sha(s1.header), 'built on the solution');
      hasher.emit('solution', hasher.solve(hasher.job!, m.userIdx));
      await waitFor('both sealed', async () => pool.status().blocksSealed === 2);
      const [b2, b1] = await blocksOf(L);
      assert.equal(b2!.prev_hash, b1!.hash);
      assert.equal(pool.status().rejected.STALE_JOB ?? 0, 0);
      await assertConserved(L.store.db);
    } finally {
      await stop();
    }
  });

  test('payments arriving while a round runs are staged once they fill a batch', async () => {
    const { L, hasher, m, payer, first, stop } = await setup(2);
    try {
      assert.equal(hasher.staged, null, 'nothing follows the two payments yet');
      await payVia(L, payer, m.userIdx, '5.00');
      await new Promise((r) => setTimeout(r, 20));
      assert.equal(hasher.staged, null, 'half a batch: the next round would wait for the seal');
      await payVia(L, payer, m.userIdx, '6.00');
      await waitFor('a stage', async () => hasher.staged?.after === first.jobId);
      assert.equal(hasher.staged!.job.height, 2n);
    } finally {
      await stop();
    }
  });

  test('a solution sealing with half a batch after it waits; a batch filling up while the seal runs starts the next height on it', async () => {
    const { L, hasher, pool, m, payer, first, stop, events } = await setup(2);
    try {
      events.held = [];
      await payVia(L, payer, m.userIdx, '3.00');
      await payVia(L, payer, m.userIdx, '4.00');
      const [p3, p4] = events.held;
      events.held = null;
      const s1 = hasher.solve(first, m.userIdx);
      hasher.emit('solution', s1); // its seal starts; what follows runs before it ends
      pool.onPayment(p3);
      assert.equal(hasher.job, null, 'half a batch: waits for the seal');
      pool.onPayment(p4);
      const second = hasher.job!;
      assert.equal(second?.height, 2n, 'a full batch: started on the solution');
      assert.equal(prevOf(second.base), sha(s1.header));
      assert.equal(pool.status().blocksSealed, 0, 'height 1 still sealing');
      hasher.emit('solution', hasher.solve(second, m.userIdx));
      await waitFor('two sealed', async () => pool.status().blocksSealed === 2);
      await assertConserved(L.store.db);
    } finally {
      await stop();
    }
  });

  test('after a refused seal nothing is mined on it: the round built on it stops, and the height is mined again on the stored tip', async () => {
    const { hasher, pool, m, first, stop } = await setup(6, 1n);
    try {
      hasher.staged = null; // the pool starts the child itself
      hasher.emit('solution', hasher.solve(first, m.userIdx));
      const child = hasher.job!;
      assert.equal(child.height, 2n, 'a full batch follows: the child starts on the solution');
      const again = await waitFor('height 1 again', async () => (hasher.job?.height === 1n ? hasher.job : null));
      assert.equal(pool.status().rejected.QUORUM_NOT_REACHED, 1);
      const after = hasher.calls.slice(hasher.calls.indexOf(`start ${child.jobId}`));
      assert.deepEqual(after, [`start ${child.jobId}`, 'stop', `start ${again.jobId}`], 'the child stopped at the refusal, before the store was read again');
      assert.equal(pool.status().blocksSealed, 0);
    } finally {
      await stop();
    }
  });

  test('a miner joining ends the chain: a round staged before is not adopted, and the next one races the newcomer', async () => {
    const { L, hasher, pool, m, first, stop } = await setup(6);
    try {
      const newcomer = await registerUser(L, '1');
      await pool.addMiner(newcomer.userIdx);
      const round = await waitFor('the round restarted with both', async () => (hasher.job && hasher.job.miners.ids.length === 2 ? hasher.job : null));
      assert.notEqual(round.jobId, first.jobId);
      // A solution of the round (its stage, if any, raced the same two) is adopted; a stage from before the join never is.
      const s = hasher.solveChained(m.userIdx);
      hasher.emit('solution', s);
      await waitFor('the next height', async () => (pool.currentJob()?.height === 2n ? true : null));
      assert.deepEqual([...pool.currentJob()!.miners.ids].sort(), [m.userIdx, newcomer.userIdx].sort());
      hasher.emit('solution', hasher.solve(hasher.job!, newcomer.userIdx));
      await waitFor('two sealed', async () => pool.status().blocksSealed === 2);
      await assertConserved(L.store.db);
    } finally {
      await stop();
    }
  });

  for (const when of ['before the rebuild runs', 'while it reads the store'] as const) {
    test(`a rebuild asked for while a solution seals waits for that seal (the solution ${when}): the next height is mined, not the same one again`, async () => {
      const { L, hasher, pool, m, first, stop, gate } = await setup(4);
      try {
        hasher.staged = null; // no chain: the pool starts the next round itself
        let open = () => {};
        if (when === 'while it reads the store') gate.closed = new Promise<void>((r) => (open = r));
        hasher.emit('exhausted', { jobId: first.jobId, minerIdx: m.userIdx }); // a rebuild from the store
        if (gate.closed) await new Promise((r) => setTimeout(r, 50)); // its read is held
        const startsBefore = hasher.jobs.length;
        hasher.emit('solution', hasher.solve(first, m.userIdx));
        gate.closed = null;
        open();
        await waitFor('sealed', async () => pool.status().blocksSealed === 1);
        await new Promise((r) => setTimeout(r, 50));
        assert.equal(hasher.job?.height, 2n, 'the height after the sealed one');
        assert.deepEqual(
          hasher.jobs.slice(startsBefore).map((j) => j.height),
          hasher.jobs.slice(startsBefore).map(() => 2n),
          'no round on the tip before the solution',
        );
        hasher.emit('solution', hasher.solve(hasher.job!, m.userIdx));
        await waitFor('two sealed', async () => pool.status().blocksSealed === 2);
        assert.deepEqual(pool.status().rejected, {});
        await assertConserved(L.store.db);
      } finally {
        await stop();
      }
    });
  }

  test('a solution whose next round must wait for a seal to learn its payments is a store wait, not a hand-off', async () => {
    // Batches of 2 read 8 at a time: 10 pending leave the lookahead incomplete.
    const { L, hasher, pool, m, stop } = await setup(10);
    try {
      for (let h = 1n; h <= 4n; h++) {
        const job = await waitFor(`height ${h}`, async () => (hasher.job?.height === h ? hasher.job : null));
        hasher.emit('solution', hasher.solve(job, m.userIdx));
      }
      assert.equal(pool.status().storeWaits, 1, 'height 4 took the last payments known');
      const fifth = await waitFor('height 5, from the seals', async () => (hasher.job?.height === 5n ? hasher.job : null));
      hasher.emit('solution', hasher.solve(fifth, m.userIdx));
      await waitFor('five sealed', async () => pool.status().blocksSealed === 5);
      await assertConserved(L.store.db);
    } finally {
      await stop();
    }
  });
});
