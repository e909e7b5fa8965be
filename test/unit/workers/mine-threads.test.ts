/** The hashing threads of `idxchain mine`: valid shares from every thread's part of the nonce space, blocks never held back, a new job taken up by every thread, idle and close(). */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, test } from 'node:test';
import { startMinerThreads, type FoundShare, type WorkSpec } from '../../../src/cli/mine-threads.ts';
import { meetsTarget, targetForDifficulty } from '../../../src/domain/pow.ts';
import { waitFor } from '../../helpers/wait.ts';

function spec(seed: number, shareDifficulty: number, difficulty: number): WorkSpec {
  const header = new Uint8Array(108);
  for (let i = 0; i < 104; i++) header[i] = (seed * 131 + i * 7) & 0xff;
  return { header, shareTarget: targetForDifficulty(shareDifficulty), target: targetForDifficulty(difficulty) };
}

const hashOf = (w: WorkSpec, nonce: number) => {
  const h = Buffer.from(w.header);
  h.writeUInt32BE(nonce, h.length - 4);
  return createHash('sha256').update(h).digest();
};

const HALF = 0x80000000;

describe('idxchain mine hashing threads', () => {
  test('two threads: every share is valid for its job, both halves of the nonce space are hashed, blocks are flagged', async () => {
    const t = await startMinerThreads({ threads: 2, engine: 'js', shareIntervalMs: 0, random: () => 0 });
    try {
      const got: FoundShare[] = [];
      t.onShare((s) => got.push(s));
      const w = spec(1, 2, 4);
      const gen = t.work(w);
      await waitFor('shares from both threads and a block', async () => got.some((s) => s.nonce < HALF) && got.some((s) => s.nonce >= HALF) && got.some((s) => s.block));
      for (const s of got) {
        assert.equal(s.gen, gen);
        const h = hashOf(w, s.nonce);
        assert.ok(meetsTarget(h, w.shareTarget), `nonce ${s.nonce} meets the share target`);
        assert.equal(s.block, meetsTarget(h, w.target), `nonce ${s.nonce} is flagged as a block exactly when it is one`);
      }
      assert.ok(t.hashes() > 0);
    } finally {
      await t.close();
    }
  });

  test('throttled: a thread sends one share, then hunts only its block, sends it at once and sends nothing more; a new job reaches every thread', async () => {
    const t = await startMinerThreads({ threads: 2, engine: 'js', shareIntervalMs: 1e9, random: () => 0 });
    try {
      const got: FoundShare[] = [];
      t.onShare((s) => got.push(s));
      const w1 = spec(2, 1, 4);
      const g1 = t.work(w1);
      await waitFor('a block from each thread', async () => got.filter((s) => s.gen === g1 && s.block).length === 2);
      const blocks = got.filter((s) => s.block);
      assert.ok(blocks.some((s) => s.nonce < HALF) && blocks.some((s) => s.nonce >= HALF), 'one block per thread, each in its half');
      // Then the threads keep hashing (counted) but find nothing they may send.
      const h = t.hashes();
      await waitFor('more hashing after the blocks', async () => t.hashes() > h + 200_000);
      assert.ok(got.length <= 4, `at most one share and one block per thread (got ${got.length})`);
      for (const s of got) assert.ok(meetsTarget(hashOf(w1, s.nonce), s.block ? w1.target : w1.shareTarget));
      // A new job: both threads drop the old one (which would never yield anything again) and find its blocks.
      const w2 = spec(3, 1, 4);
      const g2 = t.work(w2);
      assert.equal(g2, g1 + 1);
      await waitFor('a block of the new job from each thread', async () => got.filter((s) => s.gen === g2 && s.block).length === 2);
      for (const s of got.filter((x) => x.gen === g2)) assert.ok(meetsTarget(hashOf(w2, s.nonce), s.block ? w2.target : w2.shareTarget));
    } finally {
      await t.close();
    }
  });

  test('idle stops every thread; close() terminates them and settles', async () => {
    const t = await startMinerThreads({ threads: 2, engine: 'js', shareIntervalMs: 20 });
    t.work(spec(4, 3, 8));
    await waitFor('hashing', async () => t.hashes() > 0);
    t.idle();
    let last = -1;
    await waitFor('the counters stand still', async () => {
      const h = t.hashes();
      const still = h === last;
      last = h;
      if (!still) await new Promise((r) => setTimeout(r, 50));
      return still;
    });
    await t.close();
    await t.close();
    const h = t.hashes();
    t.work(spec(5, 1, 2));
    assert.equal(t.hashes(), h, 'no work after close');
  });

  test('an engine that is not available fails start-up with its reason', async () => {
    await assert.rejects(startMinerThreads({ threads: 1, engine: 'nope' as 'js', shareIntervalMs: 20 }), /unknown hash engine/);
  });
});
