/**
 * Hashing on worker threads, one per core. Every thread works on ALL
 * candidates of the job (each thread on its own part of every candidate's
 * nonce space), so the hash budget per miner is equal whatever the number of
 * miners and threads. A round reaches a thread as its base header; the
 * miners' bytes only when the set changed. A new job or a stop reaches every
 * thread within a slice. A staged job (stage()) is started by the threads
 * themselves on a solution of the job before it (the chain, hash-worker.ts);
 * that solution then reports it, and its threads' early reports wait for it.
 */
import os from 'node:os';
import { readFileSync } from 'node:fs';
import { Worker, MessageChannel, type MessagePort } from 'node:worker_threads';
import { createHash } from 'node:crypto';
import { withNonce } from '../../domain/header.ts';
import { meetsTarget } from '../../domain/pow.ts';
import type { EngineName } from '../engines/types.ts';
import { CHAINED, CLOSING, CONTROL_WORDS, GEN, isFromWorker, signalClosing, wake, type FromWorker, type ToWorker } from './messages.ts';
import type { Hasher, HashProgress, MinerSet, MiningJob, Solution } from './types.ts';
import { Emitter } from './emitter.ts';
import { candidateHeader, chainedBase, monoUs } from './job.ts';
import { ThreadFold, readSchedstat, type FoldSettings } from './fold.ts';

/** How long the threads may take to report a chained job started before it is started from here. */
const CHAIN_WATCH_MS = 2_000;

interface Thread {
  readonly worker: Worker;
  readonly port: MessagePort;
}

/** The fold's inputs (tests give their own): its settings, the machine's idle time so far (ms over all cores), a clock (ms). */
export interface AdaptOptions {
  readonly settings?: FoldSettings;
  readonly idleMs?: () => number;
  readonly nowMs?: () => number;
  /** The fold itself (tests set its count). */
  readonly fold?: ThreadFold;
}

const machineIdleMs = () => os.cpus().reduce((sum, c) => sum + c.times.idle, 0);

/**
 * `adapt`: give work to as many threads as the machine leaves cores for
 * (fold.ts); otherwise to all of them. Needs Linux's schedstat, else all.
 */
export async function createThreadHasher(opts: { threads: number; engine: EngineName; nice?: number; adapt?: boolean | AdaptOptions }): Promise<Hasher> {
  const control = new SharedArrayBuffer(4 * CONTROL_WORDS);
  const ctrl = new Int32Array(control);
  const emitter = new Emitter();
  const threads: Thread[] = [];
  let job: MiningJob | null = null;
  /** The last few jobs, to attribute late progress reports. */
  const recent = new Map<number, MiningJob>();
  let gen = 0;
  let closed = false;
  /** The miner set the threads hold (sent when a job brings another). */
  let sentMiners: MinerSet | null = null;
  /** Threads that started each recent job (of the `need` given it), and when the last of them did. */
  const starts = new Map<number, { threads: number; need: number; atUs: number }>();
  /** The job staged after the current one (the threads start it themselves on its solution). */
  let staged: { readonly after: number; readonly job: MiningJob; readonly atUs: number } | null = null;
  /** Solutions and exhaustions of the staged job that came before the solution that started it. */
  let early: FromWorker[] = [];

  const onMessage = (m: unknown, t: number) => {
    if (!isFromWorker(m)) return;
    if (m.type === 'progress' && m.sched && fold) {
      fold.add(t, { runNs: m.sched[0], waitNs: m.sched[1] });
      // Takes effect at the next start(); the idle time (os.cpus(), ~0.2 ms) is read once a window, not per report.
      const now = nowMs();
      if (fold.due(now)) fold.decide(now, idleMs());
    }
    handle(m);
  };
  const handle = (m: FromWorker) => {
    if (m.type === 'fatal') emitter.emit('error', new Error(`hash worker failed: ${m.message}`));
    if (m.type === 'started') {
      const s = starts.get(m.jobId);
      if (!s) return;
      s.threads++;
      s.atUs = Math.max(s.atUs, m.atUs);
      if (s.threads === s.need) {
        starts.delete(m.jobId);
        emitter.emit('started', { jobId: m.jobId, atUs: s.atUs });
      }
      return;
    }
    if (m.type === 'progress') {
      // Progress of a recent older job still counts as hashes done for its miners.
      const j = recent.get(m.jobId);
      if (!j) return;
      const map = new Map<string, number>();
      const ids = j.miners.ids;
      m.counts.forEach((c, i) => {
        const id = ids[i];
        if (id !== undefined && c > 0) map.set(id, c);
      });
      if (map.size > 0) emitter.emit('progress', { jobId: m.jobId, hashesByMiner: map } satisfies HashProgress);
      return;
    }
    if (m.type !== 'solution' && m.type !== 'exhausted') return;
    if (staged !== null && m.jobId === staged.job.jobId) {
      early.push(m); // a thread already on the staged job: its solution that started it is on the way
      return;
    }
    if (!job || m.jobId !== job.jobId) return;
    const j = job;
    const minerIdx = j.miners.ids[m.index];
    if (minerIdx === undefined) return;
    if (m.type === 'solution') {
      const header = withNonce(candidateHeader(j, m.index), m.nonce);
      if (!meetsTarget(createHash('sha256').update(header).digest(), j.target)) {
        emitter.emit('error', new Error(`a worker reported a nonce that does not meet the target (${opts.engine})`));
        resync(); // whatever the threads hash, they start again on this side's job
        return;
      }
      let next: MiningJob | undefined;
      let stagedLateAtUs: number | undefined;
      if (staged?.after === j.jobId && (m.chained === undefined || m.chained === staged.job.jobId)) {
        // The threads move on to the staged job, on this solution's hash: its thread started it at
        // once (chained), or starts it as it reads the stage (posted before this solution reached
        // here). When it was staged after the solution was found (its thread may have read it before
        // reporting, and so chained it), the hand-off counts from the stage.
        next = { ...staged.job, base: chainedBase(staged.job.base, header) };
        if (staged.atUs > m.foundAtUs) stagedLateAtUs = staged.atUs;
        job = next;
        recent.set(next.jobId, next);
        staged = null;
        watch(next);
      }
      const held = early;
      early = [];
      const late = stagedLateAtUs === undefined ? {} : { stagedLateAtUs };
      emitter.emit('solution', { jobId: m.jobId, minerIdx, nonce: m.nonce, header, foundAtUs: m.foundAtUs, ...(next ? { next } : {}), ...late } satisfies Solution);
      if (next) for (const e of held) handle(e);
    } else {
      emitter.emit('exhausted', { jobId: m.jobId, minerIdx });
    }
  };

  const n = Math.max(1, opts.threads);
  const adapt = opts.adapt === true ? {} : opts.adapt || null;
  const idleMs = adapt?.idleMs ?? machineIdleMs;
  const nowMs = adapt?.nowMs ?? (() => performance.now());
  const fold = adapt?.fold ?? (adapt && n > 1 && readSchedstat((p) => readFileSync(p, 'utf8')) !== null ? new ThreadFold(n, nowMs(), idleMs(), adapt.settings) : null);
  /** Threads given work (the fold's count, taken at each start()); the others wait. */
  let active = n;
  /** Thread t's part of every candidate's nonce space, among `active` threads. */
  const range = (t: number) => {
    const span = Math.floor(0x100000000 / active);
    return { nonceStart: t * span, nonceSpan: t === active - 1 ? 0x100000000 - t * span : span };
  };
  // A channel between every two threads, for the chain.
  const peers: MessagePort[][] = Array.from({ length: n }, () => []);
  for (let t = 0; t < n; t++) {
    for (let u = t + 1; u < n; u++) {
      const ch = new MessageChannel();
      peers[t]!.push(ch.port1);
      peers[u]!.push(ch.port2);
    }
  }
  for (let t = 0; t < n; t++) {
    const { port1, port2 } = new MessageChannel();
    const worker = new Worker(new URL('./hash-worker-entry.mjs', import.meta.url), {
      workerData: { engine: opts.engine, control, port: port2, peers: peers[t], nice: opts.nice ?? 19, sched: fold !== null, ...range(t) },
      transferList: [port2, ...peers[t]!],
    });
    port1.on('message', (m) => onMessage(m, t));
    worker.on('error', (e) => emitter.emit('error', e));
    threads.push({ worker, port: port1 });
  }
  // Wait until every thread has its engine (or report why not).
  await Promise.all(
    threads.map(
      (t) =>
        new Promise<void>((resolve, reject) => {
          const onFirst = (m: unknown) => {
            if (isFromWorker(m) && m.type === 'ready') {
              t.port.off('message', onFirst);
              resolve();
            } else if (isFromWorker(m) && m.type === 'fatal') {
              t.port.off('message', onFirst);
              reject(new Error(m.message));
            }
          };
          t.port.on('message', onFirst);
          t.worker.once('exit', () => reject(new Error('a hash worker exited during start-up')));
        }),
    ),
  ).catch(async (e: unknown) => {
    Atomics.store(ctrl, CLOSING, 1);
    await Promise.all(threads.map((t) => t.worker.terminate()));
    throw e;
  });

  /** A job handed to the threads: its late progress still counts, and its start is timed. */
  const remember = (j: MiningJob) => {
    recent.set(j.jobId, j);
    if (recent.size > 16) recent.delete(recent.keys().next().value!);
    starts.set(j.jobId, { threads: 0, need: active, atUs: 0 });
    if (starts.size > 16) starts.delete(starts.keys().next().value!);
  };

  const broadcast = (make: (t: number, g: number) => ToWorker) => {
    // The generation first: a thread holding a message of it then always sees it current, so it
    // claims its solutions (CHAINED) instead of leaving them to this side as of an older one.
    gen++;
    Atomics.store(ctrl, GEN, gen);
    threads.forEach((th, t) => th.port.postMessage(make(t, gen)));
    Atomics.notify(ctrl, GEN);
    wake(ctrl);
  };

  const start = (j: MiningJob) => {
    if (closed) return;
    active = fold?.active ?? n;
    job = j;
    staged = null;
    early = [];
    remember(j);
    if (j.miners !== sentMiners) {
      sentMiners = j.miners;
      for (const th of threads) th.port.postMessage({ type: 'miners', bytes: j.miners.bytes } satisfies ToWorker);
    }
    // Job ids only grow, but a resync starts the same job again: it must not count as solved. Before
    // the job goes out: a thread may solve and claim it at once.
    for (let c = Atomics.load(ctrl, CHAINED); c >= j.jobId; c = Atomics.load(ctrl, CHAINED)) Atomics.compareExchange(ctrl, CHAINED, c, j.jobId - 1);
    broadcast((t, g) => (t < active ? { type: 'job', gen: g, jobId: j.jobId, target: j.target, base: j.base, ...range(t) } : { type: 'stop', gen: g }));
  };
  const resync = () => {
    if (job) start(job);
  };
  /**
   * A safety net for the chain: should the threads not all report `j`
   * started soon (they always do: a thread that claimed the solution starts
   * it, the others follow), it is started from here.
   */
  const watch = (j: MiningJob) => {
    setTimeout(() => {
      if (!closed && job === j && starts.has(j.jobId)) {
        emitter.emit('error', new Error(`the threads did not start chained job ${j.jobId}: started again`));
        start(j);
      }
    }, CHAIN_WATCH_MS).unref();
  };

  return {
    engine: opts.engine,
    threads: n,
    activeThreads: () => active,
    start,
    stage(after: number, next: MiningJob) {
      // The threads hold one miner set: a job racing another set is started by start().
      if (closed || job?.jobId !== after || next.miners !== job.miners) return;
      staged = { after, job: next, atUs: monoUs() };
      early = [];
      remember(next);
      const msg = { type: 'next', after, jobId: next.jobId, target: next.target, base: next.base } satisfies ToWorker;
      for (let t = 0; t < active; t++) threads[t]!.port.postMessage(msg);
      wake(ctrl); // a thread that already solved `after` waits for it
    },
    stop() {
      if (closed) return;
      job = null;
      staged = null;
      early = [];
      broadcast((_t, g) => ({ type: 'stop', gen: g }));
    },
    on: emitter.on.bind(emitter) as Hasher['on'],
    async close() {
      if (closed) return;
      closed = true;
      job = null;
      signalClosing(ctrl);
      wake(ctrl);
      await Promise.all(threads.map((t) => t.worker.terminate()));
      for (const t of threads) t.port.close();
    },
  };
}

