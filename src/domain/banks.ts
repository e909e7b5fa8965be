/** The six consortium banks, their names, and the quorum of approvals a block needs. */
import { IdxError } from './errors.ts';

export const BANK_CODES = ['SBI', 'HDFC', 'ICICI', 'AXIS', 'KOTAK', 'PNB'] as const;
export type BankCode = (typeof BANK_CODES)[number];

export const BANK_NAMES: Readonly<Record<BankCode, string>> = Object.freeze({
  SBI: 'State Bank of India',
  HDFC: 'HDFC Bank',
  ICICI: 'ICICI Bank',
  AXIS: 'Axis Bank',
  KOTAK: 'Kotak Mahindra Bank',
  PNB: 'Punjab National Bank',
});

/** Approvals needed out of six (2/3). */
export const QUORUM = 4;

/**
 * A bank code, case-insensitive ('hdfc' -> 'HDFC'). Only ASCII letters are
 * folded: Unicode look-alikes whose upper or lower case is ASCII (U+017F 'ſ',
 * U+212A KELVIN SIGN) are refused. Nothing is trimmed.
 */
export function parseBankCode(input: unknown): BankCode {
  if (typeof input === 'string' && /^[A-Za-z]{1,8}$/.test(input)) {
    const code = input.toUpperCase();
    if ((BANK_CODES as readonly string[]).includes(code)) return code as BankCode;
  }
  throw new IdxError('INVALID_BANK', `bank_name must be one of ${BANK_CODES.join(', ')} (case-insensitive).`);
}
