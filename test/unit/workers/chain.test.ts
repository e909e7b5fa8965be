/** The chain on both hashers: a staged job starts on a solution of the job before it, on that solution's hash, with no start(). */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, test } from 'node:test';
import { createHasher } from '../../../src/mining/workers/index.ts';
import type { Hasher, MiningJob, Solution } from '../../../src/mining/workers/types.ts';
import { candidateOf, chainedBase, createMinerSet } from '../../../src/mining/workers/job.ts';
import { meetsTarget } from '../../../src/domain/pow.ts';
import { minerBytes, testJob } from '../../helpers/jobs.ts';
import { PREV_HASH_OFFSET } from '../../../src/domain/header.ts';
import { waitFor } from '../../helpers/wait.ts';

const job = testJob;

const valid = (s: Solution, j: MiningJob) => {
  const c = candidateOf(j, s.minerIdx)!;
  assert.deepEqual(Buffer.from(s.header.subarray(0, 104)), Buffer.from(c.header.subarray(0, 104)), 'the candidate of its job');
  assert.ok(meetsTarget(createHash('sha256').update(s.header).digest(), j.target));
};

for (const threads of [0, 2]) {
  describe(`the chain, ${threads === 0 ? 'inline' : 'thread'} hasher`, () => {
    test('a staged job starts on the first solution, on its hash; the threads hash it at once and report it started', async () => {
      const h: Hasher = await createHasher({ threads, engine: 'js' });
      const seen: Solution[] = [];
      const started: number[] = [];
      h.on('solution', (s) => seen.push(s));
      h.on('started', (e) => started.push(e.jobId));
      try {
        const j1 = job(1, 2);
        const j2 = job(2, 2);
        h.start(j1);
        h.stage!(1, j2);
        const s1 = await waitFor('a solution of job 1', async () => seen.find((s) => s.jobId === 1) ?? null);
        valid(s1, j1);
        assert.ok(s1.next, 'it carries the job started on it');
        assert.equal(s1.next.jobId, 2);
        assert.deepEqual(Buffer.from(s1.next.base), Buffer.from(chainedBase(j2.base, s1.header)));
        assert.equal(Buffer.from(s1.next.base.subarray(PREV_HASH_OFFSET, PREV_HASH_OFFSET + 32)).toString('hex'), createHash('sha256').update(s1.header).digest('hex'));
        await waitFor('job 2 started on every thread', async () => started.includes(2) || null);
        const s2 = await waitFor('a solution of job 2, with no start()', async () => seen.find((s) => s.jobId === 2) ?? null);
        valid(s2, s1.next);
        assert.equal(s2.next, undefined, 'nothing was staged after job 2');
        assert.equal(seen.filter((s) => s.jobId === 1 && s.next).length, 1, 'one solution of job 1 started the next');
        h.stop();
      } finally {
        await h.close();
      }
    });

    test('a stage is dropped by start() and by stop(), and refused after another job or for other miners', async () => {
      const h: Hasher = await createHasher({ threads, engine: 'js' });
      const seen: Solution[] = [];
      h.on('solution', (s) => seen.push(s));
      try {
        h.start(job(10, 12)); // effectively unsolvable
        h.stage!(10, job(11, 2));
        h.start(job(12, 2)); // drops the stage after 10
        h.stage!(10, job(13, 2)); // after a job no longer current
        h.stage!(12, job(14, 2, createMinerSet(['C'], minerBytes))); // other miners
        await waitFor('a solution of job 12', async () => seen.find((s) => s.jobId === 12) ?? null);
        assert.ok(seen.every((s) => s.next === undefined));
        h.stop();
      } finally {
        await h.close();
      }
    });
  });
}

describe('the chain on four threads', () => {
  test('every thread follows a chain, even one that comes while it is still on the job before (each chained job is reported started on all four)', async () => {
    const h = await createHasher({ threads: 4, engine: 'js' });
    const started = new Set<number>();
    const seen: Solution[] = [];
    h.on('started', (e) => started.add(e.jobId));
    h.on('solution', (s) => seen.push(s));
    try {
      let chained = 0;
      for (let k = 0; k < 10; k++) {
        const [j, next] = [job(200 + 2 * k, 1), job(201 + 2 * k, 40)]; // j solved at once, next never
        h.start(j);
        h.stage!(j.jobId, next);
        const s = await waitFor(`a solution of job ${j.jobId}`, async () => seen.find((x) => x.jobId === j.jobId) ?? null);
        if (!s.next) continue; // solved before the stage reached the thread
        chained++;
        await waitFor(`job ${next.jobId} started on every thread`, async () => started.has(next.jobId) || null, 3_000);
      }
      assert.ok(chained > 0, 'some jobs were chained');
      h.stop();
    } finally {
      await h.close();
    }
  });
});

describe('the hashing threads’ priority', () => {
  test('the threads run at the nice value given (MINING_NICE), the main thread as it was', async (t) => {
    const { readdirSync, readFileSync } = await import('node:fs');
    const niceOf = (tid: string) => Number(readFileSync(`/proc/self/task/${tid}/stat`, 'utf8').split(') ')[1]!.split(' ')[16]);
    if (process.platform !== 'linux') return t.skip('reads /proc');
    const before = new Set(readdirSync('/proc/self/task'));
    const h = await createHasher({ threads: 2, engine: 'js', nice: 7 });
    try {
      const added = readdirSync('/proc/self/task').filter((tid) => !before.has(tid));
      const nices = added.map(niceOf);
      assert.equal(nices.filter((n) => n === 7).length, 2, `two threads at nice 7 (new threads: ${nices.join(',')})`);
      assert.equal(niceOf(String(process.pid)), 0);
    } finally {
      await h.close();
    }
  });
});
