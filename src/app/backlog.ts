/**
 * Admission control: the payments accepted and not yet sealed, counted in
 * memory (each accepted payment adds one, each sealed block takes its
 * payments off; `resync` sets the count from the store). While the count is
 * at its limit a new payment is refused with SERVICE_UNAVAILABLE (503,
 * Retry-After) instead of joining a queue that would take minutes to settle:
 * past its capacity the ledger answers quickly and keeps confirmation
 * latency bounded, and the client retries.
 */
export class Backlog {
  private n = 0;
  /** Payments refused because the backlog was full (for metrics and tests). */
  shed = 0;

  constructor(readonly limit: number) {}

  get size(): number {
    return this.n;
  }

  /** True when a new payment must wait: counts the refusal. */
  refuse(): boolean {
    if (this.n < this.limit) return false;
    this.shed++;
    return true;
  }

  accepted(): void {
    this.n++;
  }

  sealed(txCount: number): void {
    this.n = Math.max(0, this.n - txCount);
  }

  resync(pending: number): void {
    this.n = pending;
  }
}

/** The server's limit: 200 blocks of the batch size, at least 2,000 payments (about two seconds at the measured capacity). */
export function backlogLimit(batchSize: number): number {
  return Math.max(2_000, 200 * batchSize);
}
