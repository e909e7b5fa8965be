/**
 * The hash engine contract. An engine scans a range of nonces of one block
 * header, hashing each candidate with a single SHA-256 from a precomputed
 * midstate (the first 64 header bytes), and stops at the first hash that is
 * <= the target (both compared as 256-bit big-endian numbers).
 *
 * Header rules shared by every engine (see src/domain/header.ts):
 * - length 68..119 bytes, a multiple of 4, the nonce is the LAST 4 bytes,
 *   a big-endian u32;
 * - the hash is SHA-256(header) once (not double SHA-256).
 */
export type EngineName = 'native' | 'wasm' | 'js';

/** A header prepared for scanning: midstate and padded second block. */
export interface PreparedHeader {
  /** SHA-256 state after compressing header bytes 0..63. */
  readonly midstate: Uint32Array; // 8 words
  /** The padded final 64-byte block as 16 big-endian words, nonce word zeroed. */
  readonly tail: Uint32Array; // 16 words
  /** Index (0..15) of the nonce word inside `tail`. */
  readonly nonceWord: number;
  /** Target as 8 big-endian words; a hash is valid when hash <= target. */
  readonly target: Uint32Array; // 8 words
}

export interface ScanResult {
  /** True when a nonce meeting the target was found. */
  found: boolean;
  /** The nonce found (u32), meaningful only when found. */
  nonce: number;
  /** Hashes actually computed in this call (including the winning one). */
  hashes: number;
}

export interface HashEngine {
  readonly name: EngineName;
  /**
   * Scan nonces start, start+1, ... for at most `count` nonces (count >= 1,
   * count <= 2^32). Nonces wrap modulo 2^32. Writes into and returns `out`
   * (callers reuse it: no allocation per call is required, none per nonce is allowed).
   */
  scan(header: PreparedHeader, start: number, count: number, out: ScanResult): ScanResult;
  /**
   * An engine may keep what it derived from the last header while the same
   * object is scanned again: after this, it derives it anew (the caller
   * reuses header objects with other contents).
   */
  forget?(): void;
}
