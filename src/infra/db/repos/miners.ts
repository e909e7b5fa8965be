/** The seed's miner_statistics table. Money there is NUMERIC(15,2) rupees. */
import { sql } from 'kysely';
import type { Executor } from '../database.ts';
import { LOST_WITH_DEFERRED, raceJoin, raceLeave } from './race.ts';

export interface MinerStatsRow {
  readonly userIdx: string;
  readonly totalBlocksMined: number;
  readonly totalFeesEarned: string; // NUMERIC text, e.g. "50.00"
  readonly avgMiningTimeSeconds: string | null;
  readonly hashRatePerSecond: string | null;
  readonly blocksWon: number;
  readonly blocksLost: number;
  readonly isActive: boolean;
  readonly lastMinedAt: Date | null;
  readonly startedMiningAt: Date | null;
}

/** The columns read, money as NUMERIC text, blocks_lost with the deferred losses. */
const SELECTED = sql`m.user_idx, m.total_blocks_mined, m.total_fees_earned::text AS total_fees_earned,
  m.avg_mining_time_seconds::text AS avg_mining_time_seconds, m.hash_rate_per_second::text AS hash_rate_per_second,
  m.blocks_won, ${LOST_WITH_DEFERRED} AS blocks_lost, m.is_active, m.last_mined_at, m.started_mining_at`;

type Raw = {
  user_idx: string;
  total_blocks_mined: number | null;
  total_fees_earned: string | null;
  avg_mining_time_seconds: string | null;
  hash_rate_per_second: string | null;
  blocks_won: number | null;
  blocks_lost: number | null;
  is_active: boolean | null;
  last_mined_at: Date | null;
  started_mining_at: Date | null;
};

function toStats(r: Raw): MinerStatsRow {
  return {
    userIdx: r.user_idx,
    totalBlocksMined: r.total_blocks_mined ?? 0,
    totalFeesEarned: r.total_fees_earned ?? '0.00',
    avgMiningTimeSeconds: r.avg_mining_time_seconds,
    hashRatePerSecond: r.hash_rate_per_second,
    blocksWon: r.blocks_won ?? 0,
    blocksLost: r.blocks_lost ?? 0,
    isActive: r.is_active ?? false,
    lastMinedAt: r.last_mined_at,
    startedMiningAt: r.started_mining_at,
  };
}

/** A miner's statistics, its deferred losses (migration 007) counted in blocks_lost. */
export async function findStats(ex: Executor, userIdx: string): Promise<MinerStatsRow | null> {
  const r = await sql<Raw>`
    SELECT ${SELECTED} FROM miner_statistics AS m LEFT JOIN race_marks AS r ON r.user_idx = m.user_idx
     WHERE m.user_idx = ${userIdx}`.execute(ex);
  return r.rows[0] ? toStats(r.rows[0]) : null;
}

/** Marks a miner active (creating its row on first start) and enters it in the race (its mark). */
export async function activateMiner(ex: Executor, userIdx: string): Promise<void> {
  await sql`
    INSERT INTO miner_statistics (user_idx, is_active, started_mining_at)
    VALUES (${userIdx}, TRUE, (now() AT TIME ZONE 'UTC'))
    ON CONFLICT (user_idx) DO UPDATE SET is_active = TRUE, started_mining_at = (now() AT TIME ZONE 'UTC')`.execute(ex);
  await raceJoin(ex, userIdx);
}

/** Marks a miner inactive; its deferred losses are written into blocks_lost and its mark deleted. */
export async function deactivateMiner(ex: Executor, userIdx: string, hashRate: string | null): Promise<void> {
  await raceLeave(ex, userIdx);
  await ex
    .updateTable('miner_statistics')
    .set(hashRate === null ? { is_active: false } : { is_active: false, hash_rate_per_second: hashRate })
    .where('user_idx', '=', userIdx)
    .execute();
}

export async function activeMiners(ex: Executor): Promise<string[]> {
  const rows = await ex.selectFrom('miner_statistics').select('user_idx').where('is_active', '=', true).orderBy('id').execute();
  return rows.map((r) => r.user_idx);
}

/** Saves measured rates, `chunk` rows per statement (a pool of 10,000 does not hold the store for one long update). */
export async function saveHashRates(ex: Executor, rates: ReadonlyMap<string, string>, chunk = 256): Promise<void> {
  const all = [...rates];
  for (let i = 0; i < all.length; i += chunk) {
    const part = all.slice(i, i + chunk);
    await sql`
      UPDATE miner_statistics AS m SET hash_rate_per_second = r.rate
        FROM unnest(${part.map(([u]) => u)}::text[], ${part.map(([, r]) => r)}::numeric[]) AS r(user_idx, rate)
       WHERE m.user_idx = r.user_idx`.execute(ex);
  }
}

export type LeaderboardSort = 'blocks' | 'fees';

export async function leaderboard(ex: Executor, sort: LeaderboardSort, limit: number): Promise<{ rows: MinerStatsRow[]; total: number }> {
  const order =
    sort === 'fees'
      ? sql`m.total_fees_earned DESC NULLS LAST, m.total_blocks_mined DESC NULLS LAST, m.id`
      : sql`m.total_blocks_mined DESC NULLS LAST, m.total_fees_earned DESC NULLS LAST, m.id`;
  const rows = await sql<Raw>`
    SELECT ${SELECTED} FROM (SELECT * FROM miner_statistics AS m ORDER BY ${order} LIMIT ${limit}) AS m
      LEFT JOIN race_marks AS r ON r.user_idx = m.user_idx
     ORDER BY ${order}`.execute(ex);
  const total = await sql<{ n: bigint }>`SELECT count(*)::bigint AS n FROM miner_statistics`.execute(ex);
  return { rows: rows.rows.map(toStats), total: Number(total.rows[0]!.n) };
}
