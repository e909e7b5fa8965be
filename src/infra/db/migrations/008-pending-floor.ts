/**
 * 008: the pending floor. Every settled payment leaves its pending version
 * behind in the partial index transactions_pending_seq until a VACUUM, and
 * the embedded store runs none: a read of the oldest pending payments walked
 * every payment ever settled (about one index page per 370), so after an
 * hour at 1,000 payments a second each seal would read ~10,000 pages more.
 * chain_state.pending_floor is a seq below which no payment is pending; the
 * reads of the oldest pending payments start there, past the dead entries.
 * - idx_seal_write moves it after its writes: to the oldest payment still
 *   pending, or, with none, past the block's payments. It does so holding
 *   the audit head's lock (its audit record's), so no payment is between
 *   taking its seq and committing.
 * - For that, every payment takes its seq under the same lock: idx_pay_many
 *   already did; idx_pay now locks the audit head before its INSERT (it
 *   locked it after). So seqs commit in order on PostgreSQL too, and a
 *   payment committed after the floor moved has a seq above it.
 * Everything else is as in 006.
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    ALTER TABLE chain_state ADD COLUMN pending_floor BIGINT NOT NULL DEFAULT 0 CHECK (pending_floor >= 0);
    UPDATE chain_state
       SET pending_floor = coalesce((SELECT min(seq) FROM transactions WHERE status = 'pending'),
                                    (SELECT max(seq) + 1 FROM transactions), 0)
     WHERE id = 1;

    CREATE OR REPLACE FUNCTION idx_pay(p_tx_id text, p_sender text, p_receiver text, p_amount bigint, p_fee_total bigint,
                            p_fee_miner bigint, p_fee_banks bigint, p_key text, p_request_hash text,
                            p_at text, p_payload text)
    RETURNS TABLE (outcome text, seq bigint, created_at timestamptz) LANGUAGE plpgsql AS $$
    DECLARE
      v_total bigint := p_amount + p_fee_total;
      v_seq bigint;
      v_created timestamptz;
    BEGIN
      PERFORM 1 FROM users WHERE user_idx = p_receiver;
      IF NOT FOUND THEN
        RETURN QUERY SELECT 'no_receiver'::text, NULL::bigint, NULL::timestamptz;
        RETURN;
      END IF;
      UPDATE users SET balance_paise = balance_paise - v_total WHERE user_idx = p_sender AND balance_paise >= v_total;
      IF NOT FOUND THEN
        RETURN QUERY SELECT 'insufficient'::text, NULL::bigint, NULL::timestamptz;
        RETURN;
      END IF;
      -- The audit head's lock before the payment takes its seq (as idx_pay_many takes it): seqs commit in order.
      PERFORM 1 FROM audit_head WHERE id = 1 FOR UPDATE;
      INSERT INTO transactions AS t (tx_id, sender_idx, receiver_idx, amount_paise, fee_total_paise, fee_miner_paise,
                                     fee_banks_paise, status, idempotency_key, request_hash)
        VALUES (p_tx_id, p_sender, p_receiver, p_amount, p_fee_total, p_fee_miner, p_fee_banks, 'pending', p_key, p_request_hash)
        ON CONFLICT (sender_idx, idempotency_key) DO NOTHING
        RETURNING t.seq, t.created_at INTO v_seq, v_created;
      IF v_seq IS NULL THEN
        -- Another request took this idempotency key first: give the hold back.
        UPDATE users SET balance_paise = balance_paise + v_total WHERE user_idx = p_sender;
        RETURN QUERY SELECT 'key_taken'::text, NULL::bigint, NULL::timestamptz;
        RETURN;
      END IF;
      PERFORM idx_audit_append(p_sender, p_receiver, 'payment.accepted', p_payload, p_at);
      RETURN QUERY SELECT 'ok'::text, v_seq, v_created;
    END
    $$;

    CREATE OR REPLACE FUNCTION idx_seal_write(
      p_height bigint, p_hash text, p_prev_hash text, p_merkle_root text, p_timestamp_ms bigint, p_difficulty integer,
      p_nonce bigint, p_miner text, p_header_hex text, p_fee_miner bigint, p_fee_banks bigint, p_approvals integer,
      p_mining_time_ms bigint,
      p_v_banks text[], p_v_approved boolean[], p_v_reasons text[], p_v_messages text[], p_v_credits bigint[],
      p_tx_ids text[], p_credit_users text[], p_credit_amounts bigint[], p_bank_codes text[], p_bank_amounts bigint[],
      p_win_fee numeric, p_win_seconds numeric, p_losers text[],
      p_audit_actor text, p_audit_payload text, p_audit_at text, p_next integer)
    RETURNS SETOF transactions LANGUAGE plpgsql SET enable_seqscan = off SET enable_sort = off AS $$
    DECLARE
      n bigint;
      v_floor bigint;
      v_first bigint;
    BEGIN
      -- The tip first: a block validated against a tip that has moved since stops here (IX001), before any write.
      UPDATE chain_state SET height = p_height, hash = p_hash, timestamp_ms = p_timestamp_ms
       WHERE id = 1 AND height = p_height - 1 AND hash = p_prev_hash
       RETURNING pending_floor INTO v_floor;
      IF NOT FOUND THEN
        RAISE EXCEPTION 'the chain tip moved since the block was validated' USING ERRCODE = 'IX001';
      END IF;
      INSERT INTO blocks (height, hash, prev_hash, merkle_root, timestamp_ms, difficulty, nonce, miner_idx, header_hex,
                          tx_count, fee_miner_paise, fee_banks_paise, approvals, mining_time_ms)
        VALUES (p_height, p_hash, p_prev_hash, p_merkle_root, p_timestamp_ms, p_difficulty, p_nonce, p_miner, p_header_hex,
                coalesce(array_length(p_tx_ids, 1), 0), p_fee_miner, p_fee_banks, p_approvals, p_mining_time_ms);
      INSERT INTO block_verdicts (height, bank_code, approved, reason, message, credit_paise)
        SELECT p_height, v.bank, v.approved, v.reason, v.message, v.credit
          FROM unnest(p_v_banks, p_v_approved, p_v_reasons, p_v_messages, p_v_credits) AS v(bank, approved, reason, message, credit);
      UPDATE transactions AS t
         SET status = 'confirmed', block_height = p_height, block_position = array_position(p_tx_ids, t.tx_id) - 1,
             confirmed_at = now()
       WHERE t.tx_id = ANY (p_tx_ids) AND t.status = 'pending';
      GET DIAGNOSTICS n = ROW_COUNT;
      IF n <> coalesce(array_length(p_tx_ids, 1), 0) THEN
        RAISE EXCEPTION 'a payment of the block is no longer pending' USING ERRCODE = 'IX001';
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
      -- The floor moves up to the oldest payment still pending (under the audit head's lock: no payment is
      -- between taking its seq and committing); with none pending, past this block's payments.
      SELECT t.seq INTO v_first FROM transactions t WHERE t.status = 'pending' AND t.seq >= v_floor ORDER BY t.seq LIMIT 1;
      IF v_first IS NULL THEN
        SELECT max(t.seq) + 1 INTO v_first FROM transactions t WHERE t.tx_id = ANY (p_tx_ids);
      END IF;
      IF v_first > v_floor THEN
        UPDATE chain_state SET pending_floor = v_first WHERE id = 1;
        v_floor := v_first;
      END IF;
      IF p_next IS NOT NULL THEN
        RETURN QUERY SELECT * FROM transactions WHERE status = 'pending' AND seq >= v_floor ORDER BY seq LIMIT p_next;
      END IF;
    END
    $$;
  `.execute(db);
}
