import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { computeFees } from '../../../src/domain/fees.ts';
import { SYSTEM_MINER_IDX } from '../../../src/domain/ids.ts';
import { REJECT_REASONS, validateBlock, type CandidateBlock, type LedgerView, type RejectReason } from '../../../src/domain/validation.ts';
import { vectorTx } from '../../vectors/domain.ts';
import { block, hashOf, MINER, pendingOf, STRANGER, TIP, view } from './helpers.ts';

const verdictOf = (b: CandidateBlock, v: LedgerView = view()): RejectReason | 'OK' => {
  const r = validateBlock(b, v);
  return r.ok ? 'OK' : r.reason;
};

describe('validateBlock: a valid block', () => {
  test('passes with its hash, frozen', () => {
    const b = block();
    const r = validateBlock(b, view());
    assert.equal(r.ok, true);
    assert.ok(r.ok && Buffer.from(r.hash).equals(Buffer.from(hashOf(b.header))));
    assert.ok(Object.isFrozen(r));
  });

  test('passes at the boundaries: batch full, timestamp = previous, timestamp = now + maxFuture', () => {
    assert.equal(verdictOf(block({ txs: [vectorTx(1), vectorTx(2), vectorTx(3)] })), 'OK');
    assert.equal(verdictOf(block({ header: { timestampMs: TIP.timestampMs } })), 'OK');
    assert.equal(verdictOf(block({ header: { timestampMs: 11_000n } })), 'OK');
    assert.equal(verdictOf(block({ txs: [vectorTx(1)] }), view({ pending: pendingOf([vectorTx(1)], (t) => t.amount + t.feeTotal) })), 'OK');
    assert.equal(verdictOf(block({ txs: [vectorTx(1)] }), view({ pending: pendingOf([vectorTx(1)], (t) => t.amount + t.feeTotal + 1n) })), 'OK');
  });

  test('the first block of an empty chain', () => {
    const empty = view({ tip: { height: 0n, hash: new Uint8Array(32), timestampMs: 0n } });
    assert.equal(verdictOf(block({ header: { height: 1n, prevHash: new Uint8Array(32) } }), empty), 'OK');
  });

  test('the system miner is always known, without asking isKnownMiner', () => {
    let asked = 0;
    const v = view({ isKnownMiner: () => (asked++, false) });
    assert.equal(verdictOf(block({ minerIdx: SYSTEM_MINER_IDX }), v), 'OK');
    assert.equal(asked, 0);
    assert.equal(verdictOf(block(), v), 'UNKNOWN_MINER');
    assert.equal(asked, 1);
  });

  test('neither the block nor the view is changed', () => {
    const b = block();
    const v = view();
    const before = JSON.stringify(b, (_, x) => (typeof x === 'bigint' ? `${x}n` : x));
    validateBlock(b, v);
    validateBlock(b, v);
    assert.equal(JSON.stringify(b, (_, x) => (typeof x === 'bigint' ? `${x}n` : x)), before);
    assert.equal(v.pending.size, 3);
  });
});

describe('validateBlock: each crafted fault fails with exactly its reason', () => {
  const good = block();
  const goodHash = hashOf(good.header);
  const t1 = vectorTx(1);
  const cases: Array<[RejectReason, string, () => [CandidateBlock, LedgerView?]]> = [
    ['DUPLICATE_BLOCK', 'the block already at the tip', () => [good, view({ tip: { height: 8n, hash: goodHash, timestampMs: 5_000n }, sealedHashAt: (h) => (h === 8n ? goodHash : undefined) })]],
    ['DUPLICATE_BLOCK', 'an older block sent again', () => [good, view({ tip: { height: 12n, hash: new Uint8Array(32).fill(1), timestampMs: 9_000n }, sealedHashAt: (h) => (h === 8n ? goodHash : undefined) })]],
    ['WRONG_HEIGHT', 'a height ahead of the tip', () => [block({ header: { height: 9n } })]],
    ['WRONG_HEIGHT', 'a stale competitor for a sealed height', () => [good, view({ tip: { height: 8n, hash: new Uint8Array(32).fill(2), timestampMs: 5_000n }, sealedHashAt: () => new Uint8Array(32).fill(2) })]],
    ['WRONG_HEIGHT', 'the tip height again, nothing sealed there known', () => [block({ header: { height: 7n } })]],
    ['WRONG_PREVIOUS_HASH', 'another parent', () => [block({ header: { prevHash: new Uint8Array(32) } })]],
    ['WRONG_DIFFICULTY', 'a harder difficulty than the chain', () => [block({ header: { difficulty: 2 } })]],
    ['WRONG_DIFFICULTY', 'an easier difficulty than the chain', () => [block({ header: { difficulty: 0 } })]],
    ['HIGH_HASH', 'a nonce that misses the target', () => [block({ highHash: true })]],
    ['TIMESTAMP_TOO_FAR_AHEAD', 'one millisecond past now + maxFuture', () => [block({ header: { timestampMs: 11_001n } })]],
    ['TIMESTAMP_BEFORE_PREVIOUS', 'one millisecond before the tip', () => [block({ header: { timestampMs: 999n } })]],
    ['UNKNOWN_MINER', 'a miner who is not a user', () => [block({ minerIdx: STRANGER })]],
    ['UNKNOWN_MINER', 'a malformed miner id', () => [block({ claimedBy: 'IDX_not-hex' })]],
    ['MINER_MISMATCH', "the system miner claiming a user's solution", () => [block({ claimedBy: SYSTEM_MINER_IDX })]],
    ['MINER_MISMATCH', "a user claiming another user's solution", () => [block({ minerIdx: STRANGER, claimedBy: MINER }), view({ isKnownMiner: () => true })]],
    ['EMPTY_BLOCK', 'no payments', () => [block({ txs: [] })]],
    ['BLOCK_TOO_LARGE', 'one payment more than the batch', () => [block({ txs: [1, 2, 3, 4].map(vectorTx) })]],
    ['WRONG_MERKLE_ROOT', 'a root of nothing', () => [block({ header: { merkleRoot: new Uint8Array(32) } })]],
    ['WRONG_MERKLE_ROOT', 'the payments reordered after mining', () => [{ ...good, txs: [vectorTx(2), vectorTx(1)] }]],
    ['WRONG_MERKLE_ROOT', 'a payment dropped after mining', () => [{ ...good, txs: [vectorTx(1)] }]],
    ['DUPLICATE_TRANSACTION', 'the same payment twice', () => [block({ txs: [t1, t1] })]],
    ['ALREADY_CONFIRMED', 'a payment sealed earlier', () => [block({ txs: [vectorTx(9)] })]],
    ['UNKNOWN_TRANSACTION', 'a payment nobody made', () => [block({ txs: [vectorTx(5)] })]],
    ['TRANSACTION_MISMATCH', 'another receiver', () => [block({ txs: [{ ...t1, receiverIdx: MINER }] })]],
    ['TRANSACTION_MISMATCH', 'another sender', () => [block({ txs: [{ ...t1, senderIdx: MINER }] })]],
    ['TRANSACTION_MISMATCH', 'a smaller amount with its own correct fees', () => [block({ txs: [{ ...t1, amount: 50_000n, ...computeFees(50_000n) }] })]],
    ['WRONG_FEE', 'no miner fee', () => [block({ txs: [{ ...t1, feeMiner: 0n }] })]],
    ['WRONG_FEE', 'the banks paid more, the total unchanged', () => [block({ txs: [{ ...t1, feeMiner: t1.feeMiner - 1n, feeBanks: t1.feeBanks + 1n }] })]],
    ['WRONG_FEE', 'a lower total fee', () => [block({ txs: [{ ...t1, feeTotal: t1.feeTotal - 1n, feeBanks: t1.feeBanks - 1n }] })]],
    ['WRONG_FEE', 'right for the amount, but not the fee recorded when the payment was made', () => [block({ txs: [t1] }), view({ pending: pendingOf([{ ...t1, feeTotal: 1n, feeMiner: 0n, feeBanks: 1n }]) })]],
    ['INSUFFICIENT_FUNDS', 'one paisa short of amount + fee held', () => [block({ txs: [t1] }), view({ pending: pendingOf([t1], (t) => t.amount + t.feeTotal - 1n) })]],
    ['INSUFFICIENT_FUNDS', 'only the amount held, not the fee', () => [block({ txs: [vectorTx(2), t1] }), view({ pending: new Map([...pendingOf([vectorTx(2)]), ...pendingOf([t1], (t) => t.amount)]) })]],
  ];

  for (const [reason, what, make] of cases) {
    test(`${reason}: ${what}`, () => {
      const [b, v] = make();
      const r = validateBlock(b, v ?? view());
      assert.equal(r.ok ? 'OK' : r.reason, reason);
      assert.ok(!r.ok && /^[A-Z].*\.$/.test(r.message), `a sentence: ${r.ok ? '' : r.message}`);
      assert.ok(Object.isFrozen(r));
    });
  }

  test('every reason but QUORUM_NOT_REACHED has a crafted block', () => {
    assert.deepEqual([...new Set(cases.map((c) => c[0]))], REJECT_REASONS.filter((r) => r !== 'QUORUM_NOT_REACHED'));
  });
});

describe('validateBlock: the first failure wins, in the documented order', () => {
  test('header checks before miner checks before payment checks', () => {
    assert.equal(verdictOf(block({ header: { height: 9n, prevHash: new Uint8Array(32) }, highHash: true })), 'WRONG_HEIGHT');
    assert.equal(verdictOf(block({ header: { prevHash: new Uint8Array(32), difficulty: 2 } })), 'WRONG_PREVIOUS_HASH');
    assert.equal(verdictOf(block({ header: { timestampMs: 99_999n }, highHash: true })), 'HIGH_HASH');
    assert.equal(verdictOf(block({ header: { timestampMs: 99_999n }, minerIdx: STRANGER })), 'TIMESTAMP_TOO_FAR_AHEAD');
    assert.equal(verdictOf(block({ minerIdx: STRANGER, txs: [] })), 'UNKNOWN_MINER');
    assert.equal(verdictOf(block({ claimedBy: SYSTEM_MINER_IDX, txs: [] })), 'MINER_MISMATCH');
    assert.equal(verdictOf(block({ txs: [], header: { merkleRoot: new Uint8Array(32).fill(1) } })), 'EMPTY_BLOCK');
    assert.equal(verdictOf(block({ txs: [1, 2, 3, 4].map(vectorTx), header: { merkleRoot: new Uint8Array(32) } })), 'BLOCK_TOO_LARGE');
    assert.equal(verdictOf({ ...block({ txs: [vectorTx(5)] }), txs: [vectorTx(9)] }), 'WRONG_MERKLE_ROOT');
  });
  test('payments are checked in block order, each through all its checks', () => {
    assert.equal(verdictOf(block({ txs: [vectorTx(1), vectorTx(5), vectorTx(9)] })), 'UNKNOWN_TRANSACTION');
    assert.equal(verdictOf(block({ txs: [vectorTx(1), vectorTx(9), vectorTx(5)] })), 'ALREADY_CONFIRMED');
    assert.equal(verdictOf(block({ txs: [{ ...vectorTx(1), feeMiner: 0n }, vectorTx(5)] })), 'WRONG_FEE');
    assert.equal(verdictOf(block({ txs: [vectorTx(2), vectorTx(5), vectorTx(2)] })), 'UNKNOWN_TRANSACTION');
    assert.equal(verdictOf(block({ txs: [vectorTx(2), vectorTx(1), vectorTx(2)] })), 'DUPLICATE_TRANSACTION');
  });
  test('a confirmed payment still listed as pending is ALREADY_CONFIRMED', () => {
    const v = view({ isConfirmed: (id) => id === vectorTx(1).txId });
    assert.equal(verdictOf(block(), v), 'ALREADY_CONFIRMED');
  });
  test('a payment whose record differs in sender and fee is TRANSACTION_MISMATCH, not WRONG_FEE', () => {
    assert.equal(verdictOf(block({ txs: [{ ...vectorTx(1), senderIdx: STRANGER, feeMiner: 0n }] })), 'TRANSACTION_MISMATCH');
  });
});
