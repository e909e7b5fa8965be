/**
 * A round's job, built from the tip and the template: the header is encoded
 * once and each miner's candidate differs only in its 16 user_idx bytes. And
 * the ring of recent round build times the pool reports.
 */
import { createHeader, encodeHeader, HEADER_SIZE, MINER_OFFSET } from '../../domain/header.ts';
import { fromHex } from '../../domain/hex.ts';
import { userIdxToBytes } from '../../domain/ids.ts';
import { txMerkleRoot } from '../../domain/merkle.ts';
import { targetForDifficulty } from '../../domain/pow.ts';
import type { TxRecord } from '../../domain/transaction.ts';
import type { MiningJob } from '../workers/types.ts';

export interface JobRules {
  readonly difficulty: number;
  readonly nowMs: number;
  /** A miner's 16 header bytes (user_idx). */
  readonly minerBytes: (userIdx: string) => Uint8Array;
}

/**
 * The job for the height after `tip`: one candidate per miner, in the order
 * given. The candidates' headers are consecutive 108-byte views of one
 * buffer, so the whole round goes to a thread as one copy.
 */
export function buildJob(
  jobId: number,
  tip: { readonly height: bigint; readonly hash: string; readonly timestampMs: bigint },
  txs: readonly TxRecord[],
  miners: readonly string[],
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
  const packed = new Uint8Array(miners.length * HEADER_SIZE);
  const candidates = miners.map((m, i) => {
    const at = i * HEADER_SIZE;
    packed.set(base, at);
    packed.set(rules.minerBytes(m), at + MINER_OFFSET);
    return { minerIdx: m, header: packed.subarray(at, at + HEADER_SIZE) };
  });
  return { jobId, height, target: targetForDifficulty(rules.difficulty), candidates };
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
