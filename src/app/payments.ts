/**
 * Paying another user: the hold (amount + fee) is taken by an atomic
 * conditional debit in the same SQL transaction that records the payment.
 * An Idempotency-Key makes a retry return the first result.
 */
import { createHash } from 'node:crypto';
import { IdxError } from '../domain/errors.ts';
import { parseAmount } from '../domain/money.ts';
import { computeFees } from '../domain/fees.ts';
import { newTxId, parseUserIdx } from '../domain/ids.ts';
import { findByIdempotencyKey, findPayment, type PaymentRow } from '../infra/db/repos/payments.ts';
import { directHolds } from './hold-batcher.ts';
import { appendAudit } from '../infra/db/repos/audit.ts';
import { formatPaise } from '../domain/money.ts';
import type { AppDeps } from './deps.ts';

export interface PayInput {
  readonly senderIdx: string;
  readonly receiver_idx: unknown;
  readonly amount: unknown;
  readonly idempotencyKey: string | null;
}

export interface PayResult {
  readonly payment: PaymentRow;
  /** True when an earlier request with the same Idempotency-Key produced it. */
  readonly replayed: boolean;
}

const KEY_RE = /^[\x21-\x7e]{1,128}$/;

function requestHash(receiverIdx: string, amount: bigint): string {
  return createHash('sha256').update(`${receiverIdx}|${amount}`).digest('hex');
}

function replay(existing: PaymentRow, hash: string): PayResult {
  if (existing.requestHash !== hash) {
    throw new IdxError('IDEMPOTENCY_KEY_REUSED', 'This Idempotency-Key was already used for a different payment.');
  }
  return { payment: existing, replayed: true };
}

export async function pay(deps: AppDeps, input: PayInput): Promise<PayResult> {
  try {
    return await payChecked(deps, input);
  } catch (e) {
    // A refusal changes nothing but is recorded, with its reason code; shedding
    // load (SERVICE_UNAVAILABLE) is not a decision about the payment and would
    // only add work when the ledger has too much.
    if (e instanceof IdxError && e.code !== 'SERVICE_UNAVAILABLE') {
      await appendAudit(deps.db, {
        actor: input.senderIdx,
        related: typeof input.receiver_idx === 'string' && /^IDX_[0-9a-f]{32}$/.test(input.receiver_idx) ? input.receiver_idx : null,
        action: 'payment.refused',
        payload: { code: e.code, amount: typeof input.amount === 'string' || typeof input.amount === 'number' ? String(input.amount).slice(0, 40) : null },
      });
    }
    throw e;
  }
}

async function payChecked(deps: AppDeps, input: PayInput): Promise<PayResult> {
  const receiverIdx = parseUserIdx(input.receiver_idx, 'receiver_idx');
  const amount = parseAmount(input.amount, 'amount');
  const key = input.idempotencyKey;
  if (key !== null && !KEY_RE.test(key)) {
    throw new IdxError('VALIDATION_ERROR', 'Idempotency-Key must be 1 to 128 visible ASCII characters.');
  }
  if (receiverIdx === input.senderIdx) throw new IdxError('SELF_PAYMENT', 'You cannot pay yourself.');
  const hash = requestHash(receiverIdx, amount);
  const total = amount + computeFees(amount).feeTotal;
  if (key !== null) {
    const existing = await findByIdempotencyKey(deps.db, input.senderIdx, key);
    if (existing) return replay(existing, hash);
  }
  const fees = computeFees(amount);
  const row = {
    txId: newTxId(deps.random),
    senderIdx: input.senderIdx,
    receiverIdx,
    amount,
    feeTotal: fees.feeTotal,
    feeMiner: fees.feeMiner,
    feeBanks: fees.feeBanks,
    idempotencyKey: key,
    requestHash: key === null ? null : hash,
  };
  const audit = {
    actor: input.senderIdx,
    related: receiverIdx,
    action: 'payment.accepted',
    payload: { tx_id: row.txId, amount: formatPaise(amount), fee_total: formatPaise(fees.feeTotal), idempotency_key: key },
  };
  if (deps.backlog?.refuse()) {
    throw new IdxError('SERVICE_UNAVAILABLE', 'The ledger is settling earlier payments; try again in a moment.');
  }
  // One statement does it all (idx_pay): a hold whose key another request
  // took first is given back in the same statement. The server batches holds
  // (group commit); without a batcher each is its own call.
  const outcome = await (deps.holds ?? directHolds(deps.db)).hold({ payment: row, audit, at: new Date(deps.now()) });
  if (outcome.kind === 'no_receiver') throw new IdxError('RECEIVER_NOT_FOUND', 'No user has this receiver_idx.');
  if (outcome.kind === 'insufficient') {
    throw new IdxError('INSUFFICIENT_FUNDS', 'Your balance does not cover the amount plus the 1.5% fee.', { required: total.toString() });
  }
  if (outcome.kind === 'key_taken') {
    const existing = key === null ? null : await findByIdempotencyKey(deps.db, input.senderIdx, key);
    if (existing) return replay(existing, hash);
    throw new Error('idempotency key conflict without a payment');
  }
  const payment = outcome.payment;
  deps.events.paymentAccepted(payment);
  return { payment, replayed: false };
}

/** A payment, visible only to its sender and receiver (anyone else: 404). */
export async function getPayment(deps: AppDeps, viewerIdx: string, txId: unknown): Promise<PaymentRow> {
  const notFound = () => new IdxError('NOT_FOUND', 'No such transaction.');
  if (typeof txId !== 'string' || !/^TX_[0-9a-f]{32}$/.test(txId)) throw notFound();
  const cache = deps.paymentCache;
  let p = cache?.get(txId) ?? null;
  if (!p) {
    const version = cache?.version ?? 0;
    p = await findPayment(deps.db, txId);
    if (p && cache) cache.put(p, version);
  }
  if (!p || (p.senderIdx !== viewerIdx && p.receiverIdx !== viewerIdx)) throw notFound();
  return p;
}
