/**
 * 006: the hot paths, cheaper on the embedded store (whose every statement
 * and every row costs several times what it costs a PostgreSQL server).
 * - idx_pay_many, when every payment of a batch is accepted (the usual
 *   case: every receiver exists, each sender's balance covers all its
 *   payments in the batch, no Idempotency-Key taken or repeated), writes the
 *   batch set-wise: one debit per sender, one INSERT of the payments (their
 *   seq in arrival order), the audit records hashed in a loop and inserted
 *   with one statement, one move of the audit head. The rows are exactly
 *   those of n calls of idx_pay. Otherwise it decides each payment alone,
 *   in order, as 004 did.
 * A seal in two statements, independent of the backlog:
 * - idx_seal_view reads, in one statement (one snapshot), all the banks need
 *   to validate a block: the tip, whether the miner is a user, the hash of a
 *   block already sealed at that height, and the block's payments by key.
 * - idx_seal_write moves the tip FIRST, from exactly the tip the block was
 *   validated against (height and hash); every other state a verdict read
 *   (the payments still pending) is checked again; either failing raises
 *   SQLSTATE IX001 before anything is written ("the ledger moved"), and the
 *   caller validates again under locks. So a seal needs no explicit
 *   transaction: the write is one statement, atomic by itself.
 * - 005 confirmed the block's payments through a join with unnest(p_tx_ids),
 *   which a planner without fresh statistics (the embedded store has no
 *   autovacuum) ran as a hash join over EVERY pending payment, so a seal grew
 *   with the backlog. They are now found by primary key (tx_id = ANY), their
 *   position by array_position; a repeated id updates one row and fails the
 *   count check.
 * These three run with planner settings of their own: no sequential scan
 * (and no sort in idx_seal_write, whose pending payments come in seq order
 * from their partial index). Every row they touch is found by a key, and
 * the embedded store's planner, without fresh statistics, would otherwise
 * scan whole tables it believes small.
 * Everything else is as in 004 and 005.
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
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
    BEGIN
      -- The tip first: a block validated against a tip that has moved since stops here (IX001), before any write.
      UPDATE chain_state SET height = p_height, hash = p_hash, timestamp_ms = p_timestamp_ms
       WHERE id = 1 AND height = p_height - 1 AND hash = p_prev_hash;
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
      IF p_next IS NOT NULL THEN
        RETURN QUERY SELECT * FROM transactions WHERE status = 'pending' ORDER BY seq LIMIT p_next;
      END IF;
    END
    $$;

    CREATE FUNCTION idx_seal_view(p_miner text, p_tx_ids text[], p_height bigint)
    RETURNS TABLE (v_tip_height bigint, v_tip_hash text, v_tip_timestamp_ms bigint, v_miner_known boolean,
                   v_sealed_hash text, v_tx_id text, v_sender_idx text, v_receiver_idx text, v_amount_paise bigint,
                   v_fee_total_paise bigint, v_fee_miner_paise bigint, v_fee_banks_paise bigint, v_status text)
    LANGUAGE plpgsql STABLE SET enable_seqscan = off AS $$
    BEGIN
      RETURN QUERY
        SELECT c.height, c.hash, c.timestamp_ms,
               EXISTS (SELECT 1 FROM users u WHERE u.user_idx = p_miner),
               (SELECT b.hash FROM blocks b WHERE b.height = p_height AND p_height <= c.height),
               t.tx_id, t.sender_idx, t.receiver_idx, t.amount_paise, t.fee_total_paise, t.fee_miner_paise,
               t.fee_banks_paise, t.status
          FROM chain_state c LEFT JOIN transactions t ON t.tx_id = ANY (p_tx_ids)
         WHERE c.id = 1;
    END
    $$;

    CREATE OR REPLACE FUNCTION idx_pay_many(p_tx_ids text[], p_senders text[], p_receivers text[], p_amounts bigint[],
                                            p_fee_totals bigint[], p_fee_miners bigint[], p_fee_banks bigint[], p_keys text[],
                                            p_request_hashes text[], p_ats text[], p_payloads text[])
    RETURNS TABLE (ord integer, outcome text, seq bigint, created_at timestamptz) LANGUAGE plpgsql SET enable_seqscan = off AS $$
    DECLARE
      n integer := coalesce(array_length(p_tx_ids, 1), 0);
      i integer;
      h_seq bigint;
      h_prev text;
      a_prev text[] := '{}';
      a_hash text[] := '{}';
    BEGIN
      PERFORM 1 FROM users u WHERE u.user_idx = ANY (p_senders) ORDER BY u.user_idx FOR NO KEY UPDATE;
      IF EXISTS (SELECT 1 FROM unnest(p_receivers) AS r(idx) WHERE NOT EXISTS (SELECT 1 FROM users u WHERE u.user_idx = r.idx))
         OR EXISTS (SELECT 1
                      FROM (SELECT x.s, sum(x.a + x.f) AS total FROM unnest(p_senders, p_amounts, p_fee_totals) AS x(s, a, f) GROUP BY x.s) AS d
                      LEFT JOIN users u ON u.user_idx = d.s
                     WHERE u.balance_paise IS NULL OR u.balance_paise < d.total)
         OR EXISTS (SELECT 1 FROM unnest(p_senders, p_keys) AS k(s, key) WHERE k.key IS NOT NULL GROUP BY k.s, k.key HAVING count(*) > 1)
         OR EXISTS (SELECT 1 FROM unnest(p_senders, p_keys) AS k(s, key)
                      JOIN transactions t ON t.sender_idx = k.s AND t.idempotency_key = k.key)
      THEN
        -- A payment of the batch is refused or races for its key: each is decided alone, in order, as idx_pay decides.
        FOR i IN 1 .. n LOOP
          ord := i;
          SELECT f.outcome, f.seq, f.created_at INTO outcome, seq, created_at
            FROM idx_pay(p_tx_ids[i], p_senders[i], p_receivers[i], p_amounts[i], p_fee_totals[i], p_fee_miners[i],
                         p_fee_banks[i], p_keys[i], p_request_hashes[i], p_ats[i], p_payloads[i]) AS f;
          RETURN NEXT;
        END LOOP;
        RETURN;
      END IF;
      -- Every payment of the batch is accepted: the same rows as n calls of idx_pay, in a few statements.
      UPDATE users AS u SET balance_paise = u.balance_paise - d.total
        FROM (SELECT x.s, sum(x.a + x.f) AS total FROM unnest(p_senders, p_amounts, p_fee_totals) AS x(s, a, f) GROUP BY x.s) AS d
       WHERE u.user_idx = d.s;
      SELECT h.seq, h.hash INTO h_seq, h_prev FROM audit_head h WHERE h.id = 1 FOR UPDATE;
      FOR i IN 1 .. n LOOP
        a_prev[i] := h_prev;
        h_prev := encode(sha256(convert_to(
          h_prev || E'\\n' || (h_seq + i)::text || E'\\n' || p_ats[i] || E'\\n' || p_senders[i] || E'\\n' || coalesce(p_receivers[i], '') || E'\\n' ||
          'payment.accepted' || E'\\n' || p_payloads[i], 'UTF8')), 'hex');
        a_hash[i] := h_prev;
      END LOOP;
      INSERT INTO audit_log (seq, at, actor, related, action, payload, prev_hash, hash)
        SELECT h_seq + x.i, x.at::timestamptz, x.actor, x.related, 'payment.accepted', x.payload, x.prev, x.hash
          FROM unnest(p_ats, p_senders, p_receivers, p_payloads, a_prev, a_hash) WITH ORDINALITY AS x(at, actor, related, payload, prev, hash, i);
      UPDATE audit_head SET seq = h_seq + n, hash = h_prev WHERE id = 1;
      RETURN QUERY
        WITH ins AS (
          INSERT INTO transactions AS t (tx_id, sender_idx, receiver_idx, amount_paise, fee_total_paise, fee_miner_paise,
                                         fee_banks_paise, status, idempotency_key, request_hash)
            SELECT x.tx_id, x.s, x.r, x.a, x.ft, x.fm, x.fb, 'pending', x.k, x.rh
              FROM unnest(p_tx_ids, p_senders, p_receivers, p_amounts, p_fee_totals, p_fee_miners, p_fee_banks, p_keys, p_request_hashes)
                   WITH ORDINALITY AS x(tx_id, s, r, a, ft, fm, fb, k, rh, i)
             ORDER BY x.i
            RETURNING t.tx_id, t.seq, t.created_at)
        SELECT x.i::integer, 'ok'::text, ins.seq, ins.created_at
          FROM unnest(p_tx_ids) WITH ORDINALITY AS x(tx_id, i) JOIN ins ON ins.tx_id = x.tx_id
         ORDER BY x.i;
    END
    $$;
  `.execute(db);
}
