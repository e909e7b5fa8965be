/**
 * The single-thread twin of the thread hasher: the same fair scan, run in
 * slices on the main thread between other work (setImmediate), for tests and
 * machines with one core (MINING_THREADS=0).
 */
import { withNonce } from '../../domain/header.ts';
import type { HashEngine } from '../engines/types.ts';
import { FairScanner } from './scanner.ts';
import { Emitter } from './emitter.ts';
import { candidateHeader, monoUs } from './job.ts';
import type { Hasher, MiningJob } from './types.ts';

export function createInlineHasher(opts: { engine: HashEngine; budgetMs?: number; random?: () => number }): Hasher {
  const emitter = new Emitter();
  const scanner = new FairScanner(opts.engine, 1, opts.random);
  const budget = opts.budgetMs ?? 4;
  let job: MiningJob | null = null;
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

  const tick = () => {
    scheduled = null;
    const j = job;
    if (!j || closed) return;
    const until = performance.now() + budget;
    while (performance.now() < until && job === j && scanner.active) {
      const ev = scanner.step();
      if (!ev) continue;
      const minerIdx = j.miners.ids[ev.index]!;
      if (ev.kind === 'solution') {
        report();
        emitter.emit('solution', { jobId: j.jobId, minerIdx, nonce: ev.nonce, header: withNonce(candidateHeader(j, ev.index), ev.nonce), foundAtUs: monoUs() });
      } else {
        emitter.emit('exhausted', { jobId: j.jobId, minerIdx });
      }
    }
    if (performance.now() - lastReport > 250) report();
    if (job === j && scanner.active) scheduled = setImmediate(tick);
  };

  return {
    engine: opts.engine.name,
    threads: 0,
    start(j) {
      if (closed) return;
      report();
      job = j;
      scanner.load({ jobId: j.jobId, target: j.target, base: j.base, miners: j.miners.bytes, nonceStart: 0, nonceSpan: 0x100000000 });
      emitter.emit('started', { jobId: j.jobId, atUs: monoUs() });
      if (!scheduled) scheduled = setImmediate(tick);
    },
    stop() {
      report();
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
