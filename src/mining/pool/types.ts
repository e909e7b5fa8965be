/** The pool's settings, log, status and a round's state. */
import type { MinerSet, MiningJob } from '../workers/types.ts';
import type { PendingTx } from './lookahead.ts';

export interface PoolSettings {
  readonly maxMiners: number;
  readonly miningTimeoutMs: number;
  readonly systemMiner: boolean;
  readonly systemMinerGraceMs: number;
  /** Above this many racing miners (default 256) a block's losses are deferred (migration 007) instead of written row by row. */
  readonly deferLossesAbove?: number;
}

export interface PoolLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface Round {
  readonly job: MiningJob;
  readonly txs: readonly PendingTx[];
  readonly miners: readonly string[];
  /** The candidates our threads hash (the job's, less remote miners'). */
  readonly local: MinerSet;
  readonly startedAt: number;
  readonly timer: NodeJS.Timeout;
  /**
   * A round built on a solution whose seal is still running (the pipeline):
   * resolves whether that seal was accepted. Null for a round on the stored tip.
   */
  readonly parent: Promise<boolean> | null;
  /** The round staged after this one (the hasher's threads start it on a solution), if any. */
  next: { readonly job: MiningJob; readonly txs: readonly PendingTx[] } | null;
}

export interface PoolStatus {
  readonly activeMiners: number;
  readonly maxCapacity: number;
  readonly isRunning: boolean;
  readonly engine: string;
  readonly threads: number;
  /** Threads given work now (fewer while the machine leaves them less than a core each: fold.ts). */
  readonly threadsActive: number;
  readonly height: bigint | null; // the height being mined, if any
  readonly systemMinerActive: boolean;
  readonly hashRate: number;
  readonly blocksSealed: number;
  readonly rejected: Readonly<Record<string, number>>;
  /** A round built on a solution (no store read) and handed to every thread, last 256: the coordinator's own overhead. */
  readonly roundBuildMs: { readonly p50: number; readonly p99: number };
  /** A round whose template was read from the store (after an idle moment, a timeout, a membership change), last 256. */
  readonly templateRoundMs: { readonly p50: number; readonly p99: number };
  /**
   * From a solution found on a thread to the next round hashed on every
   * thread, when that round's payments were known at the solution (the
   * coordinator's overhead), last 256.
   */
  readonly handoffMs: { readonly p50: number; readonly p99: number };
  /**
   * The same for rounds whose last payments came after the solution (the
   * round after it was staged late): from that stage to every thread hashing
   * it, last 256; and how many solutions were followed so.
   */
  readonly lateHandoffMs: { readonly p50: number; readonly p99: number };
  readonly lateStages: number;
  /** Hand-offs timed so far (handoffMs is of the last 256), and how many of them took over 1 ms. */
  readonly handoffs: number;
  readonly handoffsOver1ms: number;
  /** Solutions whose next round had to wait for a seal to learn its payments (the store the bottleneck, not the coordinator). */
  readonly storeWaits: number;
}
