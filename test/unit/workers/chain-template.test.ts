/** The chain's arithmetic on a thread: a solution's hash from its prepared candidate, and the staged job prepared on it. */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, test } from 'node:test';
import { ChainScratch, ChainTemplate } from '../../../src/mining/workers/chain-template.ts';
import { chainedBase } from '../../../src/mining/workers/job.ts';
import { prepareHeader, withTailBytes } from '../../../src/mining/engines/prepare.ts';
import { MINER_OFFSET, NONCE_OFFSET } from '../../../src/domain/header.ts';
import { targetForDifficulty } from '../../../src/domain/pow.ts';

const header = (seed: number) => Uint8Array.from({ length: 108 }, (_, i) => (seed * 131 + i * 7) & 0xff);
const words = (b: Uint8Array) => Array.from({ length: b.length / 4 }, (_, i) => new DataView(b.buffer, b.byteOffset).getInt32(i * 4));

describe('ChainScratch.hashOf', () => {
  test('is SHA-256 of the candidate header with the nonce written (vectors against node:crypto)', () => {
    const s = new ChainScratch();
    const target = targetForDifficulty(4);
    for (const [seed, nonce] of [
      [1, 0],
      [2, 0xffffffff],
      [3, 0x12345678],
    ] as const) {
      const base = header(seed);
      const miner = Uint8Array.from({ length: 16 }, (_, i) => seed + i);
      const candidate = withTailBytes(prepareHeader(base, target), miner, MINER_OFFSET);
      const full = base.slice();
      full.set(miner, MINER_OFFSET);
      new DataView(full.buffer).setUint32(NONCE_OFFSET, nonce);
      const want = createHash('sha256').update(full).digest();
      assert.deepEqual(Array.from(s.hashOf(candidate, nonce)), words(want));
    }
  });
});

describe('ChainTemplate', () => {
  test('prepares the staged header on a solution as prepareHeader does on the chained header, and writes its prevHash', () => {
    const target = targetForDifficulty(5);
    const staged = header(9);
    const solved = header(4);
    const hash = Int32Array.from(words(createHash('sha256').update(solved).digest()));
    const t = new ChainTemplate(41, 42, target, staged);
    assert.deepEqual(staged, header(9), 'the staged header is left as it was');
    const chained = chainedBase(staged, solved);
    const want = prepareHeader(chained, target);
    const got = t.prepare(hash, new ChainScratch());
    assert.deepEqual(Array.from(got.midstate), Array.from(want.midstate));
    assert.deepEqual(Array.from(got.tail), Array.from(want.tail));
    assert.equal(got.nonceWord, want.nonceWord);
    assert.deepEqual(Array.from(got.target), Array.from(target));
    assert.deepEqual(t.writePrev(hash), chained);
    assert.deepEqual([t.after, t.jobId], [41, 42]);
  });
});
