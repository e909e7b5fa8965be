/**
 * Brings a large pool's deferred losses (migration 007) into the
 * miner_statistics table: every `everyMs` after a seal, and once more when
 * closed, a bounded number of rows per statement (`chunk`), so reads and
 * seals queued meanwhile run between the chunks. The API never waits for
 * this (its reads add the deferred losses themselves); it keeps the table
 * itself, as SQL written against the seed reads it, at most about `everyMs`
 * behind.
 */
import type { Db } from './database.ts';
import { raceFold } from './repos/race.ts';

export interface FoldLog {
  warn(obj: object, msg: string): void;
}

export interface FoldOptions {
  /** How often at most (default 10 s). */
  readonly everyMs?: number;
  /** Miners per statement (default 128). */
  readonly chunk?: number;
}

export class RaceFold {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private dirty = false;
  private closed = false;
  private readonly everyMs: number;
  private readonly chunk: number;
  /** Folds completed (for tests). */
  runs = 0;

  constructor(
    private readonly db: Db,
    private readonly log: FoldLog,
    opts: FoldOptions = {},
  ) {
    this.everyMs = opts.everyMs ?? 10_000;
    this.chunk = opts.chunk ?? 128;
  }

  /** A block was sealed: there may be losses to fold. */
  sealed(): void {
    this.dirty = true;
    if (this.timer || this.closed) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.fold();
    }, this.everyMs);
    this.timer.unref();
  }

  /** One pass over every miner in the race; a failure is logged, not thrown (the next seal schedules another). */
  fold(): Promise<void> {
    this.running ??= (async () => {
      this.dirty = false;
      try {
        let after: string | null = '';
        while (after !== null) {
          after = await raceFold(this.db, after, this.chunk);
          if (after !== null) await new Promise((r) => setImmediate(r));
        }
        this.runs++;
      } catch (e) {
        this.dirty = true;
        this.log.warn({ err: e }, 'could not fold deferred losses');
      }
    })().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  /** Stops the timer and folds what is left (after the pool's last seal). */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running;
    if (this.dirty) await this.fold();
  }
}
