/**
 * How many of the hashing threads get work. The threads run at low priority
 * (MINING_NICE), so when the API and the store leave less than a core to
 * hashing, a second thread adds no hashes: the threads only take turns on
 * what is left. It costs the hand-off, though: a round starts on every thread
 * only once the starved one gets a core again, milliseconds later. The fold
 * measures what the threads get (each one's time on a core and waiting for
 * one, from the kernel's schedstat) and the machine's idle time, and gives
 * work to one thread fewer while the last one adds less than a quarter of a
 * core, and to one more again when the threads get their cores and the
 * machine has a core idle. Pure: the hasher feeds it samples and a clock.
 */

export interface ThreadSample {
  /** Nanoseconds the thread ran on a core since its last sample. */
  readonly runNs: number;
  /** Nanoseconds it was runnable but waited for a core since its last sample. */
  readonly waitNs: number;
}

export interface FoldSettings {
  /** A decision is taken on each window of samples at least this long. */
  readonly windowMs: number;
  /** After a fold, threads are not added back for at least this long (doubled while it oscillates, up to maxHoldMs). */
  readonly holdMs: number;
  readonly maxHoldMs: number;
}

export const FOLD_DEFAULTS: FoldSettings = Object.freeze({ windowMs: 1_000, holdMs: 5_000, maxHoldMs: 300_000 });

/** The last thread's share of a core below which it is folded away. */
const FOLD_BELOW = 0.25;
/** Threads that wait for a core less than this share of the time they want one are not starved. */
const UNSTARVED = 0.1;
/** The core time (ms) the busiest thread must have wanted before a window is decided on. */
const MIN_EVIDENCE_MS = 100;

export class ThreadFold {
  /** Threads given work now (1..total). */
  active: number;
  private runNs: number[];
  private waitNs: number[];
  private windowStart: number;
  private idleAtStart: number;
  private hold: number;
  private lastFold = -Infinity;
  private lastUnfold = -Infinity;

  constructor(
    readonly total: number,
    nowMs: number,
    idleMs: number,
    private readonly settings: FoldSettings = FOLD_DEFAULTS,
  ) {
    this.active = total;
    this.runNs = new Array<number>(total).fill(0);
    this.waitNs = new Array<number>(total).fill(0);
    this.windowStart = nowMs;
    this.idleAtStart = idleMs;
    this.hold = settings.holdMs;
  }

  /** Thread `t`'s sample (a thread given no work now is not counted). */
  add(t: number, s: ThreadSample): void {
    if (t >= this.active) return;
    this.runNs[t]! += s.runNs;
    this.waitNs[t]! += s.waitNs;
  }

  /** Whether a window has passed at `nowMs` (the caller reads the machine's idle time, os.cpus(), only then). */
  due(nowMs: number): boolean {
    return nowMs - this.windowStart >= this.settings.windowMs;
  }

  /**
   * At `nowMs`, with `idleMs` the machine's idle time so far (ms summed over
   * its cores): once a window has passed, decides and starts the next one.
   * Returns the number of threads to give work to.
   */
  decide(nowMs: number, idleMs: number): number {
    const windowMs = nowMs - this.windowStart;
    if (windowMs < this.settings.windowMs) return this.active;
    const k = this.active;
    const run = this.runNs.slice(0, k).map((n) => n / 1e6);
    const want = run.map((r, t) => r + this.waitNs[t]! / 1e6);
    const maxWant = Math.max(...want);
    // Threads that had little to hash are little evidence: the window grows until they wanted a
    // tenth of a second of core time (or is dropped after ten windows).
    if (maxWant < MIN_EVIDENCE_MS && windowMs < 10 * this.settings.windowMs) return this.active;
    const idleCores = (idleMs - this.idleAtStart) / windowMs;
    const sumRun = run.reduce((a, b) => a + b, 0);
    const sumWant = want.reduce((a, b) => a + b, 0);
    this.runNs.fill(0);
    this.waitNs.fill(0);
    this.windowStart = nowMs;
    this.idleAtStart = idleMs;
    // Cores the threads had while they wanted them: with one thread fewer, that one gets as much.
    if (k > 1 && maxWant >= MIN_EVIDENCE_MS && sumRun / maxWant < k - 1 + FOLD_BELOW) {
      // Folding soon after adding one back: the machine sits between the two; wait longer next time.
      this.hold = nowMs - this.lastUnfold < 30_000 ? Math.min(this.hold * 2, this.settings.maxHoldMs) : this.settings.holdMs;
      this.lastFold = nowMs;
      return --this.active;
    }
    const busy = sumWant >= 0.5 * k * windowMs;
    if (k < this.total && nowMs - this.lastFold >= this.hold && busy && sumWant - sumRun < UNSTARVED * sumWant && idleCores >= 0.5) {
      this.lastUnfold = nowMs;
      return ++this.active;
    }
    return this.active;
  }
}

/** Reads this thread's schedstat (Linux): cumulative [run, wait] nanoseconds, or null where there is none. */
export function readSchedstat(read: (path: string) => string): readonly [number, number] | null {
  try {
    const [run, wait] = read('/proc/thread-self/schedstat').trim().split(' ').map(Number);
    return Number.isFinite(run) && Number.isFinite(wait) ? [run!, wait!] : null;
  } catch {
    return null;
  }
}
