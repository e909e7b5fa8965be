/**
 * A seal's two trips to the store, inside the caller's transaction: what the
 * banks need to validate a block (the locked tip, whether the miner is a
 * user), and every write of an accepted block in one call (idx_seal_write).
 */
import { sql, type Selectable } from 'kysely';
import type { Executor } from '../database.ts';
import type { TransactionsTable } from '../schema.ts';
import { toPayment, type PaymentRow } from './payments.ts';
import type { BlockRow, TipRow, VerdictRow } from './chain.ts';
import { canonicalJson, type Json } from '../../../domain/audit.ts';

/** The chain tip, locked until the transaction ends, and whether `minerIdx` is a registered user. */
export async function lockTipFor(ex: Executor, minerIdx: string): Promise<TipRow & { readonly minerKnown: boolean }> {
  const r = await sql<{ height: bigint; hash: string; timestamp_ms: bigint; miner_known: boolean }>`
    SELECT height, hash, timestamp_ms, EXISTS (SELECT 1 FROM users WHERE user_idx = ${minerIdx}) AS miner_known
      FROM chain_state WHERE id = 1 FOR UPDATE`.execute(ex);
  const row = r.rows[0];
  if (!row) throw new Error('the chain tip is missing');
  return { height: BigInt(row.height), hash: row.hash, timestampMs: BigInt(row.timestamp_ms), minerKnown: row.miner_known };
}

export interface SealWrite {
  readonly block: Omit<BlockRow, 'sealedAt' | 'txCount'>;
  readonly verdicts: readonly VerdictRow[];
  /** The block's payments in block order. */
  readonly txIds: readonly string[];
  /** Credits to users (receivers and the miner); zero amounts are skipped. */
  readonly userCredits: ReadonlyMap<string, bigint>;
  /** Credits to banks; zero amounts are skipped. */
  readonly bankCredits: ReadonlyArray<{ readonly code: string; readonly amount: bigint }>;
  /** The winner's statistics (a user miner's block), else null. */
  readonly win: { readonly feePaise: bigint; readonly miningTimeMs: number } | null;
  readonly losers: readonly string[];
  readonly audit: { readonly actor: string; readonly payload: { [k: string]: Json | undefined }; readonly at: Date };
  /** Also return at most this many of the oldest payments still pending. */
  readonly next: number | null;
}

const rupees = (p: bigint) => `${p / 100n}.${(p % 100n).toString().padStart(2, '0')}`;

/** All the writes of an accepted block (idx_seal_write); returns the pending payments asked for by `next`. */
export async function writeSeal(ex: Executor, w: SealWrite): Promise<PaymentRow[]> {
  const b = w.block;
  const users = [...w.userCredits].filter(([, a]) => a !== 0n);
  const banks = w.bankCredits.filter((c) => c.amount !== 0n);
  const seconds = w.win ? (Math.max(0, w.win.miningTimeMs) / 1000).toFixed(3) : null;
  const r = await sql<Selectable<TransactionsTable>>`
    SELECT * FROM idx_seal_write(
      ${b.height}::bigint, ${b.hash}::text, ${b.prevHash}::text, ${b.merkleRoot}::text, ${b.timestampMs}::bigint,
      ${b.difficulty}::integer, ${b.nonce}::bigint, ${b.minerIdx}::text, ${b.headerHex}::text, ${b.feeMiner}::bigint,
      ${b.feeBanks}::bigint, ${b.approvals}::integer, ${b.miningTimeMs}::bigint,
      ${w.verdicts.map((v) => v.bankCode)}::text[], ${w.verdicts.map((v) => v.approved)}::boolean[],
      ${w.verdicts.map((v) => v.reason)}::text[], ${w.verdicts.map((v) => v.message)}::text[],
      ${w.verdicts.map((v) => v.credit)}::bigint[],
      ${[...w.txIds]}::text[], ${users.map(([u]) => u)}::text[], ${users.map(([, a]) => a)}::bigint[],
      ${banks.map((c) => c.code)}::text[], ${banks.map((c) => c.amount)}::bigint[],
      ${w.win ? rupees(w.win.feePaise) : null}::numeric, ${seconds}::numeric, ${[...w.losers]}::text[],
      ${w.audit.actor}::text, ${canonicalJson(w.audit.payload)}::text, ${w.audit.at.toISOString()}::text, ${w.next}::integer)`.execute(ex);
  return r.rows.map(toPayment);
}
