/** Both hashers: valid solutions, dropping old jobs, equal hash budgets, fair wins, close(). */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, test } from 'node:test';
import { createHasher } from '../../../src/mining/workers/index.ts';
import type { Hasher, MiningJob, Solution } from '../../../src/mining/workers/types.ts';
import { targetForDifficulty, meetsTarget } from '../../../src/domain/pow.ts';

function header(seed: number): Uint8Array {
  const h = new Uint8Array(108);
  for (let i = 0; i < 104; i++) h[i] = (seed * 131 + i * 7) & 0xff;
  return h;
}

function job(jobId: number, miners: string[], difficulty: number, seed = jobId): MiningJob {
  return { jobId, height: BigInt(jobId), target: targetForDifficulty(difficulty), candidates: miners.map((m, i) => ({ minerIdx: m, header: header(seed * 1000 + i) })) };
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
        const c = j.candidates.find((x) => x.minerIdx === s.minerIdx)!;
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

describe('packing a round for a thread', () => {
  test('views of one buffer in order go as that buffer; anything else is copied in order; unpacking gives the same headers', async () => {
    const { packHeaders, unpackHeaders } = await import('../../../src/mining/workers/packing.ts');
    const buf = new Uint8Array(3 * 108).map((_, i) => i % 251);
    const views = [0, 1, 2].map((i) => buf.subarray(i * 108, i * 108 + 108));
    const same = packHeaders(views);
    assert.equal(same.buffer, buf.buffer, 'no copy');
    const loose = [views[2]!, views[0]!].map((v) => Uint8Array.from(v));
    const copied = packHeaders(loose);
    assert.notEqual(copied.buffer, buf.buffer);
    assert.deepEqual(unpackHeaders(copied).map((h) => Buffer.from(h).toString('hex')), loose.map((h) => Buffer.from(h).toString('hex')));
    assert.deepEqual(unpackHeaders(packHeaders([views[1]!, views[2]!])).map((h) => h[0]), [views[1]![0], views[2]![0]], 'views out of place are copied');
  });
});
