import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, test } from 'node:test';
import {
  createHeader,
  decodeHeader,
  encodeHeader,
  hashHeader,
  HEADER_SIZE,
  HEADER_VERSION,
  MINER_OFFSET,
  NONCE_OFFSET,
  withMiner,
  withNonce,
  type BlockHeader,
} from '../../../src/domain/header.ts';
import { fromHex, toHex } from '../../../src/domain/hex.ts';
import { bytesToUserIdx } from '../../../src/domain/ids.ts';
import { meetsDifficulty } from '../../../src/domain/pow.ts';
import { HEADER_FIELDS, HEADER_HEX, HEADER_SHA256, MINED } from '../../vectors/domain.ts';

/** The header assembled field by field with Buffer writes, independently of encodeHeader. */
function byHand(f: BlockHeader): Buffer {
  const b = Buffer.alloc(108);
  b.writeUInt32BE(f.version, 0);
  b.writeBigUInt64BE(f.height, 4);
  Buffer.from(f.prevHash).copy(b, 12);
  Buffer.from(f.merkleRoot).copy(b, 44);
  b.writeBigUInt64BE(f.timestampMs, 76);
  b.writeUInt32BE(f.difficulty, 84);
  Buffer.from(f.miner).copy(b, 88);
  b.writeUInt32BE(f.nonce, 104);
  return b;
}

describe('block header layout', () => {
  test('constants', () => {
    assert.equal(HEADER_SIZE, 108);
    assert.equal(NONCE_OFFSET, 104);
    assert.equal(NONCE_OFFSET, HEADER_SIZE - 4);
    assert.equal(HEADER_VERSION, 1);
  });

  test('pinned bytes and hash, checked against bytes assembled by hand and node:crypto', () => {
    const bytes = encodeHeader(createHeader(HEADER_FIELDS));
    assert.equal(bytes.length, HEADER_SIZE);
    assert.equal(toHex(bytes), HEADER_HEX);
    assert.equal(byHand(HEADER_FIELDS).toString('hex'), HEADER_HEX);
    assert.equal(createHash('sha256').update(fromHex(HEADER_HEX)).digest('hex'), HEADER_SHA256);
    assert.equal(toHex(hashHeader(bytes)), HEADER_SHA256);
  });

  test('each field sits at its offset, big-endian', () => {
    const b = fromHex(HEADER_HEX);
    const v = new DataView(b.buffer);
    assert.equal(v.getUint32(0), 1);
    assert.equal(v.getBigUint64(4), 42n);
    assert.equal(toHex(b.subarray(12, 44)), toHex(HEADER_FIELDS.prevHash));
    assert.equal(toHex(b.subarray(44, 76)), 'ab'.repeat(32));
    assert.equal(v.getBigUint64(76), 1766745000000n);
    assert.equal(v.getUint32(84), 4);
    assert.equal(bytesToUserIdx(b.subarray(88, 104)), 'IDX_f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff');
    assert.equal(v.getUint32(104), 0xdeadbeef);
  });

  test('the 64-byte midstate covers everything up to the merkle root; the nonce is in the second SHA-256 block', () => {
    const a = encodeHeader(createHeader({ ...HEADER_FIELDS, nonce: 1 }));
    const b = encodeHeader(createHeader({ ...HEADER_FIELDS, nonce: 2 }));
    assert.deepEqual(a.subarray(0, NONCE_OFFSET), b.subarray(0, NONCE_OFFSET));
    assert.ok(NONCE_OFFSET >= 64);
  });

  test('decode(encode(h)) = h, and random headers agree with the hand encoding', () => {
    const h = decodeHeader(fromHex(HEADER_HEX));
    assert.deepEqual({ ...h }, { ...createHeader(HEADER_FIELDS) });
    assert.deepEqual(encodeHeader(h), fromHex(HEADER_HEX));
    for (let i = 0; i < 50; i++) {
      const f: BlockHeader = {
        version: 1,
        height: BigInt(i) * 0x0123456789abn,
        prevHash: new Uint8Array(32).map((_, j) => (i * 7 + j) & 255),
        merkleRoot: new Uint8Array(32).map((_, j) => (i * 13 + j * 3) & 255),
        timestampMs: (1n << 63n) + BigInt(i),
        difficulty: i % 65,
        miner: new Uint8Array(16).map((_, j) => (i + j * 17) & 255),
        nonce: (i * 0x9e3779b9) >>> 0,
      };
      const bytes = encodeHeader(createHeader(f));
      assert.equal(toHex(bytes), byHand(f).toString('hex'));
      assert.deepEqual({ ...decodeHeader(bytes) }, { ...createHeader(f) });
    }
  });

  test('extremes encode: u64 max height and timestamp, u32 max nonce, difficulty 64', () => {
    const max = (1n << 64n) - 1n;
    const h = createHeader({ ...HEADER_FIELDS, height: max, timestampMs: max, nonce: 0xffffffff, difficulty: 64 });
    const back = decodeHeader(encodeHeader(h));
    assert.equal(back.height, max);
    assert.equal(back.timestampMs, max);
    assert.equal(back.nonce, 0xffffffff);
    assert.equal(back.difficulty, 64);
  });

  test('createHeader freezes and copies its byte fields', () => {
    const prev = Uint8Array.from(HEADER_FIELDS.prevHash);
    const h = createHeader({ ...HEADER_FIELDS, prevHash: prev });
    assert.ok(Object.isFrozen(h));
    prev[0] = 0xff;
    assert.equal(h.prevHash[0], 0);
    assert.throws(() => {
      (h as { height: bigint }).height = 1n;
    }, TypeError);
  });

  test('bad fields are refused with RangeError naming the field', () => {
    const bad: Array<[Partial<BlockHeader>, RegExp]> = [
      [{ version: 0 }, /version/],
      [{ version: 2 }, /version/],
      [{ height: -1n }, /height/],
      [{ height: 1n << 64n }, /height/],
      [{ height: 1 as unknown as bigint }, /height/],
      [{ prevHash: new Uint8Array(31) }, /prevHash/],
      [{ prevHash: new Uint8Array(33) }, /prevHash/],
      [{ prevHash: [...new Uint8Array(32)] as unknown as Uint8Array }, /prevHash/],
      [{ merkleRoot: new Uint8Array(0) }, /merkleRoot/],
      [{ timestampMs: -1n }, /timestampMs/],
      [{ timestampMs: 1n << 64n }, /timestampMs/],
      [{ difficulty: -1 }, /difficulty/],
      [{ difficulty: 65 }, /difficulty/],
      [{ difficulty: 1.5 }, /difficulty/],
      [{ miner: new Uint8Array(32) }, /miner/],
      [{ nonce: -1 }, /nonce/],
      [{ nonce: 2 ** 32 }, /nonce/],
      [{ nonce: 0.5 }, /nonce/],
      [{ nonce: NaN }, /nonce/],
    ];
    for (const [over, re] of bad) {
      assert.throws(() => createHeader({ ...HEADER_FIELDS, ...over }), (e: unknown) => e instanceof RangeError && re.test(e.message), re.source);
      assert.throws(() => encodeHeader({ ...HEADER_FIELDS, ...over }), RangeError, re.source);
    }
  });

  test('decodeHeader refuses a wrong length or a bad field', () => {
    assert.throws(() => decodeHeader(new Uint8Array(107)), /108 bytes/);
    assert.throws(() => decodeHeader(new Uint8Array(109)), /108 bytes/);
    assert.throws(() => decodeHeader(new Uint8Array(108)), /version/);
    const hard = fromHex(HEADER_HEX);
    new DataView(hard.buffer).setUint32(84, 65);
    assert.throws(() => decodeHeader(hard), /difficulty/);
  });

  test('decodeHeader reads a view at an offset (e.g. a Buffer slice)', () => {
    const big = new Uint8Array(200);
    big.set(fromHex(HEADER_HEX), 50);
    assert.equal(toHex(encodeHeader(decodeHeader(big.subarray(50, 158)))), HEADER_HEX);
  });
});

describe('hashing and nonces', () => {
  test('hashHeader is one SHA-256 of the 108 bytes', () => {
    const b = fromHex(HEADER_HEX);
    assert.equal(toHex(hashHeader(b)), createHash('sha256').update(b).digest('hex'));
    assert.throws(() => hashHeader(new Uint8Array(64)), /108 bytes/);
  });

  test('withNonce copies and writes a big-endian u32 in the last four bytes', () => {
    const b = fromHex(HEADER_HEX);
    const c = withNonce(b, 0x01020304);
    assert.notEqual(c, b);
    assert.equal(toHex(b), HEADER_HEX);
    assert.equal(toHex(c.subarray(NONCE_OFFSET)), '01020304');
    assert.equal(toHex(c.subarray(0, NONCE_OFFSET)), HEADER_HEX.slice(0, NONCE_OFFSET * 2));
    assert.equal(decodeHeader(withNonce(b, 0)).nonce, 0);
    assert.equal(decodeHeader(withNonce(b, 0xffffffff)).nonce, 0xffffffff);
    assert.equal(toHex(withNonce(b, 0xdeadbeef)), HEADER_HEX);
    for (const n of [-1, 2 ** 32, 1.5, NaN]) assert.throws(() => withNonce(b, n), /nonce/);
    assert.throws(() => withNonce(new Uint8Array(107), 0), /108 bytes/);
  });

  test('withMiner copies and writes the 16 miner bytes at offset 88, equal to encoding the header with that miner', () => {
    const b = fromHex(HEADER_HEX);
    const miner = Uint8Array.from({ length: 16 }, (_, i) => 0xa0 + i);
    const c = withMiner(b, miner);
    assert.equal(MINER_OFFSET, 88);
    assert.equal(toHex(b), HEADER_HEX, 'the input is not modified');
    assert.equal(toHex(c), toHex(encodeHeader({ ...decodeHeader(b), miner })));
    assert.equal(toHex(c.subarray(MINER_OFFSET, MINER_OFFSET + 16)), 'a0a1a2a3a4a5a6a7a8a9aaabacadaeaf');
    assert.throws(() => withMiner(b, new Uint8Array(15)), /16 bytes/);
    assert.throws(() => withMiner(new Uint8Array(107), miner), /108 bytes/);
  });

  test('pinned mined vectors: the first nonce meeting difficulty 1, 2, 3', () => {
    for (const m of MINED) {
      const base = encodeHeader(createHeader({ ...HEADER_FIELDS, difficulty: m.difficulty, nonce: 0 }));
      let nonce = 0;
      while (!meetsDifficulty(hashHeader(withNonce(base, nonce)), m.difficulty)) nonce++;
      assert.equal(nonce, m.nonce, `difficulty ${m.difficulty}`);
      const solved = withNonce(base, nonce);
      assert.equal(toHex(hashHeader(solved)), m.hash);
      assert.equal(createHash('sha256').update(byHand({ ...HEADER_FIELDS, difficulty: m.difficulty, nonce })).digest('hex'), m.hash);
    }
  });
});
