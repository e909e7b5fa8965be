/** 001: the ledger — banks, users, payments, blocks, verdicts, chain tip, and the seed's miner_statistics. */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE banks (
      code TEXT PRIMARY KEY,
      name TEXT NOT NULL,
      position INTEGER NOT NULL UNIQUE CHECK (position BETWEEN 0 AND 5),
      balance_paise BIGINT NOT NULL DEFAULT 0 CHECK (balance_paise >= 0)
    );
    INSERT INTO banks (code, name, position) VALUES
      ('SBI', 'State Bank of India', 0),
      ('HDFC', 'HDFC Bank', 1),
      ('ICICI', 'ICICI Bank', 2),
      ('AXIS', 'Axis Bank', 3),
      ('KOTAK', 'Kotak Mahindra Bank', 4),
      ('PNB', 'Punjab National Bank', 5);

    CREATE TABLE users (
      user_idx TEXT PRIMARY KEY CHECK (user_idx ~ '^IDX_[0-9a-f]{32}$'),
      pan_card TEXT NOT NULL UNIQUE CHECK (pan_card ~ '^[A-Z]{5}[0-9]{4}[A-Z]$'),
      rbi_hash TEXT NOT NULL,
      full_name TEXT NOT NULL CHECK (length(full_name) BETWEEN 1 AND 200),
      balance_paise BIGINT NOT NULL CHECK (balance_paise >= 0),
      initial_balance_paise BIGINT NOT NULL CHECK (initial_balance_paise > 0),
      created_at TIMESTAMPTZ NOT NULL DEFAULT now()
    );

    CREATE TABLE chain_state (
      id INTEGER PRIMARY KEY CHECK (id = 1),
      height BIGINT NOT NULL CHECK (height >= 0),
      hash TEXT NOT NULL,
      timestamp_ms BIGINT NOT NULL
    );
    INSERT INTO chain_state (id, height, hash, timestamp_ms)
      VALUES (1, 0, repeat('0', 64), 0);

    CREATE TABLE blocks (
      height BIGINT PRIMARY KEY CHECK (height >= 1),
      hash TEXT NOT NULL UNIQUE CHECK (hash ~ '^[0-9a-f]{64}$'),
      prev_hash TEXT NOT NULL UNIQUE,
      merkle_root TEXT NOT NULL,
      timestamp_ms BIGINT NOT NULL,
      difficulty INTEGER NOT NULL CHECK (difficulty BETWEEN 0 AND 64),
      nonce BIGINT NOT NULL CHECK (nonce BETWEEN 0 AND 4294967295),
      miner_idx TEXT NOT NULL,
      header_hex TEXT NOT NULL,
      tx_count INTEGER NOT NULL CHECK (tx_count > 0),
      fee_miner_paise BIGINT NOT NULL CHECK (fee_miner_paise >= 0),
      fee_banks_paise BIGINT NOT NULL CHECK (fee_banks_paise >= 0),
      approvals INTEGER NOT NULL CHECK (approvals BETWEEN 4 AND 6),
      mining_time_ms BIGINT,
      sealed_at TIMESTAMPTZ NOT NULL DEFAULT now()
    );

    CREATE TABLE block_verdicts (
      height BIGINT NOT NULL REFERENCES blocks (height),
      bank_code TEXT NOT NULL REFERENCES banks (code),
      approved BOOLEAN NOT NULL,
      reason TEXT,
      message TEXT,
      credit_paise BIGINT NOT NULL DEFAULT 0 CHECK (credit_paise >= 0),
      PRIMARY KEY (height, bank_code),
      CHECK (approved = (reason IS NULL))
    );

    CREATE TABLE transactions (
      seq BIGSERIAL NOT NULL UNIQUE,
      tx_id TEXT PRIMARY KEY CHECK (tx_id ~ '^TX_[0-9a-f]{32}$'),
      sender_idx TEXT NOT NULL REFERENCES users (user_idx),
      receiver_idx TEXT NOT NULL REFERENCES users (user_idx),
      amount_paise BIGINT NOT NULL CHECK (amount_paise > 0),
      fee_total_paise BIGINT NOT NULL CHECK (fee_total_paise >= 0),
      fee_miner_paise BIGINT NOT NULL CHECK (fee_miner_paise >= 0),
      fee_banks_paise BIGINT NOT NULL CHECK (fee_banks_paise >= 0),
      status TEXT NOT NULL CHECK (status IN ('pending', 'confirmed')),
      block_height BIGINT REFERENCES blocks (height),
      block_position INTEGER CHECK (block_position >= 0),
      idempotency_key TEXT,
      request_hash TEXT,
      created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
      confirmed_at TIMESTAMPTZ,
      CHECK (sender_idx <> receiver_idx),
      CHECK (fee_total_paise = fee_miner_paise + fee_banks_paise),
      CHECK ((status = 'pending') = (block_height IS NULL)),
      CHECK ((block_height IS NULL) = (block_position IS NULL)),
      UNIQUE (block_height, block_position),
      CHECK ((idempotency_key IS NULL) = (request_hash IS NULL)),
      UNIQUE (sender_idx, idempotency_key)
    );
    CREATE INDEX transactions_pending_seq ON transactions (seq) WHERE status = 'pending';
    CREATE INDEX transactions_sender_seq ON transactions (sender_idx, seq);
    CREATE INDEX transactions_receiver_seq ON transactions (receiver_idx, seq);
    CREATE INDEX transactions_block ON transactions (block_height);

    CREATE TABLE miner_statistics (
      id SERIAL PRIMARY KEY,
      user_idx VARCHAR(255) UNIQUE NOT NULL REFERENCES users (user_idx),

      total_blocks_mined INTEGER DEFAULT 0,
      total_fees_earned NUMERIC(15, 2) DEFAULT 0.00,

      avg_mining_time_seconds NUMERIC(10, 2),
      hash_rate_per_second NUMERIC(15, 2),

      blocks_won INTEGER DEFAULT 0,
      blocks_lost INTEGER DEFAULT 0,

      is_active BOOLEAN DEFAULT TRUE,
      last_mined_at TIMESTAMP,
      started_mining_at TIMESTAMP DEFAULT NOW()
    );
  `.execute(db);
}
