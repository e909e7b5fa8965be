import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { BANK_CODES, QUORUM, type BankCode } from '../../../src/domain/banks.ts';
import {
  REJECT_REASONS,
  runConsensus,
  validateBlock,
  type BankValidator,
  type CandidateBlock,
  type LedgerView,
  type RejectReason,
} from '../../../src/domain/validation.ts';
import { block, hashOf, view } from './helpers.ts';

const no = (reason: RejectReason): BankValidator => () => ({ ok: false, reason, message: `No: ${reason}.` });
const yes: BankValidator = (b) => ({ ok: true, hash: hashOf(b.header) });
const some = (banks: BankCode[], v: BankValidator) => Object.fromEntries(banks.map((b) => [b, v])) as Partial<Record<BankCode, BankValidator>>;

describe('reject reasons', () => {
  test('the contract list, in order', () => {
    assert.deepEqual(
      [...REJECT_REASONS],
      [
        'DUPLICATE_BLOCK', 'WRONG_HEIGHT', 'WRONG_PREVIOUS_HASH', 'WRONG_DIFFICULTY', 'HIGH_HASH', 'TIMESTAMP_TOO_FAR_AHEAD',
        'TIMESTAMP_BEFORE_PREVIOUS', 'UNKNOWN_MINER', 'MINER_MISMATCH', 'EMPTY_BLOCK', 'BLOCK_TOO_LARGE', 'WRONG_MERKLE_ROOT',
        'DUPLICATE_TRANSACTION', 'ALREADY_CONFIRMED', 'UNKNOWN_TRANSACTION', 'TRANSACTION_MISMATCH', 'WRONG_FEE',
        'INSUFFICIENT_FUNDS', 'QUORUM_NOT_REACHED',
      ],
    );
  });
});

describe('runConsensus', () => {
  test('by default every bank runs validateBlock: a valid block has six approvals', () => {
    const b = block();
    const c = runConsensus(b, view());
    assert.equal(c.accepted, true);
    assert.equal(c.approvals, 6);
    assert.equal(c.reason, null);
    assert.deepEqual(c.verdicts.map((v) => v.bank), [...BANK_CODES]);
    assert.ok(c.verdicts.every((v) => v.approved && v.reason === null && v.message === null));
    assert.deepEqual(c.hash, hashOf(b.header));
    assert.ok(Object.isFrozen(c) && Object.isFrozen(c.verdicts) && c.verdicts.every((v) => Object.isFrozen(v)));
  });

  test('each bank is asked once, with the same block and view', () => {
    const b = block();
    const v = view();
    const calls: Array<[BankCode, CandidateBlock, LedgerView]> = [];
    const spy = (bank: BankCode): BankValidator => (blk, lv) => (calls.push([bank, blk, lv]), validateBlock(blk, lv));
    runConsensus(b, v, Object.fromEntries(BANK_CODES.map((c) => [c, spy(c)])));
    assert.deepEqual(calls.map((c) => c[0]), [...BANK_CODES]);
    assert.ok(calls.every(([, blk, lv]) => blk === b && lv === v));
  });

  test(`${QUORUM} approvals accept; every verdict and reason is kept`, () => {
    const c = runConsensus(block(), view(), { SBI: no('HIGH_HASH'), PNB: no('WRONG_FEE') });
    assert.equal(c.accepted, true);
    assert.equal(c.approvals, 4);
    assert.equal(c.reason, null);
    assert.deepEqual(c.verdicts.map((v) => [v.bank, v.approved, v.reason, v.message]), [
      ['SBI', false, 'HIGH_HASH', 'No: HIGH_HASH.'],
      ['HDFC', true, null, null],
      ['ICICI', true, null, null],
      ['AXIS', true, null, null],
      ['KOTAK', true, null, null],
      ['PNB', false, 'WRONG_FEE', 'No: WRONG_FEE.'],
    ]);
  });

  test('three approvals refuse with QUORUM_NOT_REACHED, even when the rejecting banks agree', () => {
    const c = runConsensus(block(), view(), some(['SBI', 'HDFC', 'ICICI'], no('HIGH_HASH')));
    assert.equal(c.accepted, false);
    assert.equal(c.approvals, 3);
    assert.equal(c.reason, 'QUORUM_NOT_REACHED');
  });

  test('one approval is still QUORUM_NOT_REACHED', () => {
    const c = runConsensus(block(), view(), some(['SBI', 'HDFC', 'ICICI', 'AXIS', 'KOTAK'], no('WRONG_FEE')));
    assert.equal(c.approvals, 1);
    assert.equal(c.reason, 'QUORUM_NOT_REACHED');
  });

  test('no approval and one shared reason: that reason', () => {
    const c = runConsensus(block({ txs: [] }), view());
    assert.equal(c.accepted, false);
    assert.equal(c.approvals, 0);
    assert.equal(c.reason, 'EMPTY_BLOCK');
    assert.ok(c.verdicts.every((v) => !v.approved && v.reason === 'EMPTY_BLOCK' && typeof v.message === 'string'));
    assert.equal(runConsensus(block({ highHash: true }), view()).reason, 'HIGH_HASH');
  });

  test('no approval and the banks disagree: QUORUM_NOT_REACHED', () => {
    const c = runConsensus(block({ txs: [] }), view(), { PNB: no('WRONG_FEE') });
    assert.equal(c.approvals, 0);
    assert.equal(c.reason, 'QUORUM_NOT_REACHED');
  });

  test('banks decide independently: four overridden approvals accept a block the default would refuse', () => {
    const bad = block({ highHash: true });
    const c = runConsensus(bad, view(), some(['SBI', 'HDFC', 'ICICI', 'AXIS'], yes));
    assert.equal(c.accepted, true);
    assert.deepEqual(c.verdicts.map((v) => v.reason), [null, null, null, null, 'HIGH_HASH', 'HIGH_HASH']);
  });

  test('the approvals needed are exactly QUORUM', () => {
    for (let rejecting = 0; rejecting <= 6; rejecting++) {
      const c = runConsensus(block(), view(), some(BANK_CODES.slice(0, rejecting) as BankCode[], no('WRONG_HEIGHT')));
      assert.equal(c.approvals, 6 - rejecting);
      assert.equal(c.accepted, 6 - rejecting >= QUORUM);
      assert.equal(c.reason, c.accepted ? null : rejecting === 6 ? 'WRONG_HEIGHT' : 'QUORUM_NOT_REACHED');
    }
  });
});
