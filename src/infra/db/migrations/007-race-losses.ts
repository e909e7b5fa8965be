/**
 * 007: a large pool's losses, counted in O(1) per block.
 * Every miner racing for a height that another wins gets blocks_lost + 1
 * (SPEC §5). Written row by row, a block raced by 10,000 miners updates
 * 10,000 rows in its seal (about 150 ms on the embedded store, which then
 * seals about 7 blocks a second and queues every read behind them). So for a
 * pool of more than a few hundred miners the losses are deferred, exactly:
 * - race_counter counts the blocks whose losses are deferred;
 * - race_marks holds one row per miner in the pool (written when it joins,
 *   deleted when it leaves): the counter's value up to which its losses are
 *   already in blocks_lost.
 * A miner's losses not yet written are counter - mark: a deferred seal adds 1
 * to the counter and to the marks of the miners that did not lose it (the
 * winner, and any that were not racing), and +1 to blocks_lost directly for
 * miners that raced but have left since. Reads of the API add counter - mark;
 * idx_race_fold moves them into blocks_lost a bounded number of rows at a
 * time (in the background), and a miner's leave moves its own. Smaller pools
 * keep writing each loss in the seal (005).
 * Lock order, everywhere: race_counter, then the chain tip, then rows.
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE race_counter (
      id SMALLINT PRIMARY KEY CHECK (id = 1),
      blocks BIGINT NOT NULL DEFAULT 0 CHECK (blocks >= 0)
    );
    INSERT INTO race_counter (id, blocks) VALUES (1, 0);

    CREATE TABLE race_marks (
      user_idx VARCHAR(255) PRIMARY KEY REFERENCES miner_statistics (user_idx) ON DELETE CASCADE,
      mark BIGINT NOT NULL CHECK (mark >= 0)
    );
    INSERT INTO race_marks (user_idx, mark) SELECT user_idx, 0 FROM miner_statistics WHERE is_active;

    -- A miner enters the race: its losses from now on are deferred (an existing mark is kept).
    CREATE FUNCTION idx_race_join(p_user text) RETURNS void LANGUAGE plpgsql AS $$
    DECLARE c bigint;
    BEGIN
      SELECT blocks INTO c FROM race_counter WHERE id = 1 FOR UPDATE;
      INSERT INTO race_marks (user_idx, mark) VALUES (p_user, c) ON CONFLICT (user_idx) DO NOTHING;
    END
    $$;

    -- A miner leaves the race: its deferred losses are written, its mark deleted.
    CREATE FUNCTION idx_race_leave(p_user text) RETURNS void LANGUAGE plpgsql AS $$
    DECLARE c bigint; m bigint;
    BEGIN
      SELECT blocks INTO c FROM race_counter WHERE id = 1 FOR UPDATE;
      DELETE FROM race_marks WHERE user_idx = p_user RETURNING mark INTO m;
      IF m IS NOT NULL AND c > m THEN
        UPDATE miner_statistics SET blocks_lost = COALESCE(blocks_lost, 0) + (c - m) WHERE user_idx = p_user;
      END IF;
    END
    $$;

    -- A block whose losses are deferred: every miner with a mark loses it, except the winner and p_absent;
    -- p_departed raced but left since: each without a mark gets its loss now.
    CREATE FUNCTION idx_race_sealed(p_winner text, p_absent text[], p_departed text[]) RETURNS void
    LANGUAGE plpgsql SET enable_seqscan = off AS $$
    BEGIN
      UPDATE race_counter SET blocks = blocks + 1 WHERE id = 1;
      UPDATE race_marks SET mark = mark + 1 WHERE user_idx = p_winner OR user_idx = ANY (p_absent);
      IF coalesce(array_length(p_departed, 1), 0) > 0 THEN
        UPDATE miner_statistics AS s SET blocks_lost = COALESCE(s.blocks_lost, 0) + 1
         WHERE s.user_idx = ANY (p_departed) AND s.user_idx <> p_winner
           AND NOT EXISTS (SELECT 1 FROM race_marks r WHERE r.user_idx = s.user_idx);
      END IF;
    END
    $$;

    -- Writes the deferred losses of at most p_limit miners after p_after (in user_idx order) into blocks_lost.
    -- Returns the last user_idx looked at (NULL when none is left after p_after).
    CREATE FUNCTION idx_race_fold(p_after text, p_limit integer) RETURNS text
    LANGUAGE plpgsql SET enable_seqscan = off AS $$
    DECLARE c bigint; last text;
    BEGIN
      SELECT blocks INTO c FROM race_counter WHERE id = 1 FOR UPDATE;
      SELECT max(k.user_idx) INTO last
        FROM (SELECT user_idx FROM race_marks WHERE user_idx > p_after ORDER BY user_idx LIMIT p_limit) AS k;
      IF last IS NULL THEN
        RETURN NULL;
      END IF;
      WITH due AS (
        SELECT user_idx, c - mark AS d FROM race_marks
         WHERE user_idx > p_after AND user_idx <= last AND mark < c
      ), moved AS (
        UPDATE race_marks AS r SET mark = c FROM due WHERE r.user_idx = due.user_idx RETURNING due.user_idx, due.d
      )
      UPDATE miner_statistics AS s SET blocks_lost = COALESCE(s.blocks_lost, 0) + moved.d
        FROM moved WHERE s.user_idx = moved.user_idx;
      RETURN last;
    END
    $$;
  `.execute(db);
}
