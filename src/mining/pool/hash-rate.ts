/** Measured hash rate per miner: hashes actually computed, over a moving window of one-second buckets. */
export class HashRateMeter {
  private readonly buckets = new Map<string, Float64Array>();
  private readonly totals = new Map<string, number>();

  constructor(
    private readonly windowSeconds = 10,
    private readonly now: () => number = Date.now,
  ) {}

  private bucketsOf(minerIdx: string): Float64Array {
    let b = this.buckets.get(minerIdx);
    if (!b) {
      // [second, count] pairs in a ring: 2 * windowSeconds slots.
      b = new Float64Array(this.windowSeconds * 2).fill(-1);
      this.buckets.set(minerIdx, b);
    }
    return b;
  }

  add(minerIdx: string, hashes: number): void {
    if (hashes <= 0) return;
    const sec = Math.floor(this.now() / 1000);
    const b = this.bucketsOf(minerIdx);
    const slot = (sec % this.windowSeconds) * 2;
    if (b[slot] !== sec) {
      b[slot] = sec;
      b[slot + 1] = 0;
    }
    b[slot + 1]! += hashes;
    this.totals.set(minerIdx, (this.totals.get(minerIdx) ?? 0) + hashes);
  }

  /** Hashes per second over the last full window (the current partial second excluded when possible). */
  rate(minerIdx: string): number {
    const b = this.buckets.get(minerIdx);
    return b ? this.rateOf(b, this.now()) : 0;
  }

  private rateOf(b: Float64Array, now: number): number {
    const sec = Math.floor(now / 1000);
    let sum = 0;
    let oldest = sec;
    for (let i = 0; i < b.length; i += 2) {
      const s = b[i]!;
      if (s >= 0 && s > sec - this.windowSeconds && s <= sec) {
        sum += b[i + 1]!;
        if (s < oldest) oldest = s;
      }
    }
    const span = Math.max(1, sec - oldest + (now % 1000) / 1000);
    return sum / span;
  }

  total(minerIdx: string): number {
    return this.totals.get(minerIdx) ?? 0;
  }

  forget(minerIdx: string): void {
    this.buckets.delete(minerIdx);
    this.totals.delete(minerIdx);
  }

  /** The rates of these miners (0 for one never measured), on one clock reading. */
  ratesOf(miners: Iterable<string>): Map<string, number> {
    const out = new Map<string, number>();
    const now = this.now();
    for (const m of miners) {
      const b = this.buckets.get(m);
      out.set(m, b ? this.rateOf(b, now) : 0);
    }
    return out;
  }

  /** The sum of every miner's rate. */
  poolRate(): number {
    let sum = 0;
    const now = this.now(); // one clock read for all (pool-status at 10,000 miners read it 20,000 times)
    for (const b of this.buckets.values()) sum += this.rateOf(b, now);
    return sum;
  }
}
