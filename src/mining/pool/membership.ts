/** A miner joining or leaving the pool (the roster and the writes, in that order), and the measured hash rates it saves. */
import { IdxError } from '../../domain/errors.ts';
import type { Db } from '../../infra/db/database.ts';
import { appendAudit } from '../../infra/db/repos/audit.ts';
import { activateMiner, deactivateMiner, saveHashRates } from '../../infra/db/repos/miners.ts';
import type { HashRateMeter } from './hash-rate.ts';
import type { PoolLog } from './types.ts';
import type { MinerRoster } from './roster.ts';
import type { PoolStats } from './stats.ts';

/**
 * Adds `userIdx` to the roster and records it; a failed write takes it out
 * again. The stats version moves before and after the write, so a read cached
 * in between is not kept.
 */
export async function join(db: Db, roster: MinerRoster, stats: PoolStats, maxMiners: number, userIdx: string, remote: boolean): Promise<void> {
  if (roster.has(userIdx)) throw new IdxError('MINING_ALREADY_ACTIVE', 'You are already mining.');
  if (roster.size >= maxMiners) throw new IdxError('POOL_FULL', `The pool is full (${maxMiners} miners); try again later.`);
  roster.add(userIdx, remote);
  stats.version++;
  try {
    await recordStarted(db, userIdx, roster.size);
  } catch (e) {
    roster.delete(userIdx);
    stats.version++;
    throw e;
  }
  stats.version++;
}

/** Takes `userIdx` out of the roster and records it with its last measured rate. */
export async function leave(db: Db, roster: MinerRoster, stats: PoolStats, meter: HashRateMeter, userIdx: string): Promise<void> {
  if (!roster.has(userIdx)) throw new IdxError('MINING_NOT_ACTIVE', 'You are not mining.');
  roster.delete(userIdx);
  stats.version++;
  await recordStopped(db, userIdx, meter.rate(userIdx).toFixed(2));
  stats.version++;
}

/** The miner's statistics row marked active, and its audit record, in one transaction. */
export async function recordStarted(db: Db, userIdx: string, activeMiners: number): Promise<void> {
  await db.transaction().execute(async (tx) => {
    await activateMiner(tx, userIdx);
    await appendAudit(tx, { actor: userIdx, action: 'mining.started', payload: { active_miners: activeMiners } });
  });
}

/** The miner's row marked inactive with its last measured rate, and its audit record, in one transaction. */
export async function recordStopped(db: Db, userIdx: string, rate: string | null): Promise<void> {
  await db.transaction().execute(async (tx) => {
    await deactivateMiner(tx, userIdx, rate);
    await appendAudit(tx, { actor: userIdx, action: 'mining.stopped', payload: { hash_rate_per_second: rate } });
  });
}

/** Miners whose rates are read and written together (one statement). */
export const RATE_CHUNK = 256;

/**
 * Every active miner's measured rate into hash_rate_per_second; a failure is
 * logged, not thrown. Chunk by chunk, each chunk's rates read just before its
 * statement: at 10,000 miners reading them all at once held the event loop
 * 10–40 ms every 5 s (the scale bench's leaderboard p99); now ~1 ms at a time.
 */
export async function saveRates(db: Db, miners: Iterable<string>, meter: HashRateMeter, log: PoolLog, chunk = RATE_CHUNK): Promise<void> {
  const ids = [...miners];
  try {
    for (let i = 0; i < ids.length; i += chunk) {
      const rates = new Map<string, string>();
      for (const [m, r] of meter.ratesOf(ids.slice(i, i + chunk))) rates.set(m, r.toFixed(2));
      await saveHashRates(db, rates, chunk);
    }
  } catch (e) {
    log.warn({ err: e }, 'could not save hash rates');
  }
}
