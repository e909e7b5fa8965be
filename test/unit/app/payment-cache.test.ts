import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { PaymentReadCache } from '../../../src/app/payment-cache.ts';
import type { PaymentRow } from '../../../src/infra/db/repos/payments.ts';

const row = (txId: string, status: 'pending' | 'confirmed'): PaymentRow => ({
  seq: 1n,
  txId,
  senderIdx: 'IDX_' + '1'.repeat(32),
  receiverIdx: 'IDX_' + '2'.repeat(32),
  amount: 100n,
  feeTotal: 2n,
  feeMiner: 1n,
  feeBanks: 1n,
  idempotencyKey: null,
  requestHash: null,
  status,
  blockHeight: status === 'confirmed' ? 1n : null,
  blockPosition: status === 'confirmed' ? 0 : null,
  createdAt: new Date(0),
  confirmedAt: status === 'confirmed' ? new Date(0) : null,
});

describe('PaymentReadCache', () => {
  test('a pending payment is served until the next seal; a confirmed one survives seals', () => {
    const c = new PaymentReadCache();
    c.put(row('TX_p', 'pending'), c.version);
    c.put(row('TX_c', 'confirmed'), c.version);
    assert.equal(c.get('TX_p')?.status, 'pending');
    c.sealed();
    assert.equal(c.get('TX_p'), undefined, 'a seal may have confirmed it');
    assert.equal(c.get('TX_c')?.status, 'confirmed');
    assert.equal(c.get('TX_missing'), undefined);
  });

  test('a pending row read across a seal is stale at once (the version is taken before the read)', () => {
    const c = new PaymentReadCache();
    const before = c.version;
    c.sealed(); // the seal commits while the read is in flight
    c.put(row('TX_p', 'pending'), before);
    assert.equal(c.get('TX_p'), undefined);
  });

  test('a pending row expires after the TTL even without a seal heard here', () => {
    let t = 0;
    const c = new PaymentReadCache(10, 1000, () => t);
    c.put(row('TX_p', 'pending'), c.version);
    t = 999;
    assert.ok(c.get('TX_p'));
    t = 1000;
    assert.equal(c.get('TX_p'), undefined);
  });

  test('bounded: the oldest entry goes first', () => {
    const c = new PaymentReadCache(2);
    for (const id of ['TX_a', 'TX_b', 'TX_c']) c.put(row(id, 'confirmed'), c.version);
    assert.equal(c.get('TX_a'), undefined);
    assert.ok(c.get('TX_b'));
    assert.ok(c.get('TX_c'));
  });
});
