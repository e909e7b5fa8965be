/**
 * Preparing a header for scanning: the SHA-256 state after its first 64 bytes
 * (the midstate) and the padded final block with the nonce word zeroed.
 */
import type { PreparedHeader } from './types.ts';

export const K = Int32Array.from([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be,
  0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa,
  0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85,
  0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3,
  0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f,
  0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);

export const IV = Int32Array.from([0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]);

/** One SHA-256 compression of 16 message words into `state` (in place). `w` is scratch of 64 words. */
export function compress(state: Int32Array, block: ArrayLike<number>, w: Int32Array): void {
  for (let i = 0; i < 16; i++) w[i] = block[i]! | 0;
  for (let i = 16; i < 64; i++) {
    const x = w[i - 15]!;
    const y = w[i - 2]!;
    const s0 = ((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3);
    const s1 = ((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10);
    w[i] = (w[i - 16]! + s0 + w[i - 7]! + s1) | 0;
  }
  let a = state[0]!, b = state[1]!, c = state[2]!, d = state[3]!, e = state[4]!, f = state[5]!, g = state[6]!, h = state[7]!;
  for (let i = 0; i < 64; i++) {
    const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
    const t1 = (h + S1 + ((e & f) ^ (~e & g)) + K[i]! + w[i]!) | 0;
    const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
    const t2 = (S0 + ((a & b) ^ (a & c) ^ (b & c))) | 0;
    h = g;
    g = f;
    f = e;
    e = (d + t1) | 0;
    d = c;
    c = b;
    b = a;
    a = (t1 + t2) | 0;
  }
  state[0] = (state[0]! + a) | 0;
  state[1] = (state[1]! + b) | 0;
  state[2] = (state[2]! + c) | 0;
  state[3] = (state[3]! + d) | 0;
  state[4] = (state[4]! + e) | 0;
  state[5] = (state[5]! + f) | 0;
  state[6] = (state[6]! + g) | 0;
  state[7] = (state[7]! + h) | 0;
}

/**
 * Prepares a header of 68..119 bytes (a multiple of 4, nonce last) so each
 * nonce costs one compression.
 */
export function prepareHeader(header: Uint8Array, target: Uint32Array): PreparedHeader {
  const len = header.length;
  if (len < 68 || len > 119 || len % 4 !== 0) throw new RangeError('a header is 68..119 bytes, a multiple of 4, nonce last');
  if (target.length !== 8) throw new RangeError('a target is 8 words');
  const view = new DataView(header.buffer, header.byteOffset, header.byteLength);
  const first = new Int32Array(16);
  for (let i = 0; i < 16; i++) first[i] = view.getInt32(i * 4);
  const midstate = new Int32Array(IV);
  compress(midstate, first, new Int32Array(64));
  const tail = new Uint32Array(16);
  const restWords = (len - 64) / 4;
  for (let i = 0; i < restWords; i++) tail[i] = view.getUint32(64 + i * 4);
  const nonceWord = restWords - 1;
  tail[nonceWord] = 0;
  tail[restWords] = 0x80000000;
  tail[15] = len * 8;
  return Object.freeze({ midstate: new Uint32Array(midstate.buffer), tail, nonceWord, target: new Uint32Array(target) });
}

/**
 * `shared` with other bytes at header offset `at` (inside the final block,
 * a multiple of 4): the same midstate, a new tail. A round's candidates
 * differ only in their miner bytes there, so one midstate serves them all.
 */
export function withTailBytes(shared: PreparedHeader, bytes: Uint8Array, at: number): PreparedHeader {
  if (at < 64 || at % 4 !== 0 || bytes.length % 4 !== 0) throw new RangeError('tail bytes start at a word of the final block');
  const tail = new Uint32Array(shared.tail);
  const first = (at - 64) / 4;
  for (let w = 0; w < bytes.length / 4; w++) {
    tail[first + w] = ((bytes[w * 4]! << 24) | (bytes[w * 4 + 1]! << 16) | (bytes[w * 4 + 2]! << 8) | bytes[w * 4 + 3]!) >>> 0;
  }
  return Object.freeze({ midstate: shared.midstate, tail, nonceWord: shared.nonceWord, target: shared.target });
}

/**
 * SHA-256 of a prepared header with `nonce` written, as 8 words into `out`:
 * one compression from its midstate, no allocation (`block` and `w` are
 * scratch of 16 and 64 words). A hashing thread chains the next round on its
 * solution's hash with this, without building the header or a hash object.
 */
export function hashPreparedInto(p: PreparedHeader, nonce: number, out: Int32Array, block: Int32Array, w: Int32Array): Int32Array {
  out.set(p.midstate);
  block.set(p.tail);
  block[p.nonceWord] = nonce | 0;
  compress(out, block, w);
  return out;
}
