/** The hashing layer's contract: the pool coordinator hands jobs to a Hasher and hears back solutions and progress. */
import type { EngineName } from '../engines/types.ts';

export interface MinerCandidate {
  readonly minerIdx: string;
  /** 108 header bytes; the nonce bytes are ignored. */
  readonly header: Uint8Array;
}

export interface MiningJob {
  /** Strictly increasing. */
  readonly jobId: number;
  readonly height: bigint;
  /** 8 big-endian words; a hash is valid when hash <= target. */
  readonly target: Uint32Array;
  readonly candidates: ReadonlyArray<MinerCandidate>;
}

export interface Solution {
  readonly jobId: number;
  readonly minerIdx: string;
  readonly nonce: number;
  /** The candidate header with the nonce written. */
  readonly header: Uint8Array;
}

export interface HashProgress {
  readonly jobId: number;
  /** Hashes per miner since the previous report. */
  readonly hashesByMiner: ReadonlyMap<string, number>;
}

export interface Hasher {
  readonly engine: EngineName | string;
  readonly threads: number;
  start(job: MiningJob): void;
  stop(): void;
  on(event: 'solution', cb: (s: Solution) => void): void;
  on(event: 'progress', cb: (p: HashProgress) => void): void;
  on(event: 'exhausted', cb: (e: { jobId: number; minerIdx: string }) => void): void;
  on(event: 'error', cb: (e: Error) => void): void;
  close(): Promise<void>;
}
