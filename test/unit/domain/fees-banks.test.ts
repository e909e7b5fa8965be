import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { BANK_CODES, BANK_NAMES, parseBankCode, QUORUM } from '../../../src/domain/banks.ts';
import { IdxError } from '../../../src/domain/errors.ts';
import { computeFees, roundHalfUpDiv, splitBankPool } from '../../../src/domain/fees.ts';
import { formatPaise } from '../../../src/domain/money.ts';
import { FEE_VECTORS, SPLIT_VECTORS } from '../../vectors/domain.ts';

describe('roundHalfUpDiv', () => {
  test('nearest integer, halves up', () => {
    const v: Array<[bigint, bigint, bigint]> = [
      [0n, 7n, 0n], [4n, 10n, 0n], [5n, 10n, 1n], [6n, 10n, 1n], [14n, 10n, 1n], [15n, 10n, 2n], [25n, 10n, 3n],
      [1n, 3n, 0n], [2n, 3n, 1n], [7n, 1n, 7n], [1n, 2n, 1n], [3n, 2n, 2n], [10n ** 30n + 5n, 10n, 10n ** 29n + 1n],
    ];
    for (const [n, d, q] of v) assert.equal(roundHalfUpDiv(n, d), q, `${n}/${d}`);
  });
  test('agrees with a decimal reference on many fractions', () => {
    for (let n = 0n; n < 300n; n++) {
      for (const d of [1n, 2n, 3n, 4n, 7n, 10n, 10_000n]) {
        const floor = n / d;
        const rest = n - floor * d;
        assert.equal(roundHalfUpDiv(n, d), 2n * rest >= d ? floor + 1n : floor);
      }
    }
  });
  test('refuses n < 0 or d <= 0', () => {
    assert.throws(() => roundHalfUpDiv(-1n, 2n), RangeError);
    assert.throws(() => roundHalfUpDiv(1n, 0n), RangeError);
    assert.throws(() => roundHalfUpDiv(1n, -2n), RangeError);
  });
});

describe('computeFees', () => {
  test('pinned vectors: the seed example and half-paise boundaries', () => {
    for (const [amount, total, miner, banks] of FEE_VECTORS) {
      const f = computeFees(amount);
      assert.deepEqual({ ...f }, { feeTotal: total, feeMiner: miner, feeBanks: banks }, `amount ${amount}`);
      assert.ok(Object.isFrozen(f));
    }
  });
  test('the seed: ₹10,000 pays ₹150.00, of which ₹50.00 to the miner and ₹100.00 to the banks', () => {
    const f = computeFees(1_000_000n);
    assert.deepEqual([formatPaise(f.feeTotal), formatPaise(f.feeMiner), formatPaise(f.feeBanks)], ['150.00', '50.00', '100.00']);
  });
  test('the parts always add up and never go negative', () => {
    for (let a = 0n; a < 5_000n; a += 1n) {
      const f = computeFees(a);
      assert.equal(f.feeMiner + f.feeBanks, f.feeTotal);
      assert.ok(f.feeBanks >= 0n && f.feeMiner >= 0n);
    }
  });
  test('a negative amount is a bug', () => {
    assert.throws(() => computeFees(-1n), RangeError);
  });
});

describe('splitBankPool', () => {
  test('pinned vectors for several heights', () => {
    for (const [pool, height, amounts] of SPLIT_VECTORS) {
      const s = splitBankPool(pool, height);
      assert.deepEqual(s.map((x) => x.code), [...BANK_CODES]);
      assert.deepEqual(s.map((x) => x.amount), amounts, `pool ${pool} at height ${height}`);
      assert.ok(Object.isFrozen(s) && s.every((x) => Object.isFrozen(x)));
    }
  });
  test('the seed: ₹100.00 at height 0 is 16.67 ×4 (SBI, HDFC, ICICI, AXIS) + 16.66 ×2 (KOTAK, PNB)', () => {
    assert.deepEqual(
      splitBankPool(10_000n, 0n).map((x) => `${x.code} ${formatPaise(x.amount)}`),
      ['SBI 16.67', 'HDFC 16.67', 'ICICI 16.67', 'AXIS 16.67', 'KOTAK 16.66', 'PNB 16.66'],
    );
  });
  test('always sums to the pool; shares differ by at most a paisa; the remainder starts at height mod 6', () => {
    for (let h = 0n; h < 13n; h++) {
      for (const pool of [0n, 1n, 5n, 6n, 7n, 11n, 9_999n, 123_457n, 10n ** 18n + 3n]) {
        const s = splitBankPool(pool, h).map((x) => x.amount);
        assert.equal(s.reduce((a, x) => a + x, 0n), pool);
        const base = pool / 6n;
        const r = Number(pool % 6n);
        for (let i = 0; i < 6; i++) {
          const gets = (i - Number(h % 6n) + 6) % 6 < r;
          assert.equal(s[i], gets ? base + 1n : base, `pool ${pool} height ${h} bank ${i}`);
        }
      }
    }
  });
  test('over six consecutive heights no bank is favoured', () => {
    for (const pool of [1n, 5n, 10_000n, 10_001n]) {
      const totals = new Map<string, bigint>();
      for (let h = 100n; h < 106n; h++) for (const s of splitBankPool(pool, h)) totals.set(s.code, (totals.get(s.code) ?? 0n) + s.amount);
      assert.equal(new Set(totals.values()).size, 1, `pool ${pool}`);
    }
  });
  test('a negative pool is a bug', () => {
    assert.throws(() => splitBankPool(-1n, 0n), RangeError);
  });
});

describe('banks', () => {
  test('six banks, their names, a 2/3 quorum', () => {
    assert.deepEqual([...BANK_CODES], ['SBI', 'HDFC', 'ICICI', 'AXIS', 'KOTAK', 'PNB']);
    assert.deepEqual({ ...BANK_NAMES }, {
      SBI: 'State Bank of India',
      HDFC: 'HDFC Bank',
      ICICI: 'ICICI Bank',
      AXIS: 'Axis Bank',
      KOTAK: 'Kotak Mahindra Bank',
      PNB: 'Punjab National Bank',
    });
    assert.ok(Object.isFrozen(BANK_NAMES));
    assert.equal(QUORUM, 4);
    assert.ok(QUORUM * 3 >= BANK_CODES.length * 2);
  });
  test('parseBankCode is case-insensitive', () => {
    for (const code of BANK_CODES) {
      assert.equal(parseBankCode(code), code);
      assert.equal(parseBankCode(code.toLowerCase()), code);
    }
    assert.equal(parseBankCode('Hdfc'), 'HDFC');
    assert.equal(parseBankCode('kOtAk'), 'KOTAK');
  });
  test('anything else is INVALID_BANK listing the codes; nothing is trimmed; no Unicode look-alikes', () => {
    const bad: unknown[] = ['CITI', '', ' SBI', 'SBI ', 'S B I', 'SBI\n', 'ſbi', 'SBİ', 'ᴋotak', '\u212Aotak', 'SBI\u0000', 'State Bank of India', 5, null, undefined, ['SBI'], { code: 'SBI' }];
    for (const b of bad) {
      assert.throws(
        () => parseBankCode(b),
        (e: unknown) => e instanceof IdxError && e.code === 'INVALID_BANK' && /^bank_name must be one of SBI, HDFC, ICICI, AXIS, KOTAK, PNB/.test(e.message),
        JSON.stringify(b),
      );
    }
  });
});
