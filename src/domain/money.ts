/** Money: integer paise (bigint) inside; strings with exactly two decimals outside. */
import { IdxError } from './errors.ts';

/** The largest amount accepted: 10^13 rupees. */
export const MAX_AMOUNT_PAISE = 10n ** 15n;

const AMOUNT_RE = /^(0|[1-9][0-9]*)(\.[0-9]{1,2})?$/;

/**
 * Parses a request amount into paise: a JSON number or a decimal string of
 * rupees with at most two decimals, > 0 and <= 10^13 rupees. A number is read
 * through String(n), so 12.34 is 1234 paise but 0.1 + 0.2 (0.30000000000000004)
 * and 1e21 ('1e+21') are refused. No whitespace, sign, exponent, leading zero
 * ('007') or bare point ('5.', '.5'). Anything else is INVALID_AMOUNT.
 */
export function parseAmount(input: unknown, field = 'amount'): bigint {
  const bad = (why: string) =>
    new IdxError('INVALID_AMOUNT', `${field} must be a positive number of rupees with at most two decimals (${why}).`);
  let text: string;
  if (typeof input === 'number') {
    if (!Number.isFinite(input)) throw bad('not a finite number');
    text = String(input);
  } else if (typeof input === 'string') {
    text = input;
  } else {
    throw bad('expected a number or a decimal string');
  }
  if (text.length > 32) throw bad('too many digits');
  if (/[eE]/.test(text)) throw bad('exponent forms are not accepted');
  if (text.startsWith('-')) throw bad('negative');
  const m = AMOUNT_RE.exec(text);
  if (!m) throw bad('not a plain decimal such as 500 or 500.25');
  const rupees = BigInt(m[1]!);
  const frac = (m[2] ?? '.').slice(1).padEnd(2, '0');
  const paise = rupees * 100n + BigInt(frac);
  if (paise === 0n) throw bad('zero');
  if (paise > MAX_AMOUNT_PAISE) throw bad('more than 10^13 rupees');
  return paise;
}

/** 123456n -> "1234.56"; 5n -> "0.05"; -1230n -> "-12.30". */
export function formatPaise(p: bigint): string {
  const neg = p < 0n;
  const a = neg ? -p : p;
  return `${neg ? '-' : ''}${a / 100n}.${(a % 100n).toString().padStart(2, '0')}`;
}

/**
 * A BIGINT paise value from a database driver: a bigint, a safe integer, or an
 * integer string (pg returns BIGINT as a string). Anything else is a plain
 * Error: it is a bug or a corrupt row, never user input.
 */
export function paiseFromDb(v: unknown): bigint {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number' && Number.isSafeInteger(v)) return BigInt(v);
  if (typeof v === 'string' && /^-?[0-9]+$/.test(v)) return BigInt(v);
  throw new Error(`not an integer paise value: ${String(v)}`);
}
