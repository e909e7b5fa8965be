/** Row types of the tables, as Kysely sees them. Money columns are BIGINT paise, except the seed's miner_statistics. */
import type { ColumnType, Generated } from 'kysely';

type Big = ColumnType<bigint, bigint | number | string, bigint | number | string>;
type Stamp = ColumnType<Date, Date | string | undefined, Date | string>;

export interface BanksTable {
  code: string;
  name: string;
  position: number;
  balance_paise: Big;
}

export interface UsersTable {
  user_idx: string;
  pan_card: string;
  rbi_hash: string;
  full_name: string;
  balance_paise: Big;
  initial_balance_paise: Big;
  created_at: Stamp;
}

export interface TransactionsTable {
  seq: Generated<bigint>;
  tx_id: string;
  sender_idx: string;
  receiver_idx: string;
  amount_paise: Big;
  fee_total_paise: Big;
  fee_miner_paise: Big;
  fee_banks_paise: Big;
  status: 'pending' | 'confirmed';
  block_height: Big | null;
  block_position: number | null;
  idempotency_key: string | null;
  request_hash: string | null;
  created_at: Stamp;
  confirmed_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
}

export interface BlocksTable {
  height: Big;
  hash: string;
  prev_hash: string;
  merkle_root: string;
  timestamp_ms: Big;
  difficulty: number;
  nonce: Big;
  miner_idx: string;
  header_hex: string;
  tx_count: number;
  fee_miner_paise: Big;
  fee_banks_paise: Big;
  approvals: number;
  mining_time_ms: Big | null;
  sealed_at: Stamp;
}

export interface BlockVerdictsTable {
  height: Big;
  bank_code: string;
  approved: boolean;
  reason: string | null;
  message: string | null;
  credit_paise: Big;
}

export interface ChainStateTable {
  id: number;
  height: Big;
  hash: string;
  timestamp_ms: Big;
  /** No payment with a lower seq is pending (migration 008). */
  pending_floor: Generated<Big>;
}

/** Exactly the seed's table (user-mining-system.md, "Database Schema"). */
export interface MinerStatisticsTable {
  id: Generated<number>;
  user_idx: string;
  total_blocks_mined: ColumnType<number, number | undefined, number>;
  total_fees_earned: ColumnType<string, string | undefined, string>;
  avg_mining_time_seconds: string | null;
  hash_rate_per_second: string | null;
  blocks_won: ColumnType<number, number | undefined, number>;
  blocks_lost: ColumnType<number, number | undefined, number>;
  is_active: ColumnType<boolean, boolean | undefined, boolean>;
  last_mined_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  started_mining_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
}

export interface AuditLogTable {
  seq: Big;
  at: Stamp;
  actor: string;
  related: string | null;
  action: string;
  payload: string;
  prev_hash: string;
  hash: string;
}

export interface AuditHeadTable {
  id: number;
  seq: Big;
  hash: string;
}

export interface Schema {
  audit_log: AuditLogTable;
  audit_head: AuditHeadTable;
  banks: BanksTable;
  users: UsersTable;
  transactions: TransactionsTable;
  blocks: BlocksTable;
  block_verdicts: BlockVerdictsTable;
  chain_state: ChainStateTable;
  miner_statistics: MinerStatisticsTable;
}
