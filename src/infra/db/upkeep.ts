/**
 * The embedded store's upkeep. PGlite runs PostgreSQL without its background
 * workers: no autovacuum, so nothing refreshes the planner's statistics, and
 * a planner that still believes a table holds the rows it held at start-up
 * plans badly (a lookup by key becomes a scan of a table it thinks tiny).
 * This does what autovacuum's analyze does on a server, by its rule: the
 * tables are analyzed at start, and again once the rows changed since the
 * last analyze (payments taken and settled, users registered, as the ledger
 * reports them through `changed`) pass 50 + 10% of the rows then counted.
 * An ANALYZE reads a bounded sample of each table (tens of milliseconds).
 * The hot statements (idx_pay_many, idx_seal_view, idx_seal_write) do not
 * depend on it: they run with planner settings of their own (migration 006).
 * PostgreSQL needs none of this.
 *
 * Nor does PGlite freeze old transaction ids, which PostgreSQL's autovacuum
 * does before they wrap around (2^31 transactions on, rows committed by an
 * unfrozen one would look as if in the future: gone). Every
 * `freezeCheckEveryMs` the age of the database's oldest unfrozen id is read;
 * past `freezeAfterXids` (150 M, below autovacuum's 200 M: ~9 days at 200
 * writing transactions a second) a `VACUUM (FREEZE)` runs. It holds the one
 * connection while it reads the tables' pages not yet all-frozen, so it is rare
 * by design; it also clears the dead rows the store otherwise keeps.
 */
import { sql } from 'kysely';
import type { Db } from './database.ts';

export interface UpkeepLog {
  warn(obj: object, msg: string): void;
}

/** The tables whose statistics the ledger's queries depend on (not the audit log, which is only appended and read in order). */
const TABLES = sql`transactions, users, blocks, block_verdicts, miner_statistics, banks`;

export class StoreUpkeep {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private closed = false;
  private changes = 0;
  private rowsAtLastRun = 0;
  /** ANALYZE runs done (for tests and metrics). */
  runs = 0;
  /** VACUUM (FREEZE) runs done. */
  freezes = 0;
  private lastFreezeCheck = performance.now();
  private readonly freezeAfterXids: number;
  private readonly freezeCheckEveryMs: number;

  constructor(
    private readonly db: Db,
    private readonly log: UpkeepLog,
    private readonly checkEveryMs = 2_000,
    freeze: { readonly afterXids?: number; readonly checkEveryMs?: number } = {},
  ) {
    this.freezeAfterXids = freeze.afterXids ?? 150_000_000;
    this.freezeCheckEveryMs = freeze.checkEveryMs ?? 600_000;
  }

  /**
   * Starts an ANALYZE (in the background: start-up does not wait for it), now or `afterMs` from now,
   * then checks the changes every `checkEveryMs` until closed. Resolves when that first one is done.
   */
  start(afterMs = 0): Promise<void> {
    if (afterMs > 0 && !this.closed) {
      return new Promise((resolve) => {
        this.timer = setTimeout(() => void this.start().then(resolve), afterMs);
        this.timer.unref();
      });
    }
    const first = this.analyze();
    this.schedule();
    return first;
  }

  /** Rows inserted or updated by the ledger (payments, settlements, registrations). */
  changed(rows: number): void {
    this.changes += rows;
  }

  /** Whether autovacuum's rule asks for an ANALYZE now. */
  get due(): boolean {
    return this.changes > 50 + 0.1 * this.rowsAtLastRun;
  }

  /** One ANALYZE of the ledger's tables; a failure is logged, never thrown (the next check tries again). */
  analyze(): Promise<void> {
    return this.exclusive('ANALYZE', async () => {
      const changes = this.changes;
      await sql`ANALYZE ${TABLES}`.execute(this.db);
      const r = await sql<{ n: number }>`SELECT coalesce(max(reltuples), 0)::float8 AS n FROM pg_class WHERE relname = 'transactions'`.execute(this.db);
      this.rowsAtLastRun = Math.max(0, Number(r.rows[0]?.n ?? 0));
      this.changes -= changes;
      this.runs++;
    });
  }

  /** Freezes the database's transaction ids if the oldest unfrozen one is `freezeAfterXids` old; a failure is logged. */
  freezeIfDue(): Promise<void> {
    return this.exclusive('VACUUM (FREEZE)', async () => {
      const r = await sql<{ age: number }>`SELECT age(datfrozenxid)::float8 AS age FROM pg_database WHERE datname = current_database()`.execute(this.db);
      if (Number(r.rows[0]?.age ?? 0) < this.freezeAfterXids) return;
      await sql`VACUUM (FREEZE)`.execute(this.db);
      this.freezes++;
    });
  }

  /** One piece of upkeep at a time (a call while one runs gets that one); none once closed; a failure is logged. */
  private exclusive(what: string, work: () => Promise<void>): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.running ??= work()
      .catch((e: unknown) => this.log.warn({ err: e }, `${what} failed`))
      .finally(() => {
        this.running = null;
      });
    return this.running;
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running;
  }

  private schedule(): void {
    if (this.closed) return;
    this.timer = setTimeout(() => {
      const freeze = performance.now() - this.lastFreezeCheck >= this.freezeCheckEveryMs;
      if (freeze) this.lastFreezeCheck = performance.now();
      void (this.due ? this.analyze() : Promise.resolve())
        .then(() => (freeze ? this.freezeIfDue() : undefined))
        .then(() => this.schedule());
    }, this.checkEveryMs);
    this.timer.unref();
  }
}
