/** Identifiers: user_idx (random, never derived from the PAN), tx ids, PAN format. */
import { IdxError } from './errors.ts';
import { toHex } from './hex.ts';

export const USER_IDX_RE = /^IDX_[0-9a-f]{32}$/;
export const TX_ID_RE = /^TX_[0-9a-f]{32}$/;
export const PAN_RE = /^[A-Z]{5}[0-9]{4}[A-Z]$/;
/** The consortium's own miner; never a registered user. */
export const SYSTEM_MINER_IDX = 'IDX_' + '0'.repeat(32);

function draw16(random: (n: number) => Uint8Array): string {
  const b = random(16);
  if (!(b instanceof Uint8Array) || b.length !== 16) throw new Error('the random source must return 16 bytes');
  return toHex(b);
}

/** A fresh user_idx from 16 random bytes (e.g. crypto.randomBytes); never the system miner's. */
export function newUserIdx(random: (n: number) => Uint8Array): string {
  for (;;) {
    const idx = 'IDX_' + draw16(random);
    if (idx !== SYSTEM_MINER_IDX) return idx;
  }
}

/** A fresh tx id: 'TX_' + 32 hex digits from 16 random bytes. */
export function newTxId(random: (n: number) => Uint8Array): string {
  return 'TX_' + draw16(random);
}

export function parsePan(input: unknown): string {
  if (typeof input !== 'string' || !PAN_RE.test(input)) {
    throw new IdxError('INVALID_PAN', 'pan_card must be a PAN: five capital letters, four digits, one capital letter (e.g. ABCDE1234F).');
  }
  return input;
}

export function parseUserIdx(input: unknown, field = 'user_idx'): string {
  if (typeof input !== 'string' || !USER_IDX_RE.test(input)) {
    throw new IdxError('INVALID_USER_IDX', `${field} must look like IDX_ followed by 32 hex digits.`);
  }
  return input;
}

/** The 16 bytes a header commits to for a miner (plain Error if idx is malformed: a bug, not input). */
export function userIdxToBytes(idx: string): Uint8Array {
  if (!USER_IDX_RE.test(idx)) throw new Error(`not a user_idx: ${idx}`);
  return new Uint8Array(Buffer.from(idx.slice(4), 'hex'));
}

export function bytesToUserIdx(b: Uint8Array): string {
  if (b.length !== 16) throw new Error('a miner id is 16 bytes');
  return 'IDX_' + toHex(b);
}

/** For logs and screens: first two and last two characters kept, MINER1234A -> MI******4A. */
export function maskPan(pan: string): string {
  return pan.length <= 4 ? '*'.repeat(pan.length) : pan.slice(0, 2) + '*'.repeat(pan.length - 4) + pan.slice(-2);
}
