/**
 * Kysely over the embedded PGlite store. PGlite has one connection and runs
 * one statement at a time, in the order it receives them. The "pool" gives
 * every holder a client at once and orders their statements:
 * - Statements outside a transaction are sent as they come, at most `depth`
 *   at a time: the database thread has the next one queued when it finishes
 *   one (no idle gap while the event loop gets round to sending it), and the
 *   rest wait here, where the order can still change.
 * - A transaction owns the connection from BEGIN to COMMIT or ROLLBACK:
 *   while it is open nothing else is sent, so nothing interleaves with it
 *   (what was sent before BEGIN runs before it).
 * - Waiting statements go in arrival order; the `urgent()` view's (the
 *   sealer's) before the others, so a flood of payments and reads cannot
 *   starve the blocks that settle them.
 */
import type { StatementRunner } from './pglite-runner.ts';

interface PoolClient {
  query(sql: string, params: unknown[]): Promise<{ command?: string; rowCount?: number; rows: unknown[] }>;
  release(destroy?: boolean): void;
}

const BEGIN = /^\s*(begin|start\s+transaction)\b/i;
const END = /^\s*(commit|end|abort|rollback)\s*(transaction|work)?\s*;?\s*$/i;

interface Waiter {
  readonly begins: boolean;
  readonly owner: object;
  go: () => void;
}

export class SingleConnectionPool {
  private holders = 0;
  private inFlight = 0;
  /** The client whose transaction is open (or waiting for its BEGIN to be answered). */
  private tx: object | null = null;
  private readonly waiters: Waiter[] = [];
  private readonly urgentWaiters: Waiter[] = [];
  private closed = false;

  /** `depth`: statements outside transactions sent ahead of their answers (1: one at a time). */
  constructor(
    private readonly pg: StatementRunner,
    private readonly depth = 2,
  ) {}

  /** Whether any holder has the connection (for the metrics). */
  get busy(): boolean {
    return this.holders > 0;
  }

  /** The same connection, its statements sent before any ordinary waiter's; ending it ends nothing. */
  urgent(): { connect(): Promise<PoolClient>; end(): Promise<void> } {
    return { connect: () => this.connect(true), end: async () => {} };
  }

  async connect(urgent = false): Promise<PoolClient> {
    if (this.closed) throw new Error('the embedded database is closed');
    this.holders++;
    const owner = {};
    let released = false;
    return {
      query: async (sql, params) => {
        const begins = BEGIN.test(sql);
        if (this.tx === owner) this.inFlight++;
        else await this.admit(owner, begins, urgent); // takes a slot (and the transaction, for a BEGIN)
        const ends = !begins && this.tx === owner && END.test(sql);
        let failedBegin = false;
        try {
          const r = await this.pg.run(sql, params);
          return { command: r.command, rowCount: r.affectedRows ?? 0, rows: r.rows };
        } catch (e) {
          failedBegin = begins; // no transaction was opened
          throw e;
        } finally {
          this.inFlight--;
          if (ends || failedBegin) this.tx = null;
          this.pump();
        }
      },
      release: () => {
        if (released) return;
        released = true;
        this.holders--;
        if (this.tx !== owner) return;
        // A holder that leaves its transaction open (it never does through Kysely) has it rolled back.
        this.inFlight++;
        void this.pg
          .run('rollback', [])
          .catch(() => {})
          .finally(() => {
            this.inFlight--;
            this.tx = null;
            this.pump();
          });
      },
    };
  }

  async end(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pg.close();
  }

  /** Resolves once `owner` may send (no transaction open, a free slot, nobody waiting before it), holding a slot. */
  private admit(owner: object, begins: boolean, urgent: boolean): Promise<void> {
    const w: Waiter = { begins, owner, go: () => {} };
    const p = new Promise<void>((go) => (w.go = go));
    (urgent ? this.urgentWaiters : this.waiters).push(w);
    this.pump();
    return p;
  }

  /** Lets waiters go, in order, while they may: each takes a slot; a BEGIN takes the transaction too. */
  private pump(): void {
    while (this.tx === null && this.inFlight < this.depth) {
      const w = this.urgentWaiters.shift() ?? this.waiters.shift();
      if (!w) return;
      this.inFlight++;
      if (w.begins) this.tx = w.owner;
      w.go();
    }
  }
}
