/**
 * 003: the hot paths as PL/pgSQL functions, so their statements are planned
 * once per connection instead of once per call: appending an audit record,
 * and taking a payment's hold. Same rules as before; one round trip each.
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE FUNCTION idx_audit_append(p_actor text, p_related text, p_action text, p_payload text, p_at text)
    RETURNS bigint LANGUAGE plpgsql AS $$
    DECLARE
      h_seq bigint;
      h_prev text;
      h_hash text;
    BEGIN
      SELECT seq + 1, hash INTO h_seq, h_prev FROM audit_head WHERE id = 1 FOR UPDATE;
      h_hash := encode(sha256(convert_to(
        h_prev || E'\\n' || h_seq::text || E'\\n' || p_at || E'\\n' || p_actor || E'\\n' || coalesce(p_related, '') || E'\\n' ||
        p_action || E'\\n' || p_payload, 'UTF8')), 'hex');
      INSERT INTO audit_log (seq, at, actor, related, action, payload, prev_hash, hash)
        VALUES (h_seq, p_at::timestamptz, p_actor, p_related, p_action, p_payload, h_prev, h_hash);
      UPDATE audit_head SET seq = h_seq, hash = h_hash WHERE id = 1;
      RETURN h_seq;
    END
    $$;

    CREATE FUNCTION idx_pay(p_tx_id text, p_sender text, p_receiver text, p_amount bigint, p_fee_total bigint,
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
  `.execute(db);
}
