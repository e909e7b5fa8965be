/** The pool's lookahead: complete or not, fed by accepted payments, merged with a seal's read in arrival order. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Lookahead, type PendingTx } from '../../../src/mining/pool/lookahead.ts';

const tx = (seq: number): PendingTx => ({
  txId: `TX_${seq.toString(16).padStart(32, '0')}`,
  senderIdx: 'a',
  receiverIdx: 'b',
  amount: 100n,
  feeTotal: 2n,
  feeMiner: 1n,
  feeBanks: 1n,
  seq: BigInt(seq),
  createdAt: new Date(0),
});
const seqs = (xs: readonly PendingTx[]) => xs.map((t) => Number(t.seq));
const none = new Set<string>();

describe('Lookahead', () => {
  test('a short read is complete: accepted payments join it; a full read is not: they wait for the store', () => {
    const a = new Lookahead(10);
    a.reset([tx(1), tx(2)], 5);
    assert.equal(a.isComplete, true);
    assert.equal(a.offer(tx(3), none), true);
    assert.deepEqual(seqs(a.peek(10)), [1, 2, 3]);
    const b = new Lookahead(10);
    b.reset([tx(1), tx(2)], 2);
    assert.equal(b.isComplete, false);
    assert.equal(b.offer(tx(3), none), false);
    assert.deepEqual(seqs(b.peek(10)), [1, 2]);
  });

  test('an offer already known, or held by a round in flight, is refused; past the cap the lookahead turns incomplete', () => {
    const a = new Lookahead(3);
    a.reset([tx(1)], 5);
    assert.equal(a.offer(tx(1), none), false, 'already here');
    assert.equal(a.offer(tx(2), new Set([tx(2).txId])), false, 'held');
    assert.equal(a.offer(tx(3), none), true);
    assert.equal(a.offer(tx(4), none), true);
    assert.equal(a.offer(tx(5), none), false, 'the cap');
    assert.equal(a.isComplete, false);
    assert.equal(a.offer(tx(6), none), false, 'older ones may be in the store now');
    assert.deepEqual(seqs(a.peek(10)), [1, 3, 4]);
  });

  test('take removes from the front; what was taken may be offered again only if not held', () => {
    const a = new Lookahead(10);
    a.reset([tx(1), tx(2), tx(3)], 5);
    assert.deepEqual(seqs(a.take(2)), [1, 2]);
    assert.equal(a.size, 1);
    assert.equal(a.offer(tx(2), new Set([tx(2).txId])), false);
    a.clear();
    assert.equal(a.size, 0);
    assert.equal(a.isComplete, false);
  });

  test("a seal's short read merges with what arrived since, in arrival order, less what rounds hold", () => {
    const a = new Lookahead(10);
    a.reset([tx(1)], 5);
    a.offer(tx(4), none); // accepted after the seal's read
    a.merge([tx(2), tx(3), tx(5)], 5, new Set([tx(5).txId]));
    assert.deepEqual(seqs(a.peek(10)), [1, 2, 3, 4]);
    assert.equal(a.isComplete, true);
  });

  test("a seal's full read replaces an incomplete lookahead, and leaves it incomplete", () => {
    const a = new Lookahead(10);
    a.reset([tx(8), tx(9)], 2);
    a.merge([tx(1), tx(2)], 2, none);
    assert.deepEqual(seqs(a.peek(10)), [1, 2]);
    assert.equal(a.isComplete, false);
  });

  test("a complete lookahead stays complete on a seal's full read: what lies beyond it was offered", () => {
    const a = new Lookahead(10);
    a.reset([], 5);
    a.offer(tx(3), none);
    a.offer(tx(4), none);
    a.merge([tx(1), tx(2), tx(3)], 3, new Set([tx(1).txId]));
    assert.deepEqual(seqs(a.peek(10)), [2, 3, 4]);
    assert.equal(a.isComplete, true);
  });

  test('a merge past the cap keeps the oldest and turns incomplete', () => {
    const a = new Lookahead(2);
    a.reset([], 5);
    a.offer(tx(3), none);
    a.merge([tx(1), tx(2)], 5, none);
    assert.deepEqual(seqs(a.peek(10)), [1, 2]);
    assert.equal(a.isComplete, false);
  });
});
