/**
 * Where the embedded database's statements run. In process: PGlite executes
 * on the calling thread (tests, small tools). On a thread of its own (the
 * server): the WebAssembly backend runs beside the event loop instead of
 * inside it, so taking payments over HTTP and executing SQL use two cores.
 * Both are the same `StatementRunner`; SingleConnectionPool hands it to one
 * holder at a time.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { PGlite } from '@electric-sql/pglite';
import { exchange, runStatement, StatementCache } from './pglite-protocol.ts';
import { INT8_OID, type StatementResult } from './pglite-results.ts';

export { INT8_OID, type StatementResult };

export interface StatementRunner {
  run(sql: string, params: readonly unknown[]): Promise<StatementResult>;
  close(): Promise<void>;
}

/**
 * The embedded server's settings beyond PGlite's own (its defaultStartParams).
 * shared_buffers 32 MB instead of PostgreSQL's 128 MB: PGlite touches all of
 * it when it opens, ~300 ms of the ~830 ms an existing data directory takes
 * to open here, and the ledger's working set (the tails of the payment and
 * audit tables and their indexes, users, miners) is far smaller; pages beyond
 * it come from the operating system's cache.
 */
const SETTINGS: readonly string[] = ['-c', 'shared_buffers=32MB'];

/** PGlite opened on this thread: it answers each statement's messages with the backend's bytes. */
export interface WireConnection {
  exchange(message: Uint8Array): Promise<Uint8Array>;
  close(): Promise<void>;
}

/** Opens PGlite on this thread (dataDir null: in memory); one exchange at a time, in call order. */
export async function openWire(dataDir: string | null): Promise<WireConnection> {
  const { PGlite } = await import('@electric-sql/pglite');
  const options = { startParams: [...(PGlite as unknown as { defaultStartParams: string[] }).defaultStartParams, ...SETTINGS] };
  const pg: PGlite = dataDir === null ? new PGlite(options) : new PGlite(dataDir, options);
  await pg.waitReady;
  // One exchange at a time, in call order (callers may send the next before the last is answered); close after them.
  let last: Promise<unknown> = Promise.resolve();
  return {
    exchange: (message) => {
      const r = last.then(() => exchange(pg, message));
      last = r.catch(() => {});
      return r;
    },
    close: () => last.then(() => pg.close()),
  };
}

/** Opens PGlite on this thread (dataDir null: in memory). */
export async function openInProcess(dataDir: string | null): Promise<StatementRunner> {
  const wire = await openWire(dataDir);
  const statements = new StatementCache();
  return {
    run: (sql, params) => runStatement(wire.exchange, sql, params, statements),
    close: () => wire.close(),
  };
}

/** Messages between the main thread and the database thread. */
export type ToDbThread = { readonly id: number; readonly message: Uint8Array } | { readonly id: number; readonly close: true };
export type FromDbThread =
  | { readonly id: number; readonly ok: true; readonly answer?: Uint8Array }
  | { readonly id: number; readonly ok: false; readonly error: { readonly message: string; readonly fields: Record<string, unknown> } }
  | { readonly id: 0; readonly fatal: string };

/** Opens PGlite on a thread of its own: resolves once it is ready (or rejects with why not). */
export async function openOnThread(dataDir: string): Promise<StatementRunner> {
  const started = startOnThread(dataDir);
  await started.ready;
  return started.runner;
}

/**
 * Starts PGlite on a thread of its own and returns at once: `ready` settles
 * when the database is open (or rejects with why not), and statements given
 * to `runner` before that wait for it. The server builds everything else
 * while the database opens (start-up time).
 */
export interface StartedThread {
  readonly runner: StatementRunner;
  readonly ready: Promise<void>;
}

export function startOnThread(dataDir: string): StartedThread {
  const worker = new Worker(new URL('./pglite-thread-entry.mjs', import.meta.url), { workerData: { dataDir } });
  const waiting = new Map<number, { resolve: (r: Uint8Array | undefined) => void; reject: (e: Error) => void }>();
  // Statements are prepared per connection; this thread's one connection is on the database thread.
  const statements = new StatementCache();
  let nextId = 1;
  let dead: Error | null = null;
  const failAll = (e: Error) => {
    dead = e;
    for (const w of waiting.values()) w.reject(e);
    waiting.clear();
  };
  const ready = new Promise<void>((resolve, reject) => {
    const onMessage = (m: FromDbThread) => {
      if ('fatal' in m) return reject(new Error(m.fatal));
      if (m.id === 0) {
        worker.off('message', onMessage);
        resolve();
      }
    };
    worker.on('message', onMessage);
    worker.once('error', reject);
    worker.once('exit', () => reject(new Error('the database thread exited during start-up')));
  });
  ready.catch(() => {}); // whoever awaits it (or runs a statement) hears why
  worker.on('message', (m: FromDbThread) => {
    const w = waiting.get(m.id);
    if (!w || 'fatal' in m) return;
    waiting.delete(m.id);
    if (m.ok) w.resolve(m.answer);
    else w.reject(Object.assign(new Error(m.error.message), m.error.fields));
  });
  worker.on('error', (e) => failAll(e instanceof Error ? e : new Error(String(e))));
  worker.on('exit', () => failAll(new Error('the embedded database is closed')));
  const send = (msg: ToDbThread) =>
    new Promise<Uint8Array | undefined>((resolve, reject) => {
      if (dead) return reject(dead);
      waiting.set(msg.id, { resolve, reject });
      // The statement's bytes move to the thread (not copied), as its answer's move back.
      if ('message' in msg) worker.postMessage(msg, [msg.message.buffer as ArrayBuffer]);
      else worker.postMessage(msg);
    });
  let closing: Promise<void> | null = null;
  const runner: StatementRunner = {
    run: async (sql, params) => {
      await ready;
      return runStatement(async (message) => (await send({ id: nextId++, message }))!, sql, params, statements);
    },
    close: () =>
      (closing ??= (async () => {
        const opened = await ready.then(
          () => true,
          () => false,
        );
        if (opened && !dead) await send({ id: nextId++, close: true }).catch(() => {});
        await worker.terminate();
      })()),
  };
  return { runner, ready };
}

/**
 * Starts the embedded database's thread for the server's data directory
 * (its pglite/ folder) at once, before the rest of the server is loaded: the
 * database opens while the code loads. Give the result to openStore as
 * `started`. This module loads nothing heavy, so the caller can import it first.
 */
export function startPgliteThread(dataDir: string): StartedThread {
  const dir = path.resolve(dataDir, 'pglite');
  mkdirSync(dir, { recursive: true });
  return startOnThread(dir);
}
