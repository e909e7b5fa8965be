/**
 * A round's job, built from the tip and the template: the header is encoded
 * once and each miner's candidate differs only in its 16 user_idx bytes. And
 * the ring of recent round build times the pool reports, and each miner's
 * header bytes, parsed once.
 */
import { createHeader, encodeHeader } from '../../domain/header.ts';
import { fromHex } from '../../domain/hex.ts';
import { userIdxToBytes } from '../../domain/ids.ts';
import { txMerkleRoot } from '../../domain/merkle.ts';
import { targetForDifficulty } from '../../domain/pow.ts';
import type { TxRecord } from '../../domain/transaction.ts';
import type { MinerSet, MiningJob } from '../workers/types.ts';

export interface JobRules {
  readonly difficulty: number;
  readonly nowMs: number;
}

/**
 * The job for the height after `tip`, raced by `miners`: the header is
 * encoded once; a candidate is that header with its miner's bytes (job.ts),
 * so a round costs the same for 10 miners or 10,000.
 */
export function buildJob(
  jobId: number,
  tip: { readonly height: bigint; readonly hash: string; readonly timestampMs: bigint },
  txs: readonly TxRecord[],
  miners: MinerSet,
  rules: JobRules,
): MiningJob {
  const height = tip.height + 1n;
  const base = encodeHeader(
    createHeader({
      version: 1,
      height,
      prevHash: fromHex(tip.hash),
      merkleRoot: txMerkleRoot(txs),
      timestampMs: BigInt(Math.max(rules.nowMs, Number(tip.timestampMs))),
      difficulty: rules.difficulty,
      miner: new Uint8Array(16),
      nonce: 0,
    }),
  );
  return { jobId, height, target: targetForDifficulty(rules.difficulty), base, miners };
}

/** The last `size` durations (ms) and their p50/p99, rounded to microseconds. */
export class RoundTimes {
  private readonly times: Float64Array;
  private n = 0;
  /** Computed once per new sample: pool-status asks far more often than rounds start. */
  private memo: { p50: number; p99: number } | null = null;
  constructor(size: number) {
    this.times = new Float64Array(size);
  }

  /** Samples added so far (the percentiles are of the last `size`). */
  get count(): number {
    return this.n;
  }

  add(ms: number): void {
    this.times[this.n++ % this.times.length] = ms;
    this.memo = null;
  }

  percentiles(): { p50: number; p99: number } {
    if (this.memo) return this.memo;
    const n = Math.min(this.n, this.times.length);
    if (n === 0) return (this.memo = Object.freeze({ p50: 0, p99: 0 }));
    const xs = Array.from(this.times.subarray(0, n)).sort((a, b) => a - b);
    const at = (p: number) => Math.round(xs[Math.min(n - 1, Math.ceil(p * n) - 1)]! * 1000) / 1000;
    return (this.memo = Object.freeze({ p50: at(0.5), p99: at(0.99) }));
  }
}

/** Each miner's 16 header bytes, parsed once (emptied when it reaches `max` entries). */
export class MinerBytes {
  private readonly cache = new Map<string, Uint8Array>();
  constructor(private readonly max: number) {}

  of(userIdx: string): Uint8Array {
    let b = this.cache.get(userIdx);
    if (!b) {
      b = userIdxToBytes(userIdx);
      if (this.cache.size >= this.max) this.cache.clear();
      this.cache.set(userIdx, b);
    }
    return b;
  }
}
