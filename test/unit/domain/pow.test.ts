import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, test } from 'node:test';
import { fromHex } from '../../../src/domain/hex.ts';
import { meetsDifficulty, meetsTarget, targetForDifficulty } from '../../../src/domain/pow.ts';

const F = 0xffffffff;
const hashFromHex = (h: string) => fromHex(h.padEnd(64, 'f'));

describe('targetForDifficulty', () => {
  test('2^(256-4d) - 1 as eight big-endian words', () => {
    assert.deepEqual([...targetForDifficulty(0)], Array(8).fill(F));
    assert.deepEqual([...targetForDifficulty(1)], [0x0fffffff, ...Array(7).fill(F)]);
    assert.deepEqual([...targetForDifficulty(4)], [0x0000ffff, ...Array(7).fill(F)]);
    assert.deepEqual([...targetForDifficulty(8)], [0, ...Array(7).fill(F)]);
    assert.deepEqual([...targetForDifficulty(9)], [0, 0x0fffffff, ...Array(6).fill(F)]);
    assert.deepEqual([...targetForDifficulty(63)], [...Array(7).fill(0), 0x0000000f]);
    assert.deepEqual([...targetForDifficulty(64)], Array(8).fill(0));
  });
  test('equals 2^(256-4d) - 1 as a bigint for every d', () => {
    for (let d = 0; d <= 64; d++) {
      const t = targetForDifficulty(d);
      const asBig = [...t].reduce((acc, w) => (acc << 32n) | BigInt(w), 0n);
      assert.equal(asBig, (1n << BigInt(256 - 4 * d)) - 1n, `d=${d}`);
    }
  });
  test('refuses d outside 0..64', () => {
    for (const d of [-1, 65, 1.5, NaN]) assert.throws(() => targetForDifficulty(d), RangeError);
  });
});

describe('meetsTarget and meetsDifficulty', () => {
  test('boundaries: exactly the target passes, one more fails', () => {
    assert.ok(meetsTarget(hashFromHex('0000ffff'), targetForDifficulty(4)));
    assert.ok(!meetsTarget(fromHex('00010000' + '0'.repeat(56)), targetForDifficulty(4)));
    assert.ok(meetsTarget(new Uint8Array(32), targetForDifficulty(64)));
    assert.ok(!meetsTarget(fromHex('0'.repeat(63) + '1'), targetForDifficulty(64)));
    assert.ok(meetsTarget(new Uint8Array(32).fill(0xff), targetForDifficulty(0)));
    // compares word by word from the most significant
    assert.ok(meetsTarget(fromHex('0000fffe' + 'f'.repeat(56)), targetForDifficulty(4)));
    assert.ok(!meetsTarget(fromHex('0000ffff' + '0'.repeat(55) + '1'), Uint32Array.of(0x0000ffff, 0, 0, 0, 0, 0, 0, 0)));
  });
  test('meetsDifficulty counts hex zeros', () => {
    assert.ok(meetsDifficulty(hashFromHex('0000a'), 4));
    assert.ok(!meetsDifficulty(hashFromHex('0000a'), 5));
    assert.ok(meetsDifficulty(hashFromHex('000'), 3));
    assert.ok(!meetsDifficulty(hashFromHex('001'), 3));
    assert.ok(meetsDifficulty(hashFromHex('1'), 0));
    assert.ok(meetsDifficulty(new Uint8Array(32), 64));
    assert.ok(!meetsDifficulty(fromHex('0'.repeat(63) + '1'), 64));
  });
  test('meetsDifficulty agrees with meetsTarget and with the hex prefix on many hashes', () => {
    for (let i = 0; i < 4000; i++) {
      const hash = createHash('sha256').update(`x${i}`).digest();
      const hex = hash.toString('hex');
      for (const d of [0, 1, 2, 3, 4, 5]) {
        const byHex = hex.startsWith('0'.repeat(d));
        assert.equal(meetsDifficulty(hash, d), byHex);
        assert.equal(meetsTarget(hash, targetForDifficulty(d)), byHex);
      }
    }
    for (let d = 0; d <= 64; d++) {
      for (const fill of ['0', '1', 'f']) {
        const hash = fromHex('0'.repeat(d) + fill.repeat(64 - d));
        assert.equal(meetsDifficulty(hash, d), true);
        assert.equal(meetsTarget(hash, targetForDifficulty(d)), true);
        if (d < 64 && fill !== '0') {
          assert.equal(meetsDifficulty(hash, d + 1), false);
          assert.equal(meetsTarget(hash, targetForDifficulty(d + 1)), false);
        }
      }
    }
  });
  test('reads a hash that is a view at an offset', () => {
    const big = new Uint8Array(40).fill(0xff);
    big.set(new Uint8Array(4), 3);
    assert.ok(meetsTarget(big.subarray(3, 35), targetForDifficulty(8)));
    assert.ok(meetsDifficulty(big.subarray(3, 35), 8));
  });
  test('wrong lengths and difficulties are bugs', () => {
    assert.throws(() => meetsTarget(new Uint8Array(31), targetForDifficulty(1)), /32 bytes/);
    assert.throws(() => meetsTarget(new Uint8Array(32), new Uint32Array(7)), /8 words/);
    assert.throws(() => meetsDifficulty(new Uint8Array(31), 1), /32 bytes/);
    for (const d of [-1, 65, 0.5]) assert.throws(() => meetsDifficulty(new Uint8Array(32), d), /difficulty/);
  });
});
