/**
 * Reads of single payments, cached. A confirmed payment never changes, so it
 * is kept until evicted; a pending one is served only while no block has been
 * sealed since it was read (any seal may confirm it) and for at most
 * `pendingTtlMs` (a seal by another server on the same database is not heard
 * here). A miss is never cached: a payment just made is read from the store.
 */
import type { PaymentRow } from '../infra/db/repos/payments.ts';

interface Entry {
  readonly row: PaymentRow;
  readonly seals: number;
  readonly at: number;
}

export class PaymentReadCache {
  private seals = 0;
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly maxEntries = 10_000,
    private readonly pendingTtlMs = 1_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Call on every seal (after its commit). */
  sealed(): void {
    this.seals++;
  }

  /** Take this before reading the store; give it back to `put` with what was read. */
  get version(): number {
    return this.seals;
  }

  get(txId: string): PaymentRow | undefined {
    const e = this.entries.get(txId);
    if (!e) return undefined;
    if (e.row.status === 'confirmed') return e.row;
    if (e.seals === this.seals && this.now() - e.at < this.pendingTtlMs) return e.row;
    this.entries.delete(txId);
    return undefined;
  }

  /** Keeps a row read while the cache's version was `version` (a seal in between makes it stale at once). */
  put(row: PaymentRow, version: number): void {
    if (this.entries.size >= this.maxEntries && !this.entries.has(row.txId)) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    this.entries.set(row.txId, { row, seals: version, at: this.now() });
  }
}
