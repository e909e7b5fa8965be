import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { IdxError } from '../../../src/domain/errors.ts';
import { bytesEqual, fromHex, toHex } from '../../../src/domain/hex.ts';
import {
  bytesToUserIdx,
  maskPan,
  newTxId,
  newUserIdx,
  PAN_RE,
  parsePan,
  parseUserIdx,
  SYSTEM_MINER_IDX,
  TX_ID_RE,
  USER_IDX_RE,
  userIdxToBytes,
} from '../../../src/domain/ids.ts';

const counting = (...fills: number[]) => {
  let i = 0;
  const asked: number[] = [];
  const random = (n: number) => {
    asked.push(n);
    return new Uint8Array(n).fill(fills[Math.min(i++, fills.length - 1)]!);
  };
  return { random, asked };
};

describe('identifiers', () => {
  test('formats', () => {
    assert.equal(SYSTEM_MINER_IDX, 'IDX_00000000000000000000000000000000');
    assert.ok(USER_IDX_RE.test(SYSTEM_MINER_IDX));
    assert.ok(USER_IDX_RE.test('IDX_' + '0123456789abcdef'.repeat(2)));
    for (const s of ['IDX_' + 'A'.repeat(32), 'IDX_' + 'a'.repeat(31), 'IDX_' + 'a'.repeat(33), 'idx_' + 'a'.repeat(32), ' IDX_' + 'a'.repeat(32)]) {
      assert.ok(!USER_IDX_RE.test(s), s);
    }
    assert.ok(TX_ID_RE.test('TX_' + 'f'.repeat(32)));
    assert.ok(!TX_ID_RE.test('TX_' + 'g'.repeat(32)));
    assert.ok(PAN_RE.test('ABCDE1234F'));
  });

  test('newUserIdx: 16 random bytes in hex, drawn again if it would be the system miner', () => {
    const r = counting(0x00, 0x11);
    assert.equal(newUserIdx(r.random), 'IDX_' + '11'.repeat(16));
    assert.deepEqual(r.asked, [16, 16]);
    const one = counting(0xab);
    assert.equal(newUserIdx(one.random), 'IDX_' + 'ab'.repeat(16));
    assert.deepEqual(one.asked, [16]);
    const ids = new Set(Array.from({ length: 200 }, () => newUserIdx(randomBytes)));
    assert.equal(ids.size, 200);
    for (const id of ids) assert.ok(USER_IDX_RE.test(id));
  });

  test('newTxId: TX_ + 32 hex digits', () => {
    const r = counting(0x5a);
    assert.equal(newTxId(r.random), 'TX_' + '5a'.repeat(16));
    assert.deepEqual(r.asked, [16]);
    assert.ok(TX_ID_RE.test(newTxId(randomBytes)));
    assert.notEqual(newTxId(randomBytes), newTxId(randomBytes));
  });

  test('a random source returning the wrong length is a bug', () => {
    assert.throws(() => newUserIdx(() => new Uint8Array(15)), /16 bytes/);
    assert.throws(() => newTxId(() => new Uint8Array(17)), /16 bytes/);
  });

  test('parsePan: exact format, else INVALID_PAN', () => {
    assert.equal(parsePan('ABCDE1234F'), 'ABCDE1234F');
    assert.equal(parsePan('MINER1234A'), 'MINER1234A');
    for (const p of ['abcde1234f', 'ABCD1234F', 'ABCDE12345', 'ABCDE1234FF', 'ABCDE1234', ' ABCDE1234F', 'ABCDE1234F ', 'ABCDÉ1234F', 'ABCDE１234F', '', 5, null, undefined, {}]) {
      assert.throws(() => parsePan(p), (e: unknown) => e instanceof IdxError && e.code === 'INVALID_PAN' && /^pan_card must be a PAN/.test(e.message), String(p));
    }
  });

  test('parseUserIdx: exact format, else INVALID_USER_IDX naming the field', () => {
    const idx = 'IDX_' + 'ab'.repeat(16);
    assert.equal(parseUserIdx(idx), idx);
    assert.equal(parseUserIdx(SYSTEM_MINER_IDX), SYSTEM_MINER_IDX);
    for (const v of ['IDX_XYZ', idx.toUpperCase(), idx + ' ', 'TX_' + 'a'.repeat(32), 42, null]) {
      assert.throws(() => parseUserIdx(v), (e: unknown) => e instanceof IdxError && e.code === 'INVALID_USER_IDX' && /^user_idx must/.test(e.message));
    }
    assert.throws(() => parseUserIdx('nope', 'receiver_idx'), (e: unknown) => (e as Error).message.startsWith('receiver_idx must look like IDX_'));
  });

  test('user_idx <-> 16 bytes', () => {
    const idx = 'IDX_' + '0123456789abcdef'.repeat(2);
    const b = userIdxToBytes(idx);
    assert.equal(b.length, 16);
    assert.equal(toHex(b), '0123456789abcdef0123456789abcdef');
    assert.equal(bytesToUserIdx(b), idx);
    assert.deepEqual(userIdxToBytes(SYSTEM_MINER_IDX), new Uint8Array(16));
    assert.equal(bytesToUserIdx(new Uint8Array(16).map((_, i) => 0xf0 + i)), 'IDX_f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff');
    assert.throws(() => userIdxToBytes('IDX_123'), /not a user_idx/);
    assert.throws(() => bytesToUserIdx(new Uint8Array(15)), /16 bytes/);
  });

  test('maskPan keeps the first two and last two characters', () => {
    assert.equal(maskPan('MINER1234A'), 'MI******4A');
    assert.equal(maskPan('ABCDE1234F'), 'AB******4F');
    assert.equal(maskPan('ABCD'), '****');
    assert.equal(maskPan(''), '');
  });
});

describe('hex', () => {
  test('round trip, lowercase out, either case in', () => {
    assert.equal(toHex(Uint8Array.of(0, 1, 0xab, 0xff)), '0001abff');
    assert.equal(toHex(new Uint8Array()), '');
    assert.deepEqual(fromHex('0001ABff'), Uint8Array.of(0, 1, 0xab, 0xff));
    assert.deepEqual(fromHex(''), new Uint8Array());
    const big = randomBytes(100);
    assert.deepEqual(fromHex(toHex(big)), new Uint8Array(big));
  });
  test('toHex of a view reads only the view', () => {
    const buf = Uint8Array.of(1, 2, 3, 4, 5);
    assert.equal(toHex(buf.subarray(1, 3)), '0203');
  });
  test('fromHex refuses odd lengths and non-hex characters', () => {
    for (const s of ['0', 'abc', 'zz', '0x00', '00 ', '  ', 'gg']) assert.throws(() => fromHex(s), /not a hex string/, s);
  });
  test('bytesEqual', () => {
    assert.ok(bytesEqual(Uint8Array.of(1, 2), Uint8Array.of(1, 2)));
    assert.ok(bytesEqual(new Uint8Array(), new Uint8Array()));
    assert.ok(!bytesEqual(Uint8Array.of(1, 2), Uint8Array.of(1, 3)));
    assert.ok(!bytesEqual(Uint8Array.of(1, 2), Uint8Array.of(1, 2, 0)));
  });
});
