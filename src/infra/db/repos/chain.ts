/** Blocks, bank verdicts, bank balances and the chain tip. */
import { sql, type Selectable } from 'kysely';
import type { Executor } from '../database.ts';
import type { BlocksTable } from '../schema.ts';

export interface TipRow {
  readonly height: bigint;
  readonly hash: string;
  readonly timestampMs: bigint;
}

export async function readTip(ex: Executor, lock: boolean): Promise<TipRow> {
  let q = ex.selectFrom('chain_state').select(['height', 'hash', 'timestamp_ms']).where('id', '=', 1);
  if (lock) q = q.forUpdate();
  const r = await q.executeTakeFirstOrThrow();
  return { height: BigInt(r.height), hash: r.hash, timestampMs: BigInt(r.timestamp_ms) };
}

export interface BlockRow {
  readonly height: bigint;
  readonly hash: string;
  readonly prevHash: string;
  readonly merkleRoot: string;
  readonly timestampMs: bigint;
  readonly difficulty: number;
  readonly nonce: number;
  readonly minerIdx: string;
  readonly headerHex: string;
  readonly txCount: number;
  readonly feeMiner: bigint;
  readonly feeBanks: bigint;
  readonly approvals: number;
  readonly miningTimeMs: bigint | null;
  readonly sealedAt: Date;
}

function toBlock(r: Selectable<BlocksTable>): BlockRow {
  return {
    height: BigInt(r.height),
    hash: r.hash,
    prevHash: r.prev_hash,
    merkleRoot: r.merkle_root,
    timestampMs: BigInt(r.timestamp_ms),
    difficulty: r.difficulty,
    nonce: Number(r.nonce),
    minerIdx: r.miner_idx,
    headerHex: r.header_hex,
    txCount: r.tx_count,
    feeMiner: BigInt(r.fee_miner_paise),
    feeBanks: BigInt(r.fee_banks_paise),
    approvals: r.approvals,
    miningTimeMs: r.mining_time_ms === null ? null : BigInt(r.mining_time_ms),
    sealedAt: r.sealed_at,
  };
}

export interface VerdictRow {
  readonly bankCode: string;
  readonly approved: boolean;
  readonly reason: string | null;
  readonly message: string | null;
  readonly credit: bigint;
}

export async function verdictsOf(ex: Executor, height: bigint): Promise<VerdictRow[]> {
  const rows = await ex
    .selectFrom('block_verdicts as v')
    .innerJoin('banks as b', 'b.code', 'v.bank_code')
    .select(['v.bank_code', 'v.approved', 'v.reason', 'v.message', 'v.credit_paise'])
    .where('v.height', '=', height)
    .orderBy('b.position')
    .execute();
  return rows.map((r) => ({
    bankCode: r.bank_code,
    approved: r.approved,
    reason: r.reason,
    message: r.message,
    credit: BigInt(r.credit_paise),
  }));
}

export async function findBlock(ex: Executor, height: bigint): Promise<BlockRow | null> {
  const r = await ex.selectFrom('blocks').selectAll().where('height', '=', height).executeTakeFirst();
  return r ? toBlock(r) : null;
}

export async function listBlocks(ex: Executor, limit: number, before: bigint | null): Promise<BlockRow[]> {
  let q = ex.selectFrom('blocks').selectAll().orderBy('height', 'desc').limit(limit);
  if (before !== null) q = q.where('height', '<', before);
  return (await q.execute()).map(toBlock);
}

export async function blocksFrom(ex: Executor, fromHeight: bigint, limit: number): Promise<BlockRow[]> {
  const rows = await ex
    .selectFrom('blocks')
    .selectAll()
    .where('height', '>=', fromHeight)
    .orderBy('height')
    .limit(limit)
    .execute();
  return rows.map(toBlock);
}

export interface BankRow {
  readonly code: string;
  readonly name: string;
  readonly balance: bigint;
}

export async function listBanks(ex: Executor): Promise<BankRow[]> {
  const rows = await ex.selectFrom('banks').select(['code', 'name', 'balance_paise']).orderBy('position').execute();
  return rows.map((r) => ({ code: r.code, name: r.name, balance: BigInt(r.balance_paise) }));
}

/** The conservation invariant's four sums, read in one statement (one snapshot). */
export interface LedgerTotals {
  readonly users: bigint;
  readonly held: bigint;
  readonly banks: bigint;
  readonly initial: bigint;
}

export async function ledgerTotals(ex: Executor): Promise<LedgerTotals> {
  const r = await sql<{ users: bigint | null; held: bigint | null; banks: bigint | null; initial: bigint | null }>`
    SELECT (SELECT sum(balance_paise) FROM users)::bigint AS users,
           (SELECT sum(amount_paise + fee_total_paise) FROM transactions WHERE status = 'pending')::bigint AS held,
           (SELECT sum(balance_paise) FROM banks)::bigint AS banks,
           (SELECT sum(initial_balance_paise) FROM users)::bigint AS initial`.execute(ex);
  const row = r.rows[0]!;
  return {
    users: BigInt(row.users ?? 0n),
    held: BigInt(row.held ?? 0n),
    banks: BigInt(row.banks ?? 0n),
    initial: BigInt(row.initial ?? 0n),
  };
}
