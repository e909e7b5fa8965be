import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { IdxError } from '../../../src/domain/errors.ts';
import { formatPaise, MAX_AMOUNT_PAISE, paiseFromDb, parseAmount } from '../../../src/domain/money.ts';

const isInvalidAmount = (e: unknown) => e instanceof IdxError && e.code === 'INVALID_AMOUNT';

describe('parseAmount', () => {
  test('the largest amount is 10^13 rupees', () => {
    assert.equal(MAX_AMOUNT_PAISE, 1_000_000_000_000_000n);
  });

  test('reads JSON numbers and decimal strings into paise', () => {
    const ok: Array<[unknown, bigint]> = [
      ['500', 50_000n],
      ['500.5', 50_050n],
      ['500.50', 50_050n],
      ['500.05', 50_005n],
      ['0.01', 1n],
      ['0.1', 10n],
      ['0.10', 10n],
      ['1', 100n],
      ['10', 1_000n],
      [10_000, 1_000_000n],
      [12.34, 1_234n],
      [0.07, 7n],
      [0.1, 10n],
      [1, 100n],
      ['9999999999999.99', MAX_AMOUNT_PAISE - 1n],
      ['10000000000000', MAX_AMOUNT_PAISE],
      ['10000000000000.00', MAX_AMOUNT_PAISE],
      [1e13, MAX_AMOUNT_PAISE],
    ];
    for (const [input, paise] of ok) assert.equal(parseAmount(input), paise, `${typeof input} ${String(input)}`);
  });

  test('refuses every other form with INVALID_AMOUNT', () => {
    const bad: unknown[] = [
      // empty and whitespace
      '', ' ', ' 5', '5 ', '5\n', '\t5',
      // signs
      '+5', '-5', '-0.01', -5, -0.01, '−5',
      // zero
      0, -0, '0', '0.0', '0.00', '00',
      // shape
      '5.', '.5', '5..0', '5.0.0', '1,000', '1_000', '0x10', '0b1', '0o7', '١٢', '５', 'five',
      // leading zeros
      '007', '01', '00.5', '01.00',
      // more than two decimals
      '1.001', '0.001', '1.000', 0.001, 1.005, 0.1 + 0.2,
      // exponents
      '1e5', '1E2', '1e-2', 1e21, 1e-7, 'Infinity',
      // not numbers
      'NaN', NaN, Infinity, -Infinity,
      // too large
      '10000000000000.01', '10000000000001', 1e13 + 0.01, Number.MAX_SAFE_INTEGER, '1'.repeat(40),
      // other types
      null, undefined, true, false, {}, [], [5], 5n, Symbol('5'), () => 5, new Number(5), new String('5'),
    ];
    for (const b of bad) {
      assert.throws(() => parseAmount(b), isInvalidAmount, `${typeof b} ${String(b as string)}`);
    }
  });

  test('the error is a sentence naming the field (default "amount")', () => {
    assert.throws(() => parseAmount('x'), (e: unknown) => isInvalidAmount(e) && /^amount must be /.test((e as Error).message));
    assert.throws(() => parseAmount('1.001', 'initial_balance'), (e: unknown) => {
      const m = (e as Error).message;
      return isInvalidAmount(e) && m.startsWith('initial_balance must be a positive number') && m.endsWith('.');
    });
    assert.throws(() => parseAmount(-1, 'amount'), /negative/);
    assert.throws(() => parseAmount('1e5'), /exponent/);
    assert.throws(() => parseAmount('0'), /zero/);
    assert.throws(() => parseAmount('10000000000001'), /10\^13/);
  });
});

describe('formatPaise', () => {
  test('exactly two decimals, sign in front', () => {
    const v: Array<[bigint, string]> = [
      [50_000n, '500.00'],
      [5n, '0.05'],
      [10n, '0.10'],
      [0n, '0.00'],
      [1n, '0.01'],
      [99n, '0.99'],
      [100n, '1.00'],
      [123_456n, '1234.56'],
      [-1_230n, '-12.30'],
      [-5n, '-0.05'],
      [MAX_AMOUNT_PAISE, '10000000000000.00'],
      [2n ** 70n, '11805916207174113034.24'],
    ];
    for (const [p, s] of v) assert.equal(formatPaise(p), s);
  });
  test('parseAmount(formatPaise(p)) = p', () => {
    for (const p of [1n, 7n, 10n, 99n, 100n, 101n, 123_456n, MAX_AMOUNT_PAISE]) assert.equal(parseAmount(formatPaise(p)), p);
  });
});

describe('paiseFromDb', () => {
  test('bigint, safe integer, integer string', () => {
    assert.equal(paiseFromDb(5n), 5n);
    assert.equal(paiseFromDb(-5n), -5n);
    assert.equal(paiseFromDb(5), 5n);
    assert.equal(paiseFromDb(0), 0n);
    assert.equal(paiseFromDb(Number.MAX_SAFE_INTEGER), 9_007_199_254_740_991n);
    assert.equal(paiseFromDb('9007199254740993'), 9_007_199_254_740_993n);
    assert.equal(paiseFromDb('-42'), -42n);
    assert.equal(paiseFromDb('0'), 0n);
  });
  test('anything else is a plain Error, not an input error', () => {
    for (const v of ['1.5', '500.00', '', ' 1', '1e3', 'x', 1.5, 2 ** 53, NaN, null, undefined, {}, true]) {
      assert.throws(() => paiseFromDb(v), (e: unknown) => e instanceof Error && !(e instanceof IdxError), String(v));
    }
  });
});
