/**
 * Kysely over the embedded PGlite store. PGlite has one connection, so the
 * "pool" hands it to one holder at a time (a FIFO mutex): a transaction owns
 * the connection from BEGIN to COMMIT and nothing interleaves with it. The
 * `urgent()` view jumps the queue: the sealer uses it, so a flood of payments
 * cannot starve the blocks that settle them.
 */
import type { StatementRunner } from './pglite-runner.ts';

interface PoolClient {
  query(sql: string, params: unknown[]): Promise<{ command?: string; rowCount?: number; rows: unknown[] }>;
  release(destroy?: boolean): void;
}

export class SingleConnectionPool {
  busy = false;
  private readonly waiters: Array<() => void> = [];
  private readonly urgentWaiters: Array<() => void> = [];
  private closed = false;

  constructor(private readonly pg: StatementRunner) {}

  /** The same connection, handed out before any ordinary waiter; ending it ends nothing. */
  urgent(): { connect(): Promise<PoolClient>; end(): Promise<void> } {
    return { connect: () => this.connect(true), end: async () => {} };
  }

  async connect(urgent = false): Promise<PoolClient> {
    if (this.closed) throw new Error('the embedded database is closed');
    if (this.busy) await new Promise<void>((resolve) => (urgent ? this.urgentWaiters : this.waiters).push(resolve));
    else this.busy = true;
    let released = false;
    return {
      query: async (sql, params) => {
        const r = await this.pg.run(sql, params);
        return { command: r.command, rowCount: r.affectedRows ?? 0, rows: r.rows };
      },
      release: () => {
        if (released) return;
        released = true;
        const next = this.urgentWaiters.shift() ?? this.waiters.shift();
        if (next) next();
        else this.busy = false;
      },
    };
  }

  async end(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pg.close();
  }
}
