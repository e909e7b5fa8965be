/**
 * The block header: 108 bytes, integers big-endian, the nonce LAST so that a
 * miner hashes the first 64 bytes once (the midstate) and then only the last
 * block of SHA-256 per nonce.
 *
 *   0 version u32 | 4 height u64 | 12 prevHash 32 | 44 merkleRoot 32 |
 *  76 timestampMs u64 | 84 difficulty u32 | 88 miner 16 (user_idx bytes) | 104 nonce u32
 *
 * The block hash is one SHA-256 of these bytes.
 */
import { sha256 } from './merkle.ts';

export const HEADER_SIZE = 108;
export const PREV_HASH_OFFSET = 12;
export const NONCE_OFFSET = 104;
export const MINER_OFFSET = 88;
export const HEADER_VERSION = 1;

export interface BlockHeader {
  readonly version: number;
  readonly height: bigint;
  readonly prevHash: Uint8Array;
  readonly merkleRoot: Uint8Array;
  readonly timestampMs: bigint;
  readonly difficulty: number;
  readonly miner: Uint8Array;
  readonly nonce: number;
}

const U64_MAX = (1n << 64n) - 1n;

function u32(name: string, v: number): number {
  if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new RangeError(`${name} must be an integer in 0..2^32-1`);
  return v;
}

function u64(name: string, v: bigint): bigint {
  if (typeof v !== 'bigint' || v < 0n || v > U64_MAX) throw new RangeError(`${name} must be a bigint in 0..2^64-1`);
  return v;
}

function bytes(name: string, v: Uint8Array, len: number): Uint8Array {
  if (!(v instanceof Uint8Array) || v.length !== len) throw new RangeError(`${name} must be ${len} bytes`);
  return Uint8Array.from(v);
}

function headerBytes(name: string, b: Uint8Array): Uint8Array {
  if (b.length !== HEADER_SIZE) throw new RangeError(`${name} must be ${HEADER_SIZE} bytes`);
  return b;
}

/**
 * A validated, frozen header: version = HEADER_VERSION, height and timestampMs
 * u64, difficulty 0..64, nonce u32, hashes 32 bytes, miner 16 bytes. The byte
 * fields are copies, so later changes to the caller's arrays do not reach it.
 */
export function createHeader(f: BlockHeader): BlockHeader {
  if (f.version !== HEADER_VERSION) throw new RangeError(`version must be ${HEADER_VERSION}`);
  if (!Number.isInteger(f.difficulty) || f.difficulty < 0 || f.difficulty > 64) throw new RangeError('difficulty must be an integer in 0..64');
  return Object.freeze({
    version: f.version,
    height: u64('height', f.height),
    prevHash: bytes('prevHash', f.prevHash, 32),
    merkleRoot: bytes('merkleRoot', f.merkleRoot, 32),
    timestampMs: u64('timestampMs', f.timestampMs),
    difficulty: f.difficulty,
    miner: bytes('miner', f.miner, 16),
    nonce: u32('nonce', f.nonce),
  });
}

/** The 108 header bytes (the fields are validated as by createHeader). */
export function encodeHeader(header: BlockHeader): Uint8Array {
  const h = createHeader(header);
  const out = new Uint8Array(HEADER_SIZE);
  const v = new DataView(out.buffer);
  v.setUint32(0, h.version);
  v.setBigUint64(4, h.height);
  out.set(h.prevHash, 12);
  out.set(h.merkleRoot, 44);
  v.setBigUint64(76, h.timestampMs);
  v.setUint32(84, h.difficulty);
  out.set(h.miner, MINER_OFFSET);
  v.setUint32(NONCE_OFFSET, h.nonce);
  return out;
}

/** The header in 108 bytes; RangeError when the length or a field is wrong. */
export function decodeHeader(b: Uint8Array): BlockHeader {
  headerBytes('a header', b);
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  return createHeader({
    version: v.getUint32(0),
    height: v.getBigUint64(4),
    prevHash: b.slice(12, 44),
    merkleRoot: b.slice(44, 76),
    timestampMs: v.getBigUint64(76),
    difficulty: v.getUint32(84),
    miner: b.slice(88, 104),
    nonce: v.getUint32(NONCE_OFFSET),
  });
}

/** The block hash: one SHA-256 of the 108 header bytes. */
export function hashHeader(b: Uint8Array): Uint8Array {
  return sha256(headerBytes('a header', b));
}

/** A copy of the 108 header bytes with another miner (the 16 user_idx bytes at MINER_OFFSET). */
export function withMiner(b: Uint8Array, miner: Uint8Array): Uint8Array {
  const out = Uint8Array.from(headerBytes('a header', b));
  if (!(miner instanceof Uint8Array) || miner.length !== 16) throw new RangeError('miner must be 16 bytes');
  out.set(miner, MINER_OFFSET);
  return out;
}

/** A copy of the 108 header bytes with another nonce (big-endian u32 at NONCE_OFFSET). */
export function withNonce(b: Uint8Array, nonce: number): Uint8Array {
  const out = Uint8Array.from(headerBytes('a header', b));
  new DataView(out.buffer).setUint32(NONCE_OFFSET, u32('nonce', nonce));
  return out;
}
