/**
 * A large pool's deferred losses (migration 007): race_counter counts the
 * blocks whose losses are deferred, race_marks holds each miner's mark; a
 * miner's losses not yet in blocks_lost are counter - mark.
 */
import { sql } from 'kysely';
import type { Executor } from '../database.ts';

/** Who loses a deferred block: every miner with a mark except the winner and `absent`; `departed` raced and left (+1 each unless a mark still counts it). */
export interface DeferredRace {
  readonly winner: string;
  readonly absent: readonly string[];
  readonly departed: readonly string[];
}

/** blocks_lost of `m` (a miner_statistics row) with `r` (its race_marks row, joined LEFT) counted in. */
export const LOST_WITH_DEFERRED = sql`(COALESCE(m.blocks_lost, 0) + COALESCE((SELECT c.blocks FROM race_counter AS c WHERE c.id = 1) - r.mark, 0))::integer`;

/** Locks the race counter until the transaction ends (taken before the chain tip). */
export async function lockRace(ex: Executor): Promise<void> {
  await sql`SELECT 1 FROM race_counter WHERE id = 1 FOR UPDATE`.execute(ex);
}

export async function raceJoin(ex: Executor, userIdx: string): Promise<void> {
  await sql`SELECT idx_race_join(${userIdx}::text)`.execute(ex);
}

export async function raceLeave(ex: Executor, userIdx: string): Promise<void> {
  await sql`SELECT idx_race_leave(${userIdx}::text)`.execute(ex);
}

export async function raceSealed(ex: Executor, race: DeferredRace): Promise<void> {
  await sql`SELECT idx_race_sealed(${race.winner}::text, ${[...race.absent]}::text[], ${[...race.departed]}::text[])`.execute(ex);
}

/** Folds the deferred losses of at most `limit` miners after `after` into blocks_lost; the last user_idx looked at, null at the end. */
export async function raceFold(ex: Executor, after: string, limit: number): Promise<string | null> {
  const r = await sql<{ last: string | null }>`SELECT idx_race_fold(${after}::text, ${limit}::integer) AS last`.execute(ex);
  return r.rows[0]?.last ?? null;
}

/** Deferred losses not yet in blocks_lost, over every miner (0 when none). */
export async function racePending(ex: Executor): Promise<number> {
  const r = await sql<{ n: string }>`
    SELECT COALESCE(sum(c.blocks - r.mark), 0)::text AS n FROM race_marks AS r, race_counter AS c WHERE c.id = 1`.execute(ex);
  return Number(r.rows[0]?.n ?? 0);
}
