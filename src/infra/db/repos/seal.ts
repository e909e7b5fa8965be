/**
 * A seal's two trips to the store: what the banks need to validate a block
 * (idx_seal_view), and every write of an accepted block in one call
 * (idx_seal_write), which refuses with LEDGER_MOVED when what the banks read
 * has changed since.
 */
import { sql, type Selectable } from 'kysely';
import type { Executor } from '../database.ts';
import type { TransactionsTable } from '../schema.ts';
import { toPayment, type PaymentRow } from './payments.ts';
import type { BlockRow, TipRow, VerdictRow } from './chain.ts';
import { raceSealed, type DeferredRace } from './race.ts';
import type { TxRecord } from '../../../domain/transaction.ts';
import { canonicalJson, type Json } from '../../../domain/audit.ts';

/** What the banks need to validate a block, read in one statement (idx_seal_view). */
export interface SealView {
  readonly tip: TipRow;
  /** Whether the block's miner is a registered user. */
  readonly minerKnown: boolean;
  /** The hash of the block already sealed at the candidate's height, if that height is sealed. */
  readonly sealedHash: string | null;
  /** The block's payments that exist, in any order. */
  readonly payments: ReadonlyArray<TxRecord & { readonly status: 'pending' | 'confirmed' }>;
}

type ViewRow = {
  v_tip_height: bigint;
  v_tip_hash: string;
  v_tip_timestamp_ms: bigint;
  v_miner_known: boolean;
  v_sealed_hash: string | null;
  v_tx_id: string | null;
  v_sender_idx: string;
  v_receiver_idx: string;
  v_amount_paise: bigint;
  v_fee_total_paise: bigint;
  v_fee_miner_paise: bigint;
  v_fee_banks_paise: bigint;
  v_status: 'pending' | 'confirmed';
};

export async function readSealView(ex: Executor, minerIdx: string, txIds: readonly string[], height: bigint): Promise<SealView> {
  const r = await sql<ViewRow>`SELECT * FROM idx_seal_view(${minerIdx}::text, ${[...txIds]}::text[], ${height}::bigint)`.execute(ex);
  const first = r.rows[0];
  if (!first) throw new Error('the chain tip is missing');
  return {
    tip: { height: BigInt(first.v_tip_height), hash: first.v_tip_hash, timestampMs: BigInt(first.v_tip_timestamp_ms) },
    minerKnown: first.v_miner_known,
    sealedHash: first.v_sealed_hash,
    payments: r.rows
      .filter((row) => row.v_tx_id !== null)
      .map((row) => ({
        txId: row.v_tx_id!,
        senderIdx: row.v_sender_idx,
        receiverIdx: row.v_receiver_idx,
        amount: BigInt(row.v_amount_paise),
        feeTotal: BigInt(row.v_fee_total_paise),
        feeMiner: BigInt(row.v_fee_miner_paise),
        feeBanks: BigInt(row.v_fee_banks_paise),
        status: row.v_status,
      })),
  };
}

/** Locks the chain tip until the transaction ends: no seal can change the ledger a view reads meanwhile. */
export async function lockTip(ex: Executor): Promise<void> {
  await sql`SELECT 1 FROM chain_state WHERE id = 1 FOR UPDATE`.execute(ex);
}

/** SQLSTATE of idx_seal_write when the ledger moved since the block was validated (the tip, or a payment's state). */
export const LEDGER_MOVED = 'IX001';

export function isLedgerMoved(e: unknown): boolean {
  return (e as { code?: unknown } | null)?.code === LEDGER_MOVED;
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
  /** A deferred race (migration 007): counted before the write, in its transaction. */
  readonly race: DeferredRace | null;
  readonly audit: { readonly actor: string; readonly payload: { [k: string]: Json | undefined }; readonly at: Date };
  /** Also return at most this many of the oldest payments still pending. */
  readonly next: number | null;
}

const rupees = (p: bigint) => `${p / 100n}.${(p % 100n).toString().padStart(2, '0')}`;

/**
 * All the writes of an accepted block (idx_seal_write); returns the pending
 * payments asked for by `next`. A deferred race is counted first, in the same
 * transaction (the race counter's lock before the tip's).
 */
export async function writeSeal(ex: Executor, w: SealWrite): Promise<PaymentRow[]> {
  const race = w.race;
  if (race === null) return writeBlock(ex, w);
  const both = async (tx: Executor) => {
    await raceSealed(tx, race);
    return writeBlock(tx, w);
  };
  return ex.isTransaction ? both(ex) : ex.transaction().execute(both);
}

async function writeBlock(ex: Executor, w: SealWrite): Promise<PaymentRow[]> {
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
