/** Both hashers: valid solutions, dropping old jobs, equal hash budgets, fair wins, close(). */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, test } from 'node:test';
import { createHasher } from '../../../src/mining/workers/index.ts';
import type { Hasher, MiningJob, Solution } from '../../../src/mining/workers/types.ts';
import { candidateOf, createMinerSet, monoUs } from '../../../src/mining/workers/job.ts';
import { targetForDifficulty, meetsTarget } from '../../../src/domain/pow.ts';

function header(seed: number): Uint8Array {
  const h = new Uint8Array(108);
  for (let i = 0; i < 104; i++) h[i] = (seed * 131 + i * 7) & 0xff;
  return h;
}

/** A miner's 16 header bytes, derived from its name. */
const minerBytes = (m: string) => createHash('sha256').update(m).digest().subarray(0, 16);

function job(jobId: number, miners: string[], difficulty: number, seed = jobId): MiningJob {
  return { jobId, height: BigInt(jobId), target: targetForDifficulty(difficulty), base: header(seed), miners: createMinerSet(miners, minerBytes) };
}

function nextSolution(h: Hasher): Promise<Solution> {
  return new Promise((resolve) => {
    let done = false;
    h.on('solution', (s) => {
      if (!done) {
        done = true;
        resolve(s);
      }
    });
  });
}

/** Chi-square statistic against a uniform distribution. */
function chiSquare(counts: number[]): number {
  const total = counts.reduce((a, b) => a + b, 0);
  const e = total / counts.length;
  return counts.reduce((s, c) => s + (c - e) ** 2 / e, 0);
}

for (const threads of [0, 2]) {
  describe(`${threads === 0 ? 'inline' : 'thread'} hasher`, () => {
    test('a solution is valid and carries its job; close() settles', async () => {
      const h = await createHasher({ threads, engine: 'js' });
      try {
        const got = nextSolution(h);
        const j = job(1, ['A', 'B'], 3);
        h.start(j);
        const s = await got;
        assert.equal(s.jobId, 1);
        assert.ok(['A', 'B'].includes(s.minerIdx));
        const digest = createHash('sha256').update(s.header).digest();
        assert.ok(meetsTarget(digest, j.target));
        const c = candidateOf(j, s.minerIdx)!;
        assert.deepEqual(s.header.slice(0, 104), c.header.slice(0, 104));
        assert.equal(new DataView(s.header.buffer).getUint32(104), s.nonce);
      } finally {
        await h.close();
        await h.close();
      }
    });

    test('start() of a new job drops the old one; solutions are tagged with their job', async () => {
      const h = await createHasher({ threads, engine: 'js' });
      const seen: Solution[] = [];
      h.on('solution', (s) => seen.push(s));
      try {
        h.start(job(10, ['A'], 8)); // effectively unsolvable
        await new Promise((r) => setTimeout(r, 30));
        h.start(job(11, ['A'], 2));
        const t0 = Date.now();
        while (!seen.some((s) => s.jobId === 11) && Date.now() - t0 < 10_000) await new Promise((r) => setTimeout(r, 5));
        assert.ok(seen.some((s) => s.jobId === 11));
        assert.ok(seen.every((s) => s.jobId === 11));
        h.stop();
      } finally {
        await h.close();
      }
    });

    test('equal hash budgets: every miner gets the same hashes per turn', async () => {
      const h = await createHasher({ threads, engine: 'js' });
      const miners = ['M0', 'M1', 'M2', 'M3', 'M4', 'M5'];
      const hashes = new Map(miners.map((m) => [m, 0]));
      h.on('progress', (p) => {
        for (const [m, n] of p.hashesByMiner) hashes.set(m, (hashes.get(m) ?? 0) + n);
      });
      try {
        h.start(job(50, miners, 12)); // a target nobody meets: the job runs until stopped
        await new Promise((r) => setTimeout(r, 600));
        h.stop();
        await new Promise((r) => setTimeout(r, 400)); // the last progress reports
        const hs = miners.map((m) => hashes.get(m)!);
        const max = Math.max(...hs);
        const min = Math.min(...hs);
        assert.ok(min > 0 && max / min < 1.5, `unequal budgets: ${hs.join(',')}`);
      } finally {
        await h.close();
      }
    });

    test('fair wins among six miners', async () => {
      const h = await createHasher({ threads, engine: 'js' });
      const miners = ['M0', 'M1', 'M2', 'M3', 'M4', 'M5'];
      const wins = new Map(miners.map((m) => [m, 0]));
      try {
        for (let i = 0; i < 240; i++) {
          const got = nextSolution(h);
          h.start(job(100 + i, miners, 2, 100 + i));
          const s = await got;
          wins.set(s.minerIdx, wins.get(s.minerIdx)! + 1);
        }
        h.stop();
        const counts = miners.map((m) => wins.get(m)!);
        // 5 degrees of freedom: p = 0.001 at 20.5
        assert.ok(chiSquare(counts) < 20.5, `unfair wins: ${counts.join(',')}`);
      } finally {
        await h.close();
      }
    });
  });
}

describe('a round as a base header and a miner set', () => {
  test('each job reports when every thread started it (a job superseded before a thread took it up is not reported); a solution carries its miner\'s bytes and when it was found', async () => {
    for (const threads of [0, 2]) {
      const h = await createHasher({ threads, engine: 'js' });
      const started: Array<{ jobId: number; atUs: number }> = [];
      h.on('started', (e) => started.push(e));
      try {
        const before = monoUs();
        const set = createMinerSet(['A', 'B', 'C'], minerBytes);
        for (let i = 1; i <= 3; i++) {
          h.start({ ...job(i, [], 12), miners: set });
          const t0 = Date.now();
          while (started.length < i && Date.now() - t0 < 10_000) await new Promise((r) => setTimeout(r, 5));
        }
        assert.deepEqual(started.map((e) => e.jobId), [1, 2, 3], `${threads} threads`);
        for (const e of started) assert.ok(e.atUs >= before && e.atUs <= monoUs());
        const got = nextSolution(h);
        h.start(job(4, ['D', 'E'], 2)); // another set: its bytes reach the threads before the job
        const s = await got;
        assert.ok(['D', 'E'].includes(s.minerIdx));
        assert.ok(s.foundAtUs !== undefined && s.foundAtUs >= before);
        assert.deepEqual(Buffer.from(s.header.subarray(88, 104)), Buffer.from(minerBytes(s.minerIdx)), "the solution carries its miner's bytes");
      } finally {
        await h.close();
      }
    }
  });
});
