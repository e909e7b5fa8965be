/**
 * The single-thread twin of the thread hasher: the same fair scan, run in
 * slices on the main thread between other work (setImmediate), for tests and
 * machines with one core (MINING_THREADS=0). A staged job starts at once on
 * a solution of the job before it, as on the threads.
 */
import { withNonce } from '../../domain/header.ts';
import type { HashEngine } from '../engines/types.ts';
import { FairScanner } from './scanner.ts';
import { Emitter } from './emitter.ts';
import { candidateHeader, chainedBase, monoUs } from './job.ts';
import type { Hasher, MiningJob } from './types.ts';

export function createInlineHasher(opts: { engine: HashEngine; budgetMs?: number; random?: () => number }): Hasher {
  const emitter = new Emitter();
  const scanner = new FairScanner(opts.engine, 1, opts.random);
  const budget = opts.budgetMs ?? 4;
  let job: MiningJob | null = null;
  /** The job staged after the current one. */
  let staged: { readonly after: number; readonly job: MiningJob } | null = null;
  let scheduled: NodeJS.Immediate | null = null;
  let lastReport = performance.now();
  let closed = false;

  const report = () => {
    if (!job) return;
    const counts = scanner.takeCounts();
    const map = new Map<string, number>();
    const ids = job.miners.ids;
    counts.forEach((n, i) => {
      const id = ids[i];
      if (id !== undefined && n > 0) map.set(id, n);
    });
    if (map.size > 0) emitter.emit('progress', { jobId: job.jobId, hashesByMiner: map });
    lastReport = performance.now();
  };

  const load = (j: MiningJob) => {
    job = j;
    scanner.load({ jobId: j.jobId, target: j.target, base: j.base, miners: j.miners.bytes, nonceStart: 0, nonceSpan: 0x100000000 });
  };

  const tick = () => {
    scheduled = null;
    if (!job || closed) return;
    const until = performance.now() + budget;
    while (performance.now() < until && job !== null && scanner.active) {
      const j: MiningJob = job;
      const ev = scanner.step();
      if (!ev) continue;
      const minerIdx = j.miners.ids[ev.index]!;
      if (ev.kind === 'solution') {
        report();
        const foundAtUs = monoUs();
        const header = withNonce(candidateHeader(j, ev.index), ev.nonce);
        let next: MiningJob | undefined;
        const st = staged as { readonly after: number; readonly job: MiningJob } | null;
        if (st?.after === j.jobId) {
          next = { ...st.job, base: chainedBase(st.job.base, header) };
          staged = null;
          load(next);
        }
        emitter.emit('solution', { jobId: j.jobId, minerIdx, nonce: ev.nonce, header, foundAtUs, ...(next ? { next } : {}) });
        if (next && job === next) emitter.emit('started', { jobId: next.jobId, atUs: monoUs() });
      } else {
        emitter.emit('exhausted', { jobId: j.jobId, minerIdx });
      }
    }
    if (performance.now() - lastReport > 250) report();
    if (job !== null && scanner.active && !scheduled) scheduled = setImmediate(tick);
  };

  return {
    engine: opts.engine.name,
    threads: 0,
    start(j) {
      if (closed) return;
      report();
      staged = null;
      load(j);
      emitter.emit('started', { jobId: j.jobId, atUs: monoUs() });
      if (!scheduled) scheduled = setImmediate(tick);
    },
    stage(after, next) {
      if (!closed && job?.jobId === after && next.miners === job.miners) staged = { after, job: next };
    },
    stop() {
      report();
      staged = null;
      job = null;
      scanner.clear();
    },
    on: emitter.on.bind(emitter) as Hasher['on'],
    async close() {
      closed = true;
      job = null;
      if (scheduled) clearImmediate(scheduled);
      scheduled = null;
    },
  };
}
