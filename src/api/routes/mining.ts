/** The seed's mining API: start, stop, stats, leaderboard, pool-status — exact paths, limits and shapes. */
import { Type } from 'typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { AppDeps } from '../../app/deps.ts';
import type { RateLimits, RateWindow } from '../../infra/config.ts';
import { findStats, leaderboard, type MinerStatsRow } from '../../infra/db/repos/miners.ts';
import type { MiningPool } from '../../mining/pool/coordinator.ts';
import { requireUser, userOf } from '../plugins/auth.ts';
import { Money, UserIdx, errors } from '../schemas.ts';

export interface MiningRouteOptions {
  readonly deps: AppDeps;
  readonly pool: MiningPool;
  readonly limits: RateLimits;
  /** How old a leaderboard may be when served while the next is read (default BOARD_STALE_MS). */
  readonly boardStaleMs?: number;
}

/** blocks_won / (won + lost) x 100, two decimals; 0 with no rounds. */
export function winRate(won: number, lost: number): number {
  const rounds = won + lost;
  return rounds === 0 ? 0 : Math.round((won * 10000) / rounds) / 100;
}

function fees(s: MinerStatsRow | null): string {
  const v = Number(s?.totalFeesEarned ?? 0);
  return s ? (s.totalFeesEarned.includes('.') ? s.totalFeesEarned : v.toFixed(2)) : '0.00';
}

const limit = (w: RateWindow) => ({ rateLimit: { max: w.max, timeWindow: w.timeWindowMs } });

interface LeaderboardBody {
  success: true;
  leaderboard: Array<{ rank: number; user_idx: string; total_blocks_mined: number; total_fees_earned: string; win_rate: number; is_active: boolean }>;
  total_miners: number;
}

const FinalStats = Type.Object({
  total_blocks_mined: Type.Integer(),
  total_fees_earned: Money,
  blocks_won: Type.Integer(),
  blocks_lost: Type.Integer(),
  win_rate: Type.Number(),
});

/** How old a leaderboard may be when served while the next one is read (blocks sealed back to back). */
export const BOARD_STALE_MS = 250;

export const miningRoutes: FastifyPluginAsyncTypebox<MiningRouteOptions> = async (app, { deps, pool, limits, boardStaleMs = BOARD_STALE_MS }) => {
  /** Boards by sort and limit: `at` is when the board was last known current (its read began, or a request found no seal since). */
  const boardCache = new Map<string, { version: number; at: number; body: LeaderboardBody }>();
  const refreshing = new Set<string>();
  // A user's stored statistics change only through the pool (joins, leaves, seals): cached per pool version.
  const statsCache = new Map<string, { version: number; row: MinerStatsRow | null }>();
  const storedStats = async (userIdx: string): Promise<MinerStatsRow | null> => {
    const hit = statsCache.get(userIdx);
    if (hit && hit.version === pool.version) return hit.row;
    const version = pool.version;
    const row = await findStats(deps.db, userIdx);
    if (statsCache.size >= 10_000) statsCache.clear();
    statsCache.set(userIdx, { version, row });
    return row;
  };
  app.post(
    '/api/mining/start',
    {
      config: limit(limits.miningStart),
      preHandler: requireUser,
      schema: {
        tags: ['mining'],
        summary: 'Start mining (10 per day)',
        security: [{ bearer: [] }],
        response: {
          200: Type.Object({
            success: Type.Literal(true),
            message: Type.String(),
            miner_idx: UserIdx,
            pool_stats: Type.Object({ active_miners: Type.Integer(), total_capacity: Type.Integer() }),
          }),
          ...errors(401, 409, 429, 503),
        },
      },
    },
    async (req) => {
      const me = userOf(req);
      await pool.addMiner(me);
      const s = pool.status();
      return {
        success: true as const,
        message: 'Mining started successfully',
        miner_idx: me,
        pool_stats: { active_miners: s.activeMiners, total_capacity: s.maxCapacity },
      };
    },
  );

  app.post(
    '/api/mining/stop',
    {
      config: limit(limits.miningStop),
      preHandler: requireUser,
      schema: {
        tags: ['mining'],
        summary: 'Stop mining (50 per hour); returns final statistics',
        security: [{ bearer: [] }],
        response: {
          200: Type.Object({ success: Type.Literal(true), message: Type.String(), final_stats: FinalStats }),
          ...errors(401, 409, 429),
        },
      },
    },
    async (req) => {
      const me = userOf(req);
      await pool.removeMiner(me);
      const s = await findStats(deps.db, me);
      return {
        success: true as const,
        message: 'Mining stopped successfully',
        final_stats: {
          total_blocks_mined: s?.totalBlocksMined ?? 0,
          total_fees_earned: fees(s),
          blocks_won: s?.blocksWon ?? 0,
          blocks_lost: s?.blocksLost ?? 0,
          win_rate: winRate(s?.blocksWon ?? 0, s?.blocksLost ?? 0),
        },
      };
    },
  );

  app.get(
    '/api/mining/stats',
    {
      config: limit(limits.miningStats),
      preHandler: requireUser,
      schema: {
        tags: ['mining'],
        summary: 'Your mining statistics (1000 per hour)',
        security: [{ bearer: [] }],
        response: {
          200: Type.Object({
            success: Type.Literal(true),
            stats: Type.Object({
              user_idx: UserIdx,
              total_blocks_mined: Type.Integer(),
              total_fees_earned: Money,
              blocks_won: Type.Integer(),
              blocks_lost: Type.Integer(),
              win_rate: Type.Number(),
              avg_mining_time_seconds: Type.String(),
              hash_rate_per_second: Type.String(),
              is_active: Type.Boolean(),
              last_mined_at: Type.Union([Type.String(), Type.Null()]),
            }),
          }),
          ...errors(401, 429),
        },
      },
    },
    async (req) => {
      const me = userOf(req);
      const s = await storedStats(me);
      const active = pool.isMining(me);
      const rate = active ? pool.hashRate(me) : Number(s?.hashRatePerSecond ?? 0);
      return {
        success: true as const,
        stats: {
          user_idx: me,
          total_blocks_mined: s?.totalBlocksMined ?? 0,
          total_fees_earned: fees(s),
          blocks_won: s?.blocksWon ?? 0,
          blocks_lost: s?.blocksLost ?? 0,
          win_rate: winRate(s?.blocksWon ?? 0, s?.blocksLost ?? 0),
          avg_mining_time_seconds: Number(s?.avgMiningTimeSeconds ?? 0).toFixed(2),
          hash_rate_per_second: rate.toFixed(2),
          is_active: active,
          last_mined_at: s?.lastMinedAt ? s.lastMinedAt.toISOString() : null,
        },
      };
    },
  );

  app.get(
    '/api/mining/leaderboard',
    {
      config: limit(limits.leaderboard),
      schema: {
        tags: ['mining'],
        summary: 'Top miners (public, 1000 per hour)',
        querystring: Type.Object({
          limit: Type.Integer({ minimum: 1, maximum: 100, default: 10 }),
          sort_by: Type.Union([Type.Literal('blocks'), Type.Literal('fees')], { default: 'blocks' }),
        }),
        response: {
          200: Type.Object({
            success: Type.Literal(true),
            leaderboard: Type.Array(
              Type.Object({
                rank: Type.Integer(),
                user_idx: UserIdx,
                total_blocks_mined: Type.Integer(),
                total_fees_earned: Money,
                win_rate: Type.Number(),
                is_active: Type.Boolean(),
              }),
            ),
            total_miners: Type.Integer(),
          }),
          ...errors(400, 429),
        },
      },
    },
    async (req) => {
      // Cached until statistics can change (a seal, a miner starting or stopping). While blocks are
      // sealed back to back a board stays valid for at most boardStaleMs: the next one is read
      // in the background (once per key at a time) and the last one is served meanwhile.
      const key = `${req.query.sort_by}:${req.query.limit}`;
      const hit = boardCache.get(key);
      if (hit && hit.version === pool.version) {
        hit.at = performance.now(); // known current now: after the next seal it lags from here
        return hit.body;
      }
      if (hit && performance.now() - hit.at < boardStaleMs) {
        if (!refreshing.has(key)) {
          refreshing.add(key);
          void readBoard(req.query.sort_by, req.query.limit, key)
            .catch(() => {}) // the next request reads it again
            .finally(() => refreshing.delete(key));
        }
        return hit.body;
      }
      return readBoard(req.query.sort_by, req.query.limit, key);
    },
  );

  async function readBoard(sortBy: 'blocks' | 'fees', limitN: number, key: string): Promise<LeaderboardBody> {
    const version = pool.version;
    const at = performance.now();
    const { rows, total } = await leaderboard(deps.db, sortBy, limitN);
    const body = {
      success: true as const,
      leaderboard: rows.map((s, i) => ({
        rank: i + 1,
        user_idx: s.userIdx,
        total_blocks_mined: s.totalBlocksMined,
        total_fees_earned: fees(s),
        win_rate: winRate(s.blocksWon, s.blocksLost),
        is_active: pool.isMining(s.userIdx),
      })),
      total_miners: total,
    };
    if (boardCache.size > 256) boardCache.clear();
    boardCache.set(key, { version, at, body });
    return body;
  }

  app.get(
    '/api/mining/pool-status',
    {
      config: limit(limits.poolStatus),
      schema: {
        tags: ['mining'],
        summary: 'The pool at a glance (public, 1000 per hour)',
        response: {
          200: Type.Object({
            success: Type.Literal(true),
            pool: Type.Object({
              active_miners: Type.Integer(),
              max_capacity: Type.Integer(),
              utilization: Type.Number(),
              is_running: Type.Boolean(),
              engine: Type.String(),
              threads: Type.Integer(),
              threads_active: Type.Integer(),
              difficulty: Type.Integer(),
              mining_height: Type.Union([Type.Integer(), Type.Null()]),
              system_miner_active: Type.Boolean(),
              hash_rate_per_second: Type.String(),
              blocks_sealed: Type.Integer(),
              round_build_ms: Type.Object({ p50: Type.Number(), p99: Type.Number() }),
              template_round_ms: Type.Object({ p50: Type.Number(), p99: Type.Number() }),
              handoff_ms: Type.Object({ p50: Type.Number(), p99: Type.Number() }),
              late_handoff_ms: Type.Object({ p50: Type.Number(), p99: Type.Number() }),
              late_stages: Type.Integer(),
              handoffs: Type.Integer(),
              handoffs_over_1ms: Type.Integer(),
              store_waits: Type.Integer(),
            }),
          }),
          ...errors(429),
        },
      },
    },
    async () => {
      const s = pool.status();
      return {
        success: true as const,
        pool: {
          active_miners: s.activeMiners,
          max_capacity: s.maxCapacity,
          utilization: Math.round((s.activeMiners * 10000) / s.maxCapacity) / 100,
          is_running: s.isRunning,
          engine: s.engine,
          threads: s.threads,
          threads_active: s.threadsActive,
          difficulty: deps.rules.difficulty,
          mining_height: s.height === null ? null : Number(s.height),
          system_miner_active: s.systemMinerActive,
          hash_rate_per_second: s.hashRate.toFixed(2),
          blocks_sealed: s.blocksSealed,
          round_build_ms: s.roundBuildMs,
          template_round_ms: s.templateRoundMs,
          handoff_ms: s.handoffMs,
          late_handoff_ms: s.lateHandoffMs,
          late_stages: s.lateStages,
          handoffs: s.handoffs,
          handoffs_over_1ms: s.handoffsOver1ms,
          store_waits: s.storeWaits,
        },
      };
    },
  );
};
