/**
 * The WebAssembly SIMD engine (4 lanes) against node:crypto: pinned vectors,
 * random headers of every allowed length with random targets, the lane and
 * range boundaries (partial batches, the 32-bit wrap), no false positives,
 * and a worker thread.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { createEngine, selectEngine, verifyEngine } from '../../../src/mining/engines/index.ts';
import { prepareHeader } from '../../../src/mining/engines/prepare.ts';
import type { PreparedHeader, ScanResult } from '../../../src/mining/engines/types.ts';
import { createHasher } from '../../../src/mining/workers/index.ts';
import { createHeader, encodeHeader } from '../../../src/domain/header.ts';
import { meetsTarget, targetForDifficulty } from '../../../src/domain/pow.ts';
import { HEADER_FIELDS, HEADER_HEX, HEADER_SHA256, MINED } from '../../vectors/domain.ts';
import { createMinerSet } from '../../../src/mining/workers/job.ts';

const engine = createEngine('wasm');
const out: ScanResult = { found: false, nonce: 0, hashes: 0 };

const digestAt = (header: Uint8Array, nonce: number) => {
  const h = Uint8Array.from(header);
  new DataView(h.buffer).setUint32(h.length - 4, nonce);
  return createHash('sha256').update(h).digest();
};
const words = (digest: Uint8Array) => Uint32Array.from({ length: 8 }, (_, i) => new DataView(digest.buffer, digest.byteOffset).getUint32(i * 4));

/** [found, nonce, hashes] of the sequential scan with node:crypto. */
function reference(header: Uint8Array, target: Uint32Array, start: number, count: number): [boolean, number, number] {
  for (let i = 0; i < count; i++) {
    const n = (start + i) >>> 0;
    if (meetsTarget(digestAt(header, n), target)) return [true, n, i + 1];
  }
  return [false, 0, count];
}

function scan(p: PreparedHeader, start: number, count: number): [boolean, number, number] {
  engine.scan(p, start, count, out);
  return [out.found, out.nonce, out.hashes];
}

test('wasm is available, verifies, and HASH_ENGINE=wasm selects it', () => {
  verifyEngine(engine);
  assert.equal(selectEngine('wasm').name, 'wasm');
  assert.equal(engine.name, 'wasm');
});

test('pinned vectors: the header hash and the mined nonces of difficulty 1..3', () => {
  const header = new Uint8Array(Buffer.from(HEADER_HEX, 'hex'));
  const exact = words(Buffer.from(HEADER_SHA256, 'hex'));
  assert.deepEqual(scan(prepareHeader(header, exact), 0xdeadbeef, 1), [true, 0xdeadbeef, 1]);
  const below = Uint32Array.from(exact);
  below[7] = below[7]! - 1; // one less than the hash: not met (the quick check on word 0 passes)
  assert.deepEqual(scan(prepareHeader(header, below), 0xdeadbeef, 1), [false, 0, 1]);
  for (const m of MINED) {
    const h = encodeHeader(createHeader({ ...HEADER_FIELDS, difficulty: m.difficulty, nonce: 0 }));
    assert.deepEqual(scan(prepareHeader(h, targetForDifficulty(m.difficulty)), 0, 5000), [true, m.nonce, m.nonce + 1], `difficulty ${m.difficulty}`);
    assert.equal(digestAt(h, m.nonce).toString('hex'), m.hash);
  }
});

test('random headers of every allowed length (68..116) and random targets agree with node:crypto', () => {
  for (let len = 68; len <= 116; len += 4) {
    for (let k = 0; k < 4; k++) {
      const header = new Uint8Array(randomBytes(len));
      const target = new Uint32Array(randomBytes(32).buffer.slice(0, 32));
      target[0] = target[0]! >>> (5 + k); // about 1 in 2^(5+k) nonces meet it
      const start = randomBytes(4).readUInt32BE(0);
      const count = 1 + (randomBytes(2).readUInt16BE(0) % 700);
      assert.deepEqual(scan(prepareHeader(header, target), start, count), reference(header, target, start, count), `length ${len}`);
      // A target equal to one hash in the range but one less in its last word: an exact-compare reject.
      const n = (start + (count >> 1)) >>> 0;
      const near = words(digestAt(header, n));
      if (near[7]! > 0) near[7] = near[7]! - 1;
      assert.deepEqual(scan(prepareHeader(header, near), start, count), reference(header, near, start, count), `length ${len}, near miss`);
    }
  }
});

test('lane and range boundaries: counts 1..5, a hit in each lane, partial batches, the wrap', () => {
  const header = new Uint8Array(randomBytes(108));
  const easy = new Uint32Array(8).fill(0xffffffff);
  for (let count = 1; count <= 5; count++) {
    assert.deepEqual(scan(prepareHeader(header, easy), 0xfffffffe, count), [true, 0xfffffffe, 1]);
    assert.deepEqual(scan(prepareHeader(header, new Uint32Array(8)), 0xfffffffe, count), [false, 0, count]);
  }
  // Every start around the wrap and every count against the sequential scan, with a target equal to one hash.
  for (const start of [0, 0xfffffffe, 0xfffffffd, 0xfffffffc, 0xfffffffb, 0x7ffffffe]) {
    for (let j = 0; j < 8; j++) {
      const p = prepareHeader(header, words(digestAt(header, (start + j) >>> 0)));
      for (let count = 1; count <= 9; count++) {
        assert.deepEqual(scan(p, start, count), reference(header, p.target, start, count), `start ${start.toString(16)}, +${j}, count ${count}`);
      }
    }
  }
  // A hit at offset j = 0..7 (lane j % 4) for sure: N has the lowest hash of the 8 nonces up to it.
  // (Drawing headers until the lowest of 24 hashes around the wrap has 7 nonces before it.)
  const window = Array.from({ length: 24 }, (_, i) => (0xfffffff8 + i) >>> 0);
  for (let found = false; !found; ) {
    const h = new Uint8Array(randomBytes(108));
    const low = window.reduce((best, n) => (Buffer.compare(digestAt(h, n), digestAt(h, best)) < 0 ? n : best));
    if (window.indexOf(low) < 7) continue;
    found = true;
    const p = prepareHeader(h, words(digestAt(h, low)));
    for (let j = 0; j < 8; j++) {
      const start = (low - j) >>> 0;
      for (let count = 1; count <= 9; count++) {
        assert.deepEqual(scan(p, start, count), j < count ? [true, low, j + 1] : [false, 0, count], `hit at +${j}, count ${count}`);
      }
    }
  }
  // Two lanes of one batch meet the target: the lower nonce wins.
  const hashes = [0, 1, 2, 3].map((j) => words(digestAt(header, (0xfffffffe + j) >>> 0)));
  const hi = hashes[1]![0]! > hashes[3]![0]! ? hashes[1]! : hashes[3]!;
  assert.deepEqual(scan(prepareHeader(header, hi), 0xfffffffe, 4), reference(header, hi, 0xfffffffe, 4));
  // count = 2^32 (the whole nonce space) stops at once on an easy target.
  assert.deepEqual(scan(prepareHeader(header, easy), 123, 2 ** 32), [true, 123, 1]);
});

test('no false positive on a zero target, over many batches and the wrap', () => {
  const header = new Uint8Array(randomBytes(100));
  assert.deepEqual(scan(prepareHeader(header, new Uint32Array(8)), 0xffff0000, 200_003), [false, 0, 200_003]);
});

test('switching between prepared headers gives the same answers as the js engine', () => {
  const js = createEngine('js');
  const ps = [68, 108, 116, 108].map((len) => prepareHeader(new Uint8Array(randomBytes(len)), targetForDifficulty(2)));
  const jsOut: ScanResult = { found: false, nonce: 0, hashes: 0 };
  for (let round = 0; round < 3; round++) {
    for (const p of ps) {
      const start = round * 1000;
      js.scan(p, start, 1000, jsOut);
      assert.deepEqual(scan(p, start, 1000), [jsOut.found, jsOut.nonce, jsOut.hashes]);
    }
  }
});

test('the wasm engine works inside a worker thread', async () => {
  const h = await createHasher({ threads: 1, engine: 'wasm' });
  try {
    const header = new Uint8Array(108).map((_, i) => (i * 13 + 5) & 0xff);
    const target = targetForDifficulty(4);
    const got = new Promise<{ nonce: number; header: Uint8Array }>((resolve, reject) => {
      h.on('solution', resolve);
      h.on('error', reject);
    });
    h.start({ jobId: 1, height: 1n, target, base: header, miners: createMinerSet(['A'], () => header.slice(88, 104)) });
    const s = await got;
    assert.ok(meetsTarget(createHash('sha256').update(s.header).digest(), target));
    assert.equal(new DataView(s.header.buffer, s.header.byteOffset).getUint32(104), s.nonce);
  } finally {
    await h.close();
  }
});
