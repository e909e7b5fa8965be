/**
 * Sealing a round's solution through the ledger's seal use case: who raced,
 * the log line, the pool's counts, and a solution built on a refused block
 * refused unsealed. And who races a round: the active miners, or the system
 * miner once its grace has passed.
 */
import { decodeHeader } from '../../domain/header.ts';
import { sealBlock, type SealRequest, type SealResult } from '../../app/seal.ts';
import type { AppDeps } from '../../app/deps.ts';
import type { Solution } from '../workers/types.ts';
import type { MinerRoster } from './roster.ts';
import type { PoolStats } from './stats.ts';
import type { PoolLog, PoolSettings, Round } from './types.ts';

/** Who raced: the round's miners named, or (a large pool) relative to the store's race marks. */
export type Racing = Pick<SealRequest, 'racingMiners' | 'racingPool'>;

export class Sealer {
  private timed: (seconds: number, accepted: boolean) => void = () => {};

  constructor(
    private readonly deps: AppDeps,
    private readonly roster: MinerRoster,
    private readonly stats: PoolStats,
    private readonly settings: PoolSettings,
    private readonly log: PoolLog,
  ) {}

  /** Observes each seal's duration (metrics). */
  onTimed(cb: (seconds: number, accepted: boolean) => void): void {
    this.timed = cb;
  }

  /** Seals `s` of `round`, asking for `nextBatch` pending payments back; null when the store failed. */
  async seal(round: Round, s: Solution, nextBatch: number): Promise<SealResult | null> {
    if (round.parent && !(await round.parent)) {
      this.stats.count('STALE_JOB');
      return { accepted: false, reason: 'WRONG_PREVIOUS_HASH', message: 'Built on a block that was refused.', consensus: null };
    }
    const t0 = performance.now();
    let result: SealResult;
    try {
      result = await sealBlock(this.deps, {
        block: { header: decodeHeader(s.header), minerIdx: s.minerIdx, txs: round.txs },
        ...this.racing(round),
        miningTimeMs: this.deps.now() - round.startedAt,
        nextBatch,
      });
    } catch (e) {
      this.log.error({ err: e }, 'sealing failed');
      return null;
    }
    this.timed((performance.now() - t0) / 1000, result.accepted);
    this.stats.version++;
    if (result.accepted) {
      this.stats.blocksSealed++;
      this.log.info({ height: Number(result.height), miner: s.minerIdx, txs: round.txs.length }, 'block sealed');
    } else {
      this.stats.count(result.reason);
      this.log.warn({ reason: result.reason, miner: s.minerIdx }, 'solution refused');
    }
    return result;
  }

  /** Who raced `round`: named in a small pool; in a large one relative to the store's race marks, their losses deferred (migration 007). */
  private racing(round: Round): Racing {
    if (round.miners.length <= (this.settings.deferLossesAbove ?? 256)) return { racingMiners: round.miners };
    return { racingPool: this.roster.since(round.miners) };
  }
}

/**
 * Who races a round whose oldest payment arrived at `oldestMs`: the active
 * miners; with none, the system miner (`[]`) once its grace has passed, else
 * how long to wait for it (or null when it is off).
 */
export function whoRaces(roster: MinerRoster, settings: PoolSettings, oldestMs: number, nowMs: number): { miners: readonly string[] } | { waitMs: number } | null {
  const miners = roster.ids();
  if (miners.length > 0) return { miners };
  if (!settings.systemMiner) return null;
  const waited = nowMs - oldestMs;
  return waited < settings.systemMinerGraceMs ? { waitMs: settings.systemMinerGraceMs - waited + 5 } : { miners: [] };
}
