/**
 * Whether the store can serve: migrations applied and the database reachable.
 * A store that is down at start-up is retried in the background with back-off
 * (the server answers 503 meanwhile) instead of crash-looping. A store lost
 * while serving (a request or a health check finds it unreachable) goes the
 * same way: unavailable at once (every /api request a quick 503 instead of
 * each waiting on its own for a connection), probed in the background, ready
 * again as soon as a probe succeeds.
 */
import { migrate, type Db } from './database.ts';

export type StoreState = 'migrating' | 'ready' | 'unavailable' | 'closed';

export interface ReadinessLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export class StoreReadiness {
  private current: StoreState = 'migrating';
  private lastError: string | null = null;
  private timer: NodeJS.Timeout | null = null;
  private readonly waiters: Array<() => void> = [];

  constructor(
    private readonly db: Db,
    private readonly log: ReadinessLog,
    private readonly maxBackoffMs = 5_000,
  ) {}

  get state(): StoreState {
    return this.current;
  }

  get ready(): boolean {
    return this.current === 'ready';
  }

  get error(): string | null {
    return this.lastError;
  }

  /** One attempt now; on failure keeps retrying in the background. Resolves true when ready at once. */
  async start(): Promise<boolean> {
    if (await this.attempt()) return true;
    this.schedule(500);
    return false;
  }

  /** Resolves when the store becomes ready (at once if it is). */
  whenReady(): Promise<void> {
    if (this.ready) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** The store was found unreachable while ready: answer 503 and probe until it is back. */
  lost(reason: string): void {
    if (this.current !== 'ready') return; // already probing (or closed)
    this.current = 'unavailable';
    this.lastError = reason;
    this.log.warn({ error: reason }, 'database lost; answering 503 and retrying');
    this.schedule(250);
  }

  close(): void {
    this.current = 'closed';
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private async attempt(): Promise<boolean> {
    try {
      if (this.current !== 'unavailable') this.current = 'migrating'; // a probe after a loss stays 'unavailable'
      await migrate(this.db);
      if ((this.current as StoreState) === 'closed') return false;
      this.current = 'ready';
      if (this.lastError !== null) this.log.info({}, 'database reachable again; ready');
      this.lastError = null;
      for (const w of this.waiters.splice(0)) w();
      return true;
    } catch (e) {
      if (this.current === 'closed') return false;
      const msg = (e as Error).message || String(e);
      if (msg !== this.lastError) this.log.warn({ error: msg }, 'database unavailable; retrying');
      this.lastError = msg;
      this.current = 'unavailable';
      return false;
    }
  }

  private schedule(delay: number): void {
    if (this.current === 'closed') return;
    this.timer = setTimeout(async () => {
      this.timer = null;
      if (!(await this.attempt())) this.schedule(Math.min(this.maxBackoffMs, delay * 2));
    }, delay);
    this.timer.unref();
  }
}
