/**
 * 005: a seal's writes in one call. idx_seal_write inserts the block and the
 * banks' verdicts, confirms the block's payments in order (all of them or an
 * error), credits the receivers and the miner (locked in user_idx order, as
 * idx_pay_many locks senders) and the banks, moves the tip from the height
 * below (or an error), records the winner's and the losers' statistics,
 * appends the audit record, and returns the oldest pending payments that
 * remain (the next round's template; none when p_next is NULL). The caller
 * validated the block first (the six banks' consensus, in TypeScript).
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    DROP INDEX transactions_block; -- the UNIQUE (block_height, block_position) index serves the same lookups

    CREATE FUNCTION idx_seal_write(
      p_height bigint, p_hash text, p_prev_hash text, p_merkle_root text, p_timestamp_ms bigint, p_difficulty integer,
      p_nonce bigint, p_miner text, p_header_hex text, p_fee_miner bigint, p_fee_banks bigint, p_approvals integer,
      p_mining_time_ms bigint,
      p_v_banks text[], p_v_approved boolean[], p_v_reasons text[], p_v_messages text[], p_v_credits bigint[],
      p_tx_ids text[], p_credit_users text[], p_credit_amounts bigint[], p_bank_codes text[], p_bank_amounts bigint[],
      p_win_fee numeric, p_win_seconds numeric, p_losers text[],
      p_audit_actor text, p_audit_payload text, p_audit_at text, p_next integer)
    RETURNS SETOF transactions LANGUAGE plpgsql AS $$
    DECLARE
      n bigint;
    BEGIN
      INSERT INTO blocks (height, hash, prev_hash, merkle_root, timestamp_ms, difficulty, nonce, miner_idx, header_hex,
                          tx_count, fee_miner_paise, fee_banks_paise, approvals, mining_time_ms)
        VALUES (p_height, p_hash, p_prev_hash, p_merkle_root, p_timestamp_ms, p_difficulty, p_nonce, p_miner, p_header_hex,
                coalesce(array_length(p_tx_ids, 1), 0), p_fee_miner, p_fee_banks, p_approvals, p_mining_time_ms);
      INSERT INTO block_verdicts (height, bank_code, approved, reason, message, credit_paise)
        SELECT p_height, v.bank, v.approved, v.reason, v.message, v.credit
          FROM unnest(p_v_banks, p_v_approved, p_v_reasons, p_v_messages, p_v_credits) AS v(bank, approved, reason, message, credit);
      UPDATE transactions AS t
         SET status = 'confirmed', block_height = p_height, block_position = c.ord - 1, confirmed_at = now()
        FROM unnest(p_tx_ids) WITH ORDINALITY AS c(tx_id, ord)
       WHERE t.tx_id = c.tx_id AND t.status = 'pending';
      GET DIAGNOSTICS n = ROW_COUNT;
      IF n <> coalesce(array_length(p_tx_ids, 1), 0) THEN
        RAISE EXCEPTION 'a payment of the block was no longer pending';
      END IF;
      PERFORM 1 FROM users u WHERE u.user_idx = ANY (p_credit_users) ORDER BY u.user_idx FOR NO KEY UPDATE;
      UPDATE users AS u SET balance_paise = u.balance_paise + c.amount
        FROM unnest(p_credit_users, p_credit_amounts) AS c(user_idx, amount)
       WHERE u.user_idx = c.user_idx;
      GET DIAGNOSTICS n = ROW_COUNT;
      IF n <> coalesce(array_length(p_credit_users, 1), 0) THEN
        RAISE EXCEPTION 'credit of an unknown user';
      END IF;
      UPDATE banks AS b SET balance_paise = b.balance_paise + c.amount
        FROM unnest(p_bank_codes, p_bank_amounts) AS c(code, amount)
       WHERE b.code = c.code;
      GET DIAGNOSTICS n = ROW_COUNT;
      IF n <> coalesce(array_length(p_bank_codes, 1), 0) THEN
        RAISE EXCEPTION 'credit of an unknown bank';
      END IF;
      UPDATE chain_state SET height = p_height, hash = p_hash, timestamp_ms = p_timestamp_ms
       WHERE id = 1 AND height = p_height - 1;
      IF NOT FOUND THEN
        RAISE EXCEPTION 'the chain tip moved during a seal';
      END IF;
      IF p_win_fee IS NOT NULL THEN
        INSERT INTO miner_statistics (user_idx, total_blocks_mined, total_fees_earned, blocks_won,
                                      avg_mining_time_seconds, last_mined_at, is_active)
        VALUES (p_miner, 1, p_win_fee, 1, p_win_seconds, (now() AT TIME ZONE 'UTC'), FALSE)
        ON CONFLICT (user_idx) DO UPDATE SET
          total_blocks_mined = COALESCE(miner_statistics.total_blocks_mined, 0) + 1,
          total_fees_earned = COALESCE(miner_statistics.total_fees_earned, 0) + p_win_fee,
          avg_mining_time_seconds = round(
            (COALESCE(miner_statistics.avg_mining_time_seconds, 0) * COALESCE(miner_statistics.blocks_won, 0)
              + p_win_seconds) / (COALESCE(miner_statistics.blocks_won, 0) + 1), 2),
          blocks_won = COALESCE(miner_statistics.blocks_won, 0) + 1,
          last_mined_at = (now() AT TIME ZONE 'UTC');
      END IF;
      IF coalesce(array_length(p_losers, 1), 0) > 0 THEN
        UPDATE miner_statistics SET blocks_lost = COALESCE(blocks_lost, 0) + 1 WHERE user_idx = ANY (p_losers);
      END IF;
      PERFORM idx_audit_append(p_audit_actor, NULL, 'block.sealed', p_audit_payload, p_audit_at);
      IF p_next IS NOT NULL THEN
        RETURN QUERY SELECT * FROM transactions WHERE status = 'pending' ORDER BY seq LIMIT p_next;
      END IF;
    END
    $$;
  `.execute(db);
}
