/** Payments (the `transactions` table): holds, reads, settlement. */
import { sql } from 'kysely';
import type { Executor } from '../database.ts';
import type { TransactionsTable } from '../schema.ts';
import type { Selectable } from 'kysely';
import type { AuditEntry } from './audit.ts';
import type { TxRecord } from '../../../domain/transaction.ts';
import { canonicalJson } from '../../../domain/audit.ts';

/** A payment as stored: what a block commits to, plus its state. */
export interface PaymentRow extends NewPayment {
  readonly seq: bigint;
  readonly status: 'pending' | 'confirmed';
  readonly blockHeight: bigint | null;
  readonly blockPosition: number | null;
  readonly createdAt: Date;
  readonly confirmedAt: Date | null;
}

export function toPayment(r: Selectable<TransactionsTable>): PaymentRow {
  return {
    seq: BigInt(r.seq),
    txId: r.tx_id,
    senderIdx: r.sender_idx,
    receiverIdx: r.receiver_idx,
    amount: BigInt(r.amount_paise),
    feeTotal: BigInt(r.fee_total_paise),
    feeMiner: BigInt(r.fee_miner_paise),
    feeBanks: BigInt(r.fee_banks_paise),
    status: r.status,
    blockHeight: r.block_height === null ? null : BigInt(r.block_height),
    blockPosition: r.block_position,
    idempotencyKey: r.idempotency_key,
    requestHash: r.request_hash,
    createdAt: r.created_at,
    confirmedAt: r.confirmed_at,
  };
}

export interface NewPayment extends TxRecord {
  readonly idempotencyKey: string | null;
  readonly requestHash: string | null;
}

export async function findPayment(ex: Executor, txId: string): Promise<PaymentRow | null> {
  const r = await ex.selectFrom('transactions').selectAll().where('tx_id', '=', txId).executeTakeFirst();
  return r ? toPayment(r) : null;
}

export async function findByIdempotencyKey(ex: Executor, senderIdx: string, key: string): Promise<PaymentRow | null> {
  const r = await ex
    .selectFrom('transactions')
    .selectAll()
    .where('sender_idx', '=', senderIdx)
    .where('idempotency_key', '=', key)
    .executeTakeFirst();
  return r ? toPayment(r) : null;
}

/** No payment below this seq is pending (migration 008): reads of the pending payments start here, past the settled ones. */
const PENDING_FLOOR = sql<bigint>`(SELECT pending_floor FROM chain_state WHERE id = 1)`;

/** The oldest pending payments, in arrival order. */
export async function oldestPending(ex: Executor, limit: number): Promise<PaymentRow[]> {
  const rows = await ex
    .selectFrom('transactions')
    .selectAll()
    .where('status', '=', 'pending')
    .where('seq', '>=', PENDING_FLOOR)
    .orderBy('seq')
    .limit(limit)
    .execute();
  return rows.map(toPayment);
}

export async function countPending(ex: Executor): Promise<{ count: number; oldest: Date | null }> {
  const r = await sql<{ n: bigint; oldest: Date | null }>`
    SELECT count(*)::bigint AS n, min(created_at) AS oldest FROM transactions WHERE status = 'pending' AND seq >= ${PENDING_FLOOR}`.execute(ex);
  const row = r.rows[0]!;
  return { count: Number(row.n), oldest: row.oldest };
}

export async function recentPaymentsOf(ex: Executor, userIdx: string, limit: number): Promise<PaymentRow[]> {
  const rows = await ex
    .selectFrom('transactions')
    .selectAll()
    .where((eb) => eb.or([eb('sender_idx', '=', userIdx), eb('receiver_idx', '=', userIdx)]))
    .orderBy('seq', 'desc')
    .limit(limit)
    .execute();
  return rows.map(toPayment);
}

export async function heldBy(ex: Executor, userIdx: string): Promise<bigint> {
  const r = await sql<{ held: bigint | null }>`
    SELECT sum(amount_paise + fee_total_paise)::bigint AS held
      FROM transactions WHERE sender_idx = ${userIdx} AND status = 'pending'`.execute(ex);
  return BigInt(r.rows[0]?.held ?? 0n);
}

export async function paymentsInBlock(ex: Executor, height: bigint): Promise<PaymentRow[]> {
  const rows = await ex
    .selectFrom('transactions')
    .selectAll()
    .where('block_height', '=', height)
    .orderBy('block_position')
    .execute();
  return rows.map(toPayment);
}

export async function paymentsInBlocks(ex: Executor, from: bigint, to: bigint): Promise<PaymentRow[]> {
  const rows = await ex
    .selectFrom('transactions')
    .selectAll()
    .where('block_height', '>=', from)
    .where('block_height', '<=', to)
    .orderBy('block_height')
    .orderBy('block_position')
    .execute();
  return rows.map(toPayment);
}

export type HoldOutcome =
  | { readonly kind: 'ok'; readonly payment: PaymentRow }
  | { readonly kind: 'no_receiver' }
  | { readonly kind: 'insufficient' }
  /** The sender already used this idempotency key (the debit must be rolled back). */
  | { readonly kind: 'key_taken' };

/**
 * The whole hold in one call of idx_pay: the receiver must exist, the sender's
 * balance is debited only if it covers amount + fee (atomic conditional
 * update), the pending payment is inserted, and its audit record appended.
 */
export async function holdAndRecord(ex: Executor, p: NewPayment, audit: AuditEntry, at: Date = new Date()): Promise<HoldOutcome> {
  const r = await sql<HoldRow>`
    SELECT * FROM idx_pay(${p.txId}::text, ${p.senderIdx}::text, ${p.receiverIdx}::text, ${p.amount}::bigint, ${p.feeTotal}::bigint,
                          ${p.feeMiner}::bigint, ${p.feeBanks}::bigint, ${p.idempotencyKey}::text, ${p.requestHash}::text,
                          ${at.toISOString()}::text, ${canonicalJson(audit.payload)}::text)`.execute(ex);
  return toOutcome(p, r.rows[0]!);
}

export interface HoldRequest {
  readonly payment: NewPayment;
  readonly audit: AuditEntry;
  readonly at: Date;
}

/**
 * Many holds in one call and one transaction (idx_pay_many), each decided as
 * holdAndRecord decides one; the outcomes come back in the order given.
 */
export async function holdMany(ex: Executor, reqs: readonly HoldRequest[]): Promise<HoldOutcome[]> {
  const col = <T>(f: (r: HoldRequest) => T): T[] => reqs.map(f);
  const r = await sql<HoldRow & { ord: number }>`
    SELECT * FROM idx_pay_many(${col((r) => r.payment.txId)}::text[], ${col((r) => r.payment.senderIdx)}::text[],
                               ${col((r) => r.payment.receiverIdx)}::text[], ${col((r) => r.payment.amount)}::bigint[],
                               ${col((r) => r.payment.feeTotal)}::bigint[], ${col((r) => r.payment.feeMiner)}::bigint[],
                               ${col((r) => r.payment.feeBanks)}::bigint[], ${col((r) => r.payment.idempotencyKey)}::text[],
                               ${col((r) => r.payment.requestHash)}::text[], ${col((r) => r.at.toISOString())}::text[],
                               ${col((r) => canonicalJson(r.audit.payload))}::text[])`.execute(ex);
  if (r.rows.length !== reqs.length) throw new Error(`idx_pay_many returned ${r.rows.length} outcomes for ${reqs.length} payments`);
  return r.rows.map((row) => toOutcome(reqs[Number(row.ord) - 1]!.payment, row));
}

type HoldRow = { outcome: string; seq: bigint | null; created_at: Date | null };

function toOutcome(p: NewPayment, row: HoldRow): HoldOutcome {
  switch (row.outcome) {
    case 'no_receiver':
      return { kind: 'no_receiver' };
    case 'insufficient':
      return { kind: 'insufficient' };
    case 'key_taken':
      return { kind: 'key_taken' };
    case 'ok':
      return {
        kind: 'ok',
        payment: {
          seq: BigInt(row.seq!),
          txId: p.txId,
          senderIdx: p.senderIdx,
          receiverIdx: p.receiverIdx,
          amount: p.amount,
          feeTotal: p.feeTotal,
          feeMiner: p.feeMiner,
          feeBanks: p.feeBanks,
          status: 'pending',
          blockHeight: null,
          blockPosition: null,
          idempotencyKey: p.idempotencyKey,
          requestHash: p.requestHash,
          createdAt: row.created_at!,
          confirmedAt: null,
        },
      };
    default:
      throw new Error(`idx_pay returned ${row.outcome}`);
  }
}
