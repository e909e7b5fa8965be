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
import { prepareHeader } from '../engines/prepare.ts';
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

/** A candidate's prepared header, rewritten in place for each job. */
type Candidate = { -readonly [K in keyof PreparedHeader]: PreparedHeader[K] };
/** The first word of a candidate's miner bytes in the final block. */
const MINER_WORD = (MINER_OFFSET - 64) / 4;

const MIN_SLICE = 256;
const MAX_SLICE = 1 << 20;

export class FairScanner {
  private shared: PreparedHeader | null = null;
  /**
   * Per candidate, valid while its stamp is the current job's epoch (else it
   * reads as fresh): loading a job only bumps the epoch, so it is O(1) and
   * allocates nothing, however many miners race (a hand-off stays short and
   * gives the collector no reason to run in it).
   */
  private stamp: Uint32Array = new Uint32Array(0);
  private epoch = 0;
  /**
   * Each candidate's prepared header, one object per candidate reused from
   * job to job (rewritten at its first turn in a job: `preparedAt`), so the
   * scan allocates nothing per turn and the thread's collector seldom runs.
   */
  private prepared: Array<Candidate | undefined> = [];
  private preparedAt: Uint32Array = new Uint32Array(0);
  private next: Float64Array = new Float64Array(0); // nonces done per candidate
  private done: Uint8Array = new Uint8Array(0);
  /** The scan order: place j holds `order[j]` once drawn in this epoch (`orderStamp`), else j. */
  private order: Uint32Array = new Uint32Array(0);
  private orderStamp: Uint32Array = new Uint32Array(0);
  private remaining = 0;
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

  /**
   * Takes a job up in O(1): the per-candidate state is reset as each
   * candidate is first reached. `shared`: the job's header already prepared.
   */
  load(job: ScanJob, shared?: PreparedHeader): void {
    const n = Math.floor(job.miners.length / MINER_BYTES);
    if (job.miners !== this.countsFor || this.counts.length !== n) {
      this.counts = new Float64Array(n); // other miners: the caller took the counts of the last ones
      this.countsFor = job.miners;
    }
    if (this.stamp.length !== n || this.epoch === 0xffffffff) {
      this.stamp = new Uint32Array(n);
      this.orderStamp = new Uint32Array(n);
      this.prepared = new Array<Candidate | undefined>(n);
      this.preparedAt = new Uint32Array(n);
      this.next = new Float64Array(n);
      this.done = new Uint8Array(n);
      this.order = new Uint32Array(n);
      this.epoch = 0;
    }
    this.epoch++;
    this.job = job;
    this.shared = shared ?? prepareHeader(job.base, job.target);
    this.engine.forget?.(); // the candidates' objects are rewritten for this job
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

  /** Candidate `index` in this job: fresh state at its first turn. */
  private touch(index: number): void {
    if (this.stamp[index] === this.epoch) return;
    this.stamp[index] = this.epoch;
    this.next[index] = 0;
    this.done[index] = 0;
  }

  private placed(j: number): number {
    return this.orderStamp[j] === this.epoch ? this.order[j]! : j;
  }

  private place(j: number, index: number): void {
    this.order[j] = index;
    this.orderStamp[j] = this.epoch;
  }

  private candidate(index: number): PreparedHeader {
    const shared = this.shared!;
    let p = this.prepared[index];
    if (p === undefined) {
      p = { midstate: shared.midstate, tail: new Uint32Array(16), nonceWord: shared.nonceWord, target: shared.target };
      this.prepared[index] = p;
    } else if (this.preparedAt[index] === this.epoch) {
      return p;
    }
    // The job's midstate and final block, with this candidate's miner words.
    p.midstate = shared.midstate;
    p.nonceWord = shared.nonceWord;
    p.target = shared.target;
    p.tail.set(shared.tail);
    const m = this.job!.miners;
    for (let w = 0, at = index * MINER_BYTES; w < MINER_BYTES / 4; w++, at += 4) {
      p.tail[MINER_WORD + w] = ((m[at]! << 24) | (m[at + 1]! << 16) | (m[at + 2]! << 8) | m[at + 3]!) >>> 0;
    }
    this.preparedAt[index] = this.epoch;
    return p;
  }

  /** Scans one slice for the next candidate in turn; returns an event or null. */
  step(): ScanEvent | null {
    const job = this.job;
    if (!job) return null;
    const n = this.stamp.length;
    for (let tries = 0; tries < n; tries++) {
      if (this.cursor === this.shuffled && this.shuffled < n) {
        // First turn at this place: its candidate is drawn from those not placed yet (Fisher-Yates).
        const j = this.cursor + Math.floor(this.random() * (n - this.cursor));
        const t = this.placed(j);
        this.place(j, this.placed(this.cursor));
        this.place(this.cursor, t);
        this.shuffled++;
      }
      const index = this.placed(this.cursor);
      this.cursor = (this.cursor + 1) % n;
      this.touch(index);
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

  /** Candidate `index` of the current job, prepared (its solution's hash is what the next round chains on). */
  preparedCandidate(index: number): PreparedHeader {
    return this.candidate(index);
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
