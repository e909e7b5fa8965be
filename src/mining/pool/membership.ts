/** What the pool writes when a miner starts or stops, and the measured hash rates it saves. */
import type { Db } from '../../infra/db/database.ts';
import { appendAudit } from '../../infra/db/repos/audit.ts';
import { activateMiner, deactivateMiner, saveHashRates } from '../../infra/db/repos/miners.ts';
import type { HashRateMeter } from './hash-rate.ts';
import type { PoolLog } from './types.ts';

/** The miner's statistics row marked active, and its audit record, in one transaction. */
export async function recordStarted(db: Db, userIdx: string, activeMiners: number): Promise<void> {
  await db.transaction().execute(async (tx) => {
    await activateMiner(tx, userIdx);
    await appendAudit(tx, { actor: userIdx, action: 'mining.started', payload: { active_miners: activeMiners } });
  });
}

/** The miner's row marked inactive with its last measured rate, and its audit record, in one transaction. */
export async function recordStopped(db: Db, userIdx: string, rate: string): Promise<void> {
  await db.transaction().execute(async (tx) => {
    await deactivateMiner(tx, userIdx, rate);
    await appendAudit(tx, { actor: userIdx, action: 'mining.stopped', payload: { hash_rate_per_second: rate } });
  });
}

/** Every active miner's measured rate into hash_rate_per_second; a failure is logged, not thrown. */
export async function saveRates(db: Db, miners: Iterable<string>, meter: HashRateMeter, log: PoolLog): Promise<void> {
  const rates = new Map<string, string>();
  for (const m of miners) rates.set(m, meter.rate(m).toFixed(2));
  try {
    await saveHashRates(db, rates);
  } catch (e) {
    log.warn({ err: e }, 'could not save hash rates');
  }
}
