/**
 * The fair scan of one job on one thread, shared by the worker threads and
 * the single-thread twin. Every candidate (one per miner) gets the same slice
 * of nonces per turn, in an order shuffled per job, so N equal miners each
 * get 1/N of the hashes — and so about 1/N of the blocks. The order is drawn
 * as the first turn reaches each place, and a candidate is prepared at its
 * first turn (the job's midstate with its miner's bytes), so loading a job
 * costs little whatever the number of miners.
 */
import { MINER_OFFSET } from '../../domain/header.ts';
import { prepareHeader, withTailBytes } from '../engines/prepare.ts';
import type { HashEngine, PreparedHeader, ScanResult } from '../engines/types.ts';
import { MINER_BYTES } from './job.ts';

export interface ScanJob {
  readonly jobId: number;
  readonly target: Uint32Array;
  /** The header all candidates share (108 bytes). */
  readonly base: Uint8Array;
  /** The candidates' miner bytes, 16 each, in candidate order. */
  readonly miners: Uint8Array;
  /** This thread's part of every candidate's nonce space: [start, start + span). */
  readonly nonceStart: number;
  readonly nonceSpan: number;
}

export type ScanEvent =
  | { readonly kind: 'solution'; readonly index: number; readonly nonce: number }
  | { readonly kind: 'exhausted'; readonly index: number };

const MIN_SLICE = 256;
const MAX_SLICE = 1 << 20;

export class FairScanner {
  private shared: PreparedHeader | null = null;
  private prepared: Array<PreparedHeader | undefined> = [];
  private next: Float64Array = new Float64Array(0); // nonces done per candidate
  private done: Uint8Array = new Uint8Array(0);
  private remaining = 0;
  private order: Uint32Array = new Uint32Array(0);
  /** Places of `order` drawn so far: the shuffle is drawn as the first turn reaches each place. */
  private shuffled = 0;
  private cursor = 0;
  /**
   * Hashes per candidate since the last `takeCounts`, kept across jobs with
   * the same miner bytes (so a thread reports on a timer, not per job).
   */
  counts: Float64Array = new Float64Array(0);
  private countsFor: Uint8Array | null = null;
  job: ScanJob | null = null;
  private slice = 4096;
  private readonly out: ScanResult = { found: false, nonce: 0, hashes: 0 };

  constructor(
    private readonly engine: HashEngine,
    /** Target duration of one slice: a new job is taken up between slices, so this bounds the hand-off. */
    private readonly sliceMs = 1,
    private readonly random: () => number = Math.random,
  ) {}

  /** Takes a job up: O(N) only in fills of reused arrays, so it costs little on a hand-off. */
  load(job: ScanJob): void {
    const n = Math.floor(job.miners.length / MINER_BYTES);
    if (job.miners !== this.countsFor || this.counts.length !== n) {
      this.counts = new Float64Array(n); // other miners: the caller took the counts of the last ones
      this.countsFor = job.miners;
    }
    this.job = job;
    this.shared = prepareHeader(job.base, job.target);
    this.prepared = new Array<PreparedHeader | undefined>(n);
    if (this.next.length === n) {
      this.next.fill(0);
      this.done.fill(0);
    } else {
      this.next = new Float64Array(n);
      this.done = new Uint8Array(n);
      this.order = new Uint32Array(n);
    }
    for (let i = 0; i < n; i++) this.order[i] = i;
    this.remaining = n;
    this.shuffled = 0;
    this.cursor = 0;
  }

  clear(): void {
    this.job = null;
  }

  get active(): boolean {
    return this.job !== null && this.remaining > 0;
  }

  private candidate(index: number): PreparedHeader {
    let p = this.prepared[index];
    if (!p) {
      const m = this.job!.miners;
      p = withTailBytes(this.shared!, m.subarray(index * MINER_BYTES, (index + 1) * MINER_BYTES), MINER_OFFSET);
      this.prepared[index] = p;
    }
    return p;
  }

  /** Scans one slice for the next candidate in turn; returns an event or null. */
  step(): ScanEvent | null {
    const job = this.job;
    if (!job) return null;
    const n = this.order.length;
    for (let tries = 0; tries < n; tries++) {
      if (this.cursor === this.shuffled && this.shuffled < n) {
        // First turn at this place: its candidate is drawn from those not placed yet (Fisher-Yates).
        const j = this.cursor + Math.floor(this.random() * (n - this.cursor));
        const t = this.order[j]!;
        this.order[j] = this.order[this.cursor]!;
        this.order[this.cursor] = t;
        this.shuffled++;
      }
      const index = this.order[this.cursor]!;
      this.cursor = (this.cursor + 1) % n;
      if (this.done[index]) continue;
      const left = job.nonceSpan - this.next[index]!;
      const count = Math.min(this.slice, left);
      const start = (job.nonceStart + this.next[index]!) >>> 0;
      const t0 = performance.now();
      this.engine.scan(this.candidate(index), start, count, this.out);
      this.adapt(this.out.hashes, performance.now() - t0);
      this.counts[index]! += this.out.hashes;
      this.next[index]! += this.out.hashes;
      if (this.out.found) {
        this.finish(index);
        return { kind: 'solution', index, nonce: this.out.nonce };
      }
      if (this.next[index]! >= job.nonceSpan) {
        this.finish(index);
        return { kind: 'exhausted', index };
      }
      return null;
    }
    return null;
  }

  private finish(index: number): void {
    this.done[index] = 1;
    this.remaining--;
  }

  private adapt(hashes: number, ms: number): void {
    if (hashes < this.slice) return;
    if (ms < this.sliceMs / 2 && this.slice < MAX_SLICE) this.slice *= 2;
    else if (ms > this.sliceMs * 2 && this.slice > MIN_SLICE) this.slice /= 2;
  }

  takeCounts(): Float64Array {
    const c = this.counts;
    this.counts = new Float64Array(c.length);
    return c;
  }
}
