/**
 * The hashing threads of `idxchain mine`: N workers, each on its own part of
 * the job's nonce space, so the main thread only speaks to the socket and
 * draws the display. A new job (or idle) reaches every thread within a slice:
 * the message is posted first, then the shared generation word moves and
 * wakes idle threads. Hash counts are shared counters (no message per slice).
 */
import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads';
import type { EngineName } from '../mining/engines/types.ts';
import { GEN, isFromMineWorker, signalClosing, type ToMineWorker } from './mine-messages.ts';

export interface FoundShare {
  /** The generation of the job it belongs to (see `work`). */
  readonly gen: number;
  readonly nonce: number;
  readonly block: boolean;
}

export interface WorkSpec {
  readonly header: Uint8Array;
  readonly shareTarget: Uint32Array;
  readonly target: Uint32Array;
}

export interface MinerThreads {
  readonly threads: number;
  /** Starts a job on every thread and abandons the previous one; returns its generation. */
  work(job: WorkSpec): number;
  /** Every thread stops hashing. */
  idle(): void;
  /** Hashes done by all threads so far. */
  hashes(): number;
  onShare(cb: (s: FoundShare) => void): void;
  onError(cb: (e: Error) => void): void;
  /** Terminates every thread; resolves when they are gone. */
  close(): Promise<void>;
}

const SPACE = 0x100000000;

export async function startMinerThreads(opts: { threads: number; engine: EngineName; shareIntervalMs: number; random?: () => number }): Promise<MinerThreads> {
  const n = Math.max(1, Math.floor(opts.threads));
  const random = opts.random ?? Math.random;
  const control = new SharedArrayBuffer(8);
  const ctrl = new Int32Array(control);
  const counters = new SharedArrayBuffer(8 * n);
  const counts = new BigInt64Array(counters);
  const shareCbs: Array<(s: FoundShare) => void> = [];
  const errorCbs: Array<(e: Error) => void> = [];
  const fail = (e: Error) => errorCbs.forEach((cb) => cb(e));
  const workers: Array<{ worker: Worker; port: MessagePort }> = [];
  let gen = 0;
  let closed = false;

  const ready = (w: Worker, port: MessagePort) =>
    new Promise<void>((resolve, reject) => {
      port.on('message', (m: unknown) => {
        if (!isFromMineWorker(m)) return;
        if (m.type === 'ready') resolve();
        else if (m.type === 'fatal') {
          reject(new Error(m.message));
          fail(new Error(`hash thread failed: ${m.message}`));
        } else if (m.gen === gen) shareCbs.forEach((cb) => cb(m));
      });
      w.on('error', (e) => {
        reject(e);
        fail(e);
      });
      w.once('exit', () => {
        reject(new Error('a hash thread exited during start-up'));
        if (!closed) fail(new Error('a hash thread exited'));
      });
    });

  const starting: Array<Promise<void>> = [];
  for (let t = 0; t < n; t++) {
    const { port1, port2 } = new MessageChannel();
    const worker = new Worker(new URL('./mine-worker-entry.mjs', import.meta.url), {
      workerData: { engine: opts.engine, control, counters, index: t, port: port2, shareIntervalMs: opts.shareIntervalMs },
      transferList: [port2],
    });
    workers.push({ worker, port: port1 });
    starting.push(ready(worker, port1));
  }

  const close = async () => {
    if (closed) return;
    closed = true;
    signalClosing(ctrl);
    await Promise.all(workers.map((w) => w.worker.terminate()));
    for (const w of workers) w.port.close();
  };
  try {
    await Promise.all(starting);
  } catch (e) {
    await close();
    throw e;
  }

  const broadcast = (make: (t: number, g: number) => ToMineWorker): number => {
    gen++;
    workers.forEach((w, t) => w.port.postMessage(make(t, gen)));
    Atomics.store(ctrl, GEN, gen);
    Atomics.notify(ctrl, GEN);
    return gen;
  };
  const span = Math.floor(SPACE / n);

  return {
    threads: n,
    work(job) {
      if (closed) return gen;
      // A random origin per job: a job re-sent after a reconnect does not replay the same shares.
      const origin = Math.floor(random() * SPACE);
      return broadcast((t, g) => ({
        type: 'job',
        gen: g,
        header: job.header,
        shareTarget: job.shareTarget,
        target: job.target,
        start: (origin + t * span) >>> 0,
        span: t === n - 1 ? SPACE - t * span : span,
      }));
    },
    idle() {
      if (!closed) broadcast((_t, g) => ({ type: 'stop', gen: g }));
    },
    hashes() {
      let sum = 0;
      for (let t = 0; t < n; t++) sum += Number(Atomics.load(counts, t));
      return sum;
    },
    onShare(cb) {
      shareCbs.push(cb);
    },
    onError(cb) {
      errorCbs.push(cb);
    },
    close,
  };
}
