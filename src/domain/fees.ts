/** The 1.5% fee (0.5% miner, 1.0% banks), rounded half up, and the banks' split. */
import { BANK_CODES, type BankCode } from './banks.ts';

/** n / d rounded to the nearest integer, halves up: floor((2n + d) / 2d). n >= 0, d > 0. */
export function roundHalfUpDiv(n: bigint, d: bigint): bigint {
  if (n < 0n || d <= 0n) throw new RangeError('roundHalfUpDiv wants n >= 0 and d > 0');
  return (2n * n + d) / (2n * d);
}

export interface Fees {
  readonly feeTotal: bigint;
  readonly feeMiner: bigint;
  readonly feeBanks: bigint;
}

/**
 * The fee of a payment of `amount` paise (>= 0): fee_total = 1.5%, fee_miner =
 * 0.5%, each rounded half up to the paisa; fee_banks = fee_total - fee_miner.
 */
export function computeFees(amount: bigint): Fees {
  if (amount < 0n) throw new RangeError('computeFees wants amount >= 0');
  const feeTotal = roundHalfUpDiv(amount * 150n, 10_000n);
  const feeMiner = roundHalfUpDiv(amount * 50n, 10_000n);
  return Object.freeze({ feeTotal, feeMiner, feeBanks: feeTotal - feeMiner });
}

/**
 * Splits a block's bank pool among the six banks in whole paise; the
 * remainder goes one paisa each to the banks at (height + k) mod 6.
 */
export function splitBankPool(pool: bigint, height: bigint): ReadonlyArray<{ readonly code: BankCode; readonly amount: bigint }> {
  if (pool < 0n) throw new RangeError('negative bank pool');
  const n = BigInt(BANK_CODES.length);
  const each = pool / n;
  const rest = Number(pool % n);
  const start = Number(((height % n) + n) % n);
  const amounts = BANK_CODES.map(() => each);
  for (let k = 0; k < rest; k++) amounts[(start + k) % BANK_CODES.length]! += 1n;
  return Object.freeze(BANK_CODES.map((code, i) => Object.freeze({ code, amount: amounts[i]! })));
}
