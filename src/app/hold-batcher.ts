/**
 * Group commit for payment holds. The holds that arrive in one turn of the
 * event loop (every request read from the sockets in that turn), and those
 * that arrive while a batch is in the store, go together: one call, one
 * transaction, one commit (idx_pay_many) for up to `maxBatch` of them. A
 * lone payment waits only for the end of its turn (setImmediate). If a batch fails as a
 * whole, its holds are retried one by one, so a payment can fail only for
 * its own reason. Past `maxQueued` waiting holds a payment is refused with
 * SERVICE_UNAVAILABLE (503, Retry-After) at once instead of waiting without
 * bound: under overload the server sheds load and stays responsive.
 */
import { IdxError } from '../domain/errors.ts';
import type { Db } from '../infra/db/database.ts';
import { holdAndRecord, holdMany, type HoldOutcome, type HoldRequest } from '../infra/db/repos/payments.ts';

export interface HoldBatcherOptions {
  /** Holds per batch at most. */
  readonly maxBatch: number;
  /** Batches in the store at once (1 for the embedded store's one connection). */
  readonly maxInFlight: number;
  /** Holds waiting at most; beyond, payments are refused with 503. */
  readonly maxQueued: number;
}

export interface HoldSink {
  hold(req: HoldRequest): Promise<HoldOutcome>;
}

interface Waiting {
  readonly req: HoldRequest;
  readonly resolve: (o: HoldOutcome) => void;
  readonly reject: (e: unknown) => void;
}

export class HoldBatcher implements HoldSink {
  private queue: Waiting[] = [];
  private inFlight = 0;
  private scheduled = false;
  private idle: Array<() => void> = [];
  /** Batches sent and holds in them (for metrics and tests). */
  readonly stats = { batches: 0, holds: 0, largest: 0, shed: 0 };

  constructor(
    private readonly db: Db,
    private readonly opts: HoldBatcherOptions,
  ) {}

  get queued(): number {
    return this.queue.length;
  }

  hold(req: HoldRequest): Promise<HoldOutcome> {
    if (this.queue.length >= this.opts.maxQueued) {
      this.stats.shed++;
      return Promise.reject(new IdxError('SERVICE_UNAVAILABLE', 'Too many payments are waiting to be recorded; try again in a moment.'));
    }
    return new Promise<HoldOutcome>((resolve, reject) => {
      this.queue.push({ req, resolve, reject });
      this.schedule();
    });
  }

  /** Resolves when nothing is waiting or in the store. */
  drained(): Promise<void> {
    if (this.queue.length === 0 && this.inFlight === 0) return Promise.resolve();
    return new Promise((r) => this.idle.push(r));
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.pump();
    });
  }

  private pump(): void {
    while (this.inFlight < this.opts.maxInFlight && this.queue.length > 0) {
      const batch = this.queue.splice(0, this.opts.maxBatch);
      this.inFlight++;
      this.stats.batches++;
      this.stats.holds += batch.length;
      if (batch.length > this.stats.largest) this.stats.largest = batch.length;
      void this.run(batch).finally(() => {
        this.inFlight--;
        this.schedule();
        if (this.queue.length === 0 && this.inFlight === 0) for (const r of this.idle.splice(0)) r();
      });
    }
  }

  private async run(batch: Waiting[]): Promise<void> {
    if (batch.length > 1) {
      let outcomes: HoldOutcome[] | null = null;
      try {
        outcomes = await holdMany(this.db, batch.map((w) => w.req));
      } catch {
        // Nothing of the batch was committed: decide each hold alone below.
      }
      if (outcomes) {
        batch.forEach((w, i) => w.resolve(outcomes[i]!));
        return;
      }
    }
    for (const w of batch) {
      try {
        w.resolve(await holdAndRecord(this.db, w.req.payment, w.req.audit, w.req.at));
      } catch (e) {
        w.reject(e);
      }
    }
  }
}

/** No batching: each hold is its own call (use cases and tests without a batcher). */
export function directHolds(db: Db): HoldSink {
  return { hold: (r) => holdAndRecord(db, r.payment, r.audit, r.at) };
}
