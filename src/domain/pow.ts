/**
 * Proof of work: the hex hash begins with `d` zeros, i.e. read as a 256-bit
 * big-endian integer, hash <= 2^(256-4d) - 1. d is an integer in 0..64.
 */

function checkDifficulty(d: number): void {
  if (!Number.isInteger(d) || d < 0 || d > 64) throw new RangeError('difficulty must be an integer in 0..64');
}

function checkHash(hash: Uint8Array): void {
  if (hash.length !== 32) throw new RangeError('a hash is 32 bytes');
}

/** 2^(256-4d) - 1 as eight big-endian u32 words (the first word most significant). */
export function targetForDifficulty(d: number): Uint32Array {
  checkDifficulty(d);
  const t = new Uint32Array(8);
  const zeroBits = d * 4;
  for (let w = 0; w < 8; w++) {
    const bitsHere = Math.min(32, Math.max(0, zeroBits - w * 32));
    t[w] = bitsHere >= 32 ? 0 : 0xffffffff >>> bitsHere;
  }
  return t;
}

/** hash <= target, both big-endian. */
export function meetsTarget(hash: Uint8Array, target: Uint32Array): boolean {
  checkHash(hash);
  if (target.length !== 8) throw new RangeError('a target is 8 words');
  const v = new DataView(hash.buffer, hash.byteOffset, hash.byteLength);
  for (let w = 0; w < 8; w++) {
    const h = v.getUint32(w * 4);
    const t = target[w]!;
    if (h < t) return true;
    if (h > t) return false;
  }
  return true;
}

/** The hex form of hash begins with d zeros (agrees with meetsTarget(hash, targetForDifficulty(d))). */
export function meetsDifficulty(hash: Uint8Array, d: number): boolean {
  checkHash(hash);
  checkDifficulty(d);
  for (let i = 0; i < d; i++) {
    const byte = hash[i >> 1]!;
    const nibble = i % 2 === 0 ? byte >> 4 : byte & 15;
    if (nibble !== 0) return false;
  }
  return true;
}
