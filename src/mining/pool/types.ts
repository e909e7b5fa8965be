/** The pool's settings, log, status and a round's state. */
import type { TxRecord } from '../../domain/transaction.ts';
import type { MiningJob } from '../workers/types.ts';

export interface PoolSettings {
  readonly maxMiners: number;
  readonly miningTimeoutMs: number;
  readonly systemMiner: boolean;
  readonly systemMinerGraceMs: number;
}

export interface PoolLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface Round {
  readonly job: MiningJob;
  readonly txs: readonly TxRecord[];
  readonly miners: readonly string[];
  readonly startedAt: number;
  readonly timer: NodeJS.Timeout;
  /**
   * A round built on a solution whose seal is still running (the pipeline):
   * resolves whether that seal was accepted. Null for a round on the stored tip.
   */
  readonly parent: Promise<boolean> | null;
}

export interface PoolStatus {
  readonly activeMiners: number;
  readonly maxCapacity: number;
  readonly isRunning: boolean;
  readonly engine: string;
  readonly threads: number;
  readonly height: bigint | null; // the height being mined, if any
  readonly systemMinerActive: boolean;
  readonly hashRate: number;
  readonly blocksSealed: number;
  readonly rejected: Readonly<Record<string, number>>;
  /** Time to build and hand out a round (template read, every miner's header, start on every thread), last 256 rounds. */
  readonly roundBuildMs: { readonly p50: number; readonly p99: number };
  /** From a solution's arrival to the next round on every thread, last 256 solutions (the pipeline makes it the job build only). */
  readonly handoffMs: { readonly p50: number; readonly p99: number };
}
