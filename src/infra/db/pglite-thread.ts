/**
 * The database thread: opens PGlite in `workerData.dataDir`, says ready (id
 * 0), then runs each statement's messages it is sent, one at a time, and
 * answers with the backend's bytes (both moved, not copied, between the
 * threads; the main thread encodes and reads them, pglite-protocol.ts and
 * pglite-results.ts), or with why PGlite itself failed. A `close` message
 * closes the database and answers.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { openWire } from './pglite-runner.ts';
import { withHugePages } from './huge-pages.ts';
import type { FromDbThread, ToDbThread } from './pglite-runner.ts';

const port = parentPort!;
const post = (m: FromDbThread) => ('answer' in m && m.answer ? port.postMessage(m, [m.answer.buffer as ArrayBuffer]) : port.postMessage(m));

// A live handle while the database opens. Without one the thread's event loop has nothing to wait
// for while PGlite awaits its WebAssembly, so Node drains the platform's background tasks there:
// it blocks this thread until every queued compilation of the process (the TurboFan tier-up of
// the database's own code) is done, 150-350 ms of start-up on two cores.
const keepAlive = setInterval(() => {}, 1 << 30);
try {
  const db = await withHugePages(() => openWire((workerData as { dataDir: string }).dataDir));
  // The runner runs one statement at a time in call order (and closes after them): messages are handled as they come.
  port.on('message', (m: ToDbThread) => void handle(m));
  const handle = async (m: ToDbThread): Promise<void> => {
    if ('close' in m) {
      await db.close().catch(() => {});
      post({ id: m.id, ok: true });
      return;
    }
    try {
      post({ id: m.id, ok: true, answer: await db.exchange(m.message) });
    } catch (e) {
      const err = e as Error & Record<string, unknown>;
      const fields: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(err)) if (typeof v === 'string' || typeof v === 'number') fields[k] = v;
      post({ id: m.id, ok: false, error: { message: err?.message ?? String(e), fields } });
    }
  };
  post({ id: 0, ok: true });
} catch (e) {
  post({ id: 0, fatal: (e as Error)?.message ?? String(e) });
} finally {
  clearInterval(keepAlive);
}
