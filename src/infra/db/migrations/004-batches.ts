/**
 * 004: group commit. idx_pay_many takes the holds of many payments in one
 * call and one transaction, each exactly as idx_pay takes one (its own
 * outcome, in arrival order). Every sender is locked first, in user_idx
 * order: a seal locks the users it credits in the same order, so two
 * transactions that touch several users never wait on each other in a cycle.
 * The lock is NO KEY UPDATE, as an UPDATE of a balance takes: it does not
 * conflict with the KEY SHARE lock that inserting a payment takes on its
 * receiver (the foreign key).
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE FUNCTION idx_pay_many(p_tx_ids text[], p_senders text[], p_receivers text[], p_amounts bigint[],
                                 p_fee_totals bigint[], p_fee_miners bigint[], p_fee_banks bigint[], p_keys text[],
                                 p_request_hashes text[], p_ats text[], p_payloads text[])
    RETURNS TABLE (ord integer, outcome text, seq bigint, created_at timestamptz) LANGUAGE plpgsql AS $$
    DECLARE
      i integer;
    BEGIN
      PERFORM 1 FROM users u WHERE u.user_idx = ANY (p_senders) ORDER BY u.user_idx FOR NO KEY UPDATE;
      FOR i IN 1 .. coalesce(array_length(p_tx_ids, 1), 0) LOOP
        ord := i;
        SELECT f.outcome, f.seq, f.created_at INTO outcome, seq, created_at
          FROM idx_pay(p_tx_ids[i], p_senders[i], p_receivers[i], p_amounts[i], p_fee_totals[i], p_fee_miners[i],
                       p_fee_banks[i], p_keys[i], p_request_hashes[i], p_ats[i], p_payloads[i]) AS f;
        RETURN NEXT;
      END LOOP;
    END
    $$;
  `.execute(db);
}
