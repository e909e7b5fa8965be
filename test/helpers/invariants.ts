/**
 * The ledger's invariants, read in one consistent query: conservation to the
 * paisa (balances + held + bank balances = initial balances), no negative
 * balance, every confirmed payment's fee credited once and in exactly one
 * block, bank balances = their credits, each miner's fees = total_fees_earned.
 */
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import type { Executor } from '../../src/infra/db/database.ts';

export async function invariants(db: Executor): Promise<void> {
  const r = await sql<Record<string, bigint | null>>`
    SELECT (SELECT sum(balance_paise) FROM users)::bigint AS users,
           (SELECT sum(amount_paise + fee_total_paise) FROM transactions WHERE status = 'pending')::bigint AS held,
           (SELECT sum(balance_paise) FROM banks)::bigint AS banks,
           (SELECT sum(initial_balance_paise) FROM users)::bigint AS initial,
           (SELECT count(*) FROM users WHERE balance_paise < 0)::bigint AS negative,
           (SELECT coalesce(sum(fee_miner_paise + fee_banks_paise), 0) FROM blocks)::bigint AS block_fees,
           (SELECT coalesce(sum(fee_total_paise), 0) FROM transactions WHERE status = 'confirmed')::bigint AS confirmed_fees,
           (SELECT coalesce(sum(credit_paise), 0) FROM block_verdicts)::bigint AS bank_credits,
           (SELECT coalesce(sum(tx_count), 0) FROM blocks)::bigint AS block_txs,
           (SELECT count(*) FROM transactions WHERE status = 'confirmed')::bigint AS confirmed`.execute(db);
  const x = r.rows[0]!;
  const n = (k: string) => BigInt(x[k] ?? 0n);
  assert.equal(n('users') + n('held') + n('banks'), n('initial'), 'conservation');
  assert.equal(n('negative'), 0n, 'no negative balance');
  assert.equal(n('block_fees'), n('confirmed_fees'), "every confirmed payment's fee credited exactly once");
  assert.equal(n('banks'), n('bank_credits'), 'bank balances are the sum of their credits');
  assert.equal(n('block_txs'), n('confirmed'), 'every confirmed payment is in exactly one block');
  const miners = await sql<{ user_idx: string; fees: string; earned: string }>`
    SELECT m.user_idx, (SELECT coalesce(sum(fee_miner_paise), 0) FROM blocks b WHERE b.miner_idx = m.user_idx)::text AS fees,
           (m.total_fees_earned * 100)::bigint::text AS earned
      FROM miner_statistics m`.execute(db);
  for (const m of miners.rows) assert.equal(m.fees, m.earned, `miner ${m.user_idx}: fees credited = total_fees_earned`);
}
