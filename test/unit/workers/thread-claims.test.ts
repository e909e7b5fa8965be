/**
 * The thread hasher's claims and the fold: the first solution of a job is the
 * only one reported; a job staged after a thread solved the one before is
 * started on that solution by the thread (a late stage); the fold gives work
 * to as many threads as it says, each on its part of the nonces.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, test } from 'node:test';
import { createThreadHasher } from '../../../src/mining/workers/thread-hasher.ts';
import { ThreadFold } from '../../../src/mining/workers/fold.ts';
import type { MiningJob, Solution } from '../../../src/mining/workers/types.ts';
import { candidateOf } from '../../../src/mining/workers/job.ts';
import { meetsTarget } from '../../../src/domain/pow.ts';
import { testJob } from '../../helpers/jobs.ts';
import { waitFor } from '../../helpers/wait.ts';

const job = (jobId: number, difficulty: number) => testJob(jobId, difficulty);

const valid = (s: Solution, j: MiningJob) => {
  assert.deepEqual(Buffer.from(s.header.subarray(0, 104)), Buffer.from(candidateOf(j, s.minerIdx)!.header.subarray(0, 104)));
  assert.ok(meetsTarget(createHash('sha256').update(s.header).digest(), j.target));
};

describe('thread hasher claims', () => {
  test('two threads that both solve a job report it once', async () => {
    const h = await createThreadHasher({ threads: 2, engine: 'js' });
    const seen: Solution[] = [];
    h.on('solution', (s) => seen.push(s));
    try {
      for (let id = 1; id <= 5; id++) {
        h.start(job(id, 1)); // a solution every ~16 hashes on each thread
        await waitFor(`a solution of job ${id}`, async () => seen.some((s) => s.jobId === id));
        await new Promise((r) => setTimeout(r, 100)); // time for a second one, were it sent
        assert.equal(seen.filter((s) => s.jobId === id).length, 1, `one solution of job ${id}: ${JSON.stringify(seen.filter((s) => s.jobId === id).map((s) => [s.nonce, s.minerIdx, s.foundAtUs]))}`);
      }
    } finally {
      await h.close();
    }
  });

  test('a job staged after a thread solved the one before is started on that solution, timed from the stage', async () => {
    const h = await createThreadHasher({ threads: 2, engine: 'js' });
    const seen: Solution[] = [];
    const started = new Set<number>();
    h.on('solution', (s) => seen.push(s));
    h.on('started', (e) => started.add(e.jobId));
    try {
      const [j1, j2] = [job(1, 1), job(2, 2)];
      h.start(j1);
      // Keep this thread busy while a hashing thread solves job 1: its solution waits unread here.
      const until = Date.now() + 1_000;
      while (Date.now() < until);
      h.stage!(1, j2);
      const s1 = await waitFor('the solution of job 1', async () => seen.find((s) => s.jobId === 1));
      valid(s1, j1);
      assert.equal(s1.next?.jobId, 2, 'job 2 follows it on the threads');
      assert.ok(s1.stagedLateAtUs !== undefined && s1.stagedLateAtUs > s1.foundAtUs!, 'staged after the solution: timed from the stage');
      const s2 = await waitFor('a solution of job 2, with no start()', async () => seen.find((s) => s.jobId === 2));
      valid(s2, s1.next);
      await waitFor('job 2 started on every thread', async () => started.has(2));
    } finally {
      await h.close();
    }
  });
});

describe('the fold in the thread hasher', () => {
  test('work goes to as many threads as the fold says, from the next start(), each on its part of the nonces', async () => {
    /** A fold that keeps the count the test sets. */
    const fold = new (class extends ThreadFold {
      override decide(): number {
        return this.active;
      }
    })(2, 0, 0);
    fold.active = 1;
    const h = await createThreadHasher({ threads: 2, engine: 'js', adapt: { fold } });
    const seen: Solution[] = [];
    const started = new Set<number>();
    h.on('solution', (s) => seen.push(s));
    h.on('started', (e) => started.add(e.jobId));
    const mine = async (from: number, n: number, difficulty: number) => {
      const nonces: number[] = [];
      for (let id = from; id < from + n; id++) {
        const j = job(id, difficulty);
        h.start(j);
        const s = await waitFor(`a solution of job ${id}`, async () => seen.find((x) => x.jobId === id));
        valid(s, j);
        await waitFor(`job ${id} started`, async () => started.has(id));
        nonces.push(s.nonce);
      }
      return nonces;
    };
    try {
      const one = await mine(1, 20, 2);
      assert.equal(h.activeThreads!(), 1);
      assert.ok(one.every((n) => n < 0x80000000), 'one thread: every nonce from the start of the whole space');
      fold.active = 2;
      const two = await mine(100, 20, 4); // long enough for both threads to be on it
      assert.equal(h.activeThreads!(), 2);
      assert.ok(two.some((n) => n >= 0x80000000), 'two threads: the second one finds some in its half');
    } finally {
      await h.close();
    }
  });
});
