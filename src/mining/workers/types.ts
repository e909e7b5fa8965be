/** The hashing layer's contract: the pool coordinator hands jobs to a Hasher and hears back solutions and progress. */
import type { EngineName } from '../engines/types.ts';

export interface MinerCandidate {
  readonly minerIdx: string;
  /** 108 header bytes; the nonce bytes are ignored. */
  readonly header: Uint8Array;
}

/**
 * The miners racing in a round, in candidate order. A set is built when the
 * pool's membership changes, not per round, and a hasher sends its bytes to
 * its threads only when it is handed a set it has not sent before (compared
 * by identity): a round then costs the same whatever the number of miners.
 */
export interface MinerSet {
  readonly ids: readonly string[];
  /** ids.length × 16 bytes: each miner's header bytes (its user_idx), in order. */
  readonly bytes: Uint8Array;
  /** Each miner's position in `ids`. */
  readonly index: ReadonlyMap<string, number>;
}

/**
 * One height to mine: every candidate's header is `base` with its miner's 16
 * bytes at MINER_OFFSET (candidateHeader in job.ts). Those bytes lie in the
 * header's final SHA-256 block, so every candidate shares one midstate.
 */
export interface MiningJob {
  /** Strictly increasing. */
  readonly jobId: number;
  readonly height: bigint;
  /** 8 big-endian words; a hash is valid when hash <= target. */
  readonly target: Uint32Array;
  /** The 108-byte header all candidates share (its miner and nonce bytes are ignored). */
  readonly base: Uint8Array;
  readonly miners: MinerSet;
}

export interface Solution {
  readonly jobId: number;
  readonly minerIdx: string;
  readonly nonce: number;
  /** The candidate header with the nonce written. */
  readonly header: Uint8Array;
  /** When the hashing thread found it (monoUs), for the hand-off measure; absent for a remote miner's. */
  readonly foundAtUs?: number;
  /**
   * The job staged after this one (Hasher.stage), which the threads already
   * hash on this solution: its base carries this solution's hash. Absent when
   * nothing was staged: the owner then decides what follows.
   */
  readonly next?: MiningJob;
  /**
   * Set when `next` was staged only after this solution was found (its last
   * payments came meanwhile): the threads started it as they read the stage,
   * so its hand-off is measured from then (monoUs), apart from the others.
   */
  readonly stagedLateAtUs?: number;
}

export interface HashProgress {
  readonly jobId: number;
  /** Hashes per miner since the previous report. */
  readonly hashesByMiner: ReadonlyMap<string, number>;
}

export interface Hasher {
  readonly engine: EngineName | string;
  readonly threads: number;
  /** The threads given work now (the fold, fold.ts); all of them when absent. */
  activeThreads?(): number;
  start(job: MiningJob): void;
  /**
   * Stages the job that follows `afterJobId` (its prevHash bytes ignored):
   * the thread that solves `afterJobId` starts it at once on its solution,
   * the other threads within a slice, with no round trip through the owner;
   * that solution then carries it (Solution.next). start() and stop() drop it.
   */
  stage?(afterJobId: number, next: MiningJob): void;
  stop(): void;
  on(event: 'solution', cb: (s: Solution) => void): void;
  on(event: 'progress', cb: (p: HashProgress) => void): void;
  on(event: 'exhausted', cb: (e: { jobId: number; minerIdx: string }) => void): void;
  /** A job is being hashed on every thread: `atUs` (monoUs) is when the last thread started it. */
  on(event: 'started', cb: (e: { jobId: number; atUs: number }) => void): void;
  on(event: 'error', cb: (e: Error) => void): void;
  close(): Promise<void>;
}
