/**
 * A hashing thread. It never returns to its event loop while working: between
 * slices (~0.1 ms) it looks at the shared WAKE word and reads its ports only
 * when it moved, and watches the owner's generation word, so a sealed height
 * is dropped within a slice. It reports when it starts each job (the hand-off
 * measure), when it found a solution, and its hash counts on a timer (with
 * its schedstat, for the fold).
 *
 * The chain: the first thread to solve a job claims it (CHAINED) and alone
 * reports it. When the owner staged the job that follows, the solver starts
 * it at once on its solution and tells its peers directly ('chain'), so the
 * next height is hashed on every thread without waiting for the owner's
 * event loop; the solver reads its port before reporting (a stage posted
 * while its last slice ran is started first), and a stage that comes after
 * the report is started on the solution as it is read.
 */
import os from 'node:os';
import { readFileSync } from 'node:fs';
import { parentPort, receiveMessageOnPort, workerData, type MessagePort } from 'node:worker_threads';
import { createEngine } from '../engines/index.ts';
import type { EngineName } from '../engines/types.ts';
import { FairScanner } from './scanner.ts';
import { readSchedstat } from './fold.ts';
import { monoUs } from './job.ts';
import { HEADER_SIZE } from '../../domain/header.ts';
import type { PreparedHeader } from '../engines/types.ts';
import { ChainScratch, ChainTemplate } from './chain-template.ts';
import { CHAINED, CLOSING, GEN, WAKE, wake, type FromWorker, type PeerMessage, type ToWorker } from './messages.ts';

const { engine: engineName, control, port, peers, nice, nonceStart, nonceSpan, sched } = workerData as {
  engine: EngineName;
  /** Report this thread's time on a core and waiting for one with its progress (the fold). */
  sched: boolean;
  /** This thread's nice value (19: the API's threads come first). */
  nice: number;
  control: SharedArrayBuffer;
  port: MessagePort;
  /** One port to each other hashing thread. */
  peers: MessagePort[];
  /** This thread's part of every candidate's nonce space. */
  nonceStart: number;
  nonceSpan: number;
};
const ctrl = new Int32Array(control);
const send = (m: FromWorker) => port.postMessage(m);
/** A slice's target duration: a new job waits at most about this long for the thread. */
const SLICE_MS = 0.1;

/** Staged jobs kept, by the job they follow (a peer may chain past the current job before this thread reads what follows). */
const STAGED_KEPT = 4;

function main(): void {
  // Hashing yields the CPU to the API (at 19): on Linux this lowers this thread only.
  try {
    os.setPriority(nice);
  } catch {
    /* not permitted here: run at normal priority */
  }
  let scanner: FairScanner;
  try {
    scanner = new FairScanner(createEngine(engineName), SLICE_MS);
  } catch (e) {
    send({ type: 'fatal', message: (e as Error).message });
    return;
  }
  // Ready before the warm-up: the server's start-up does not wait for it (a job sent meanwhile waits in the port).
  send({ type: 'ready', engine: engineName });
  warmUp(scanner);
  let gen = -1;
  let miners: Uint8Array = new Uint8Array(0);
  /** This thread's part of every candidate's nonce space (the last job message's). */
  let range = { nonceStart, nonceSpan };
  /** Jobs staged after the current one and those a peer may chain to, by the job they follow (ready for the chain). */
  const staged = new Map<number, ChainTemplate>();
  const scratch = new ChainScratch();
  /** Peers' chains not followed yet, by the job they follow. */
  const chains = new Map<number, PeerMessage>();
  /** This thread's solution of its current job (it swapped CHAINED), while no job is staged after it: a stage that comes is started on it. */
  let solvedOwn = null as { readonly jobId: number; readonly hash: Int32Array } | null;
  /** This thread's solution while it reads its port before reporting it (a stage found there is chained on it first). */
  let unreported = null as Extract<FromWorker, { type: 'solution' }> | null;
  let lastReport = performance.now();
  let schedBefore = sched ? readSchedstat((p) => readFileSync(p, 'utf8')) : null;
  /** Hashes done per candidate, reported on a timer (counts carry over jobs racing the same miners). */
  const report = () => {
    if (scanner.job) {
      const now = schedBefore ? readSchedstat((p) => readFileSync(p, 'utf8')) : null;
      const delta = now && schedBefore ? { sched: [now[0] - schedBefore[0], now[1] - schedBefore[1]] as const } : {};
      if (now) schedBefore = now;
      send({ type: 'progress', jobId: scanner.job.jobId, counts: scanner.takeCounts(), ...delta });
    }
    lastReport = performance.now();
  };
  /** Takes job `jobId` up (its header `base`, or `shared` prepared); returns when (monoUs): from then on this thread hashes it. */
  const begin = (jobId: number, target: Uint32Array, base: Uint8Array, shared?: PreparedHeader): number => {
    scanner.load({ jobId, target, base, miners, ...range }, shared);
    const atUs = monoUs();
    solvedOwn = null;
    for (const after of staged.keys()) if (after < jobId) staged.delete(after);
    return atUs;
  };
  /** Starts `s` on the hash (8 words) of this thread's solution of the job before it, then hands it to the peers; returns when it started. */
  const chainOn = (s: ChainTemplate, solvedHash: Int32Array): number => {
    const atUs = begin(s.jobId, s.target, s.base, s.prepare(solvedHash, scratch));
    const base = s.writePrev(solvedHash);
    const msg = { type: 'chain', gen, after: s.after, jobId: s.jobId, target: s.target, base } satisfies PeerMessage;
    for (const peer of peers) peer.postMessage(msg);
    wake(ctrl); // a peer waiting on the solved job looks again
    return atUs;
  };
  /**
   * Takes the owner's messages in order, then peers' chains (kept by the job
   * they follow, within the owner's generation: several may come at once, in
   * any order), and follows them.
   */
  const take = () => {
    let started: { jobId: number; atUs: number } | null = null;
    for (let m = receiveMessageOnPort(port); m !== undefined; m = receiveMessageOnPort(port)) {
      const msg = m.message as ToWorker;
      if (msg.type === 'miners') {
        report(); // the counts of the miners before
        miners = msg.bytes;
      } else if (msg.type === 'next') {
        if (solvedOwn !== null && msg.after === solvedOwn.jobId) {
          // Staged after this thread had solved the job before: the owner saw the stage first, so it
          // knows the threads start it on that solution (the chain, a little late).
          started = { jobId: msg.jobId, atUs: chainOn(new ChainTemplate(msg.after, msg.jobId, msg.target, msg.base), solvedOwn.hash) };
          if (unreported?.jobId === msg.after) {
            // Read before the solution was reported: it goes out now, chained, ahead of 'started'.
            send({ ...unreported, chained: msg.jobId });
            unreported = null;
          }
        } else {
          if (staged.size >= STAGED_KEPT) staged.delete(staged.keys().next().value!);
          staged.set(msg.after, new ChainTemplate(msg.after, msg.jobId, msg.target, msg.base));
        }
      } else if (msg.type === 'job') {
        gen = msg.gen;
        range = { nonceStart: msg.nonceStart, nonceSpan: msg.nonceSpan };
        staged.clear();
        started = { jobId: msg.jobId, atUs: begin(msg.jobId, msg.target, msg.base) };
      } else {
        if (scanner.job) report();
        gen = msg.gen;
        staged.clear();
        solvedOwn = null;
        scanner.clear();
        started = null;
      }
    }
    for (const peer of peers) {
      for (let m = receiveMessageOnPort(peer); m !== undefined; m = receiveMessageOnPort(peer)) {
        const msg = m.message as PeerMessage;
        if (msg.gen < gen) continue; // chained in a generation the owner has ended
        if (chains.size >= STAGED_KEPT) chains.delete(chains.keys().next().value!);
        chains.set(msg.after, msg);
      }
    }
    for (let c = chains.get(scanner.job?.jobId ?? -1); c !== undefined && c.gen === gen; c = chains.get(scanner.job!.jobId)) {
      chains.delete(c.after);
      started = { jobId: c.jobId, atUs: begin(c.jobId, c.target, c.base) };
    }
    for (const [after, c] of chains) if (c.gen < gen || (scanner.job && c.gen === gen && after < scanner.job.jobId)) chains.delete(after);
    if (started !== null) send({ type: 'started', ...started });
  };
  let taken = -1;
  for (;;) {
    if (Atomics.load(ctrl, CLOSING) === 1) return;
    // Whoever posts to this thread bumps WAKE after: the ports are read only when it moved, so a
    // slice boundary costs one load and slices can be short.
    const seq = Atomics.load(ctrl, WAKE);
    if (seq !== taken) {
      taken = seq;
      take();
    }
    if (scanner.job && Atomics.load(ctrl, GEN) !== gen) {
      // A newer generation exists: drop this job now; its message is on the way.
      report();
      scanner.clear();
      solvedOwn = null;
    }
    // A job solved (here or on a peer) is not hashed further: what follows it comes as a chain or a message.
    if (!scanner.active || Atomics.load(ctrl, CHAINED) >= scanner.job!.jobId) {
      if (performance.now() - lastReport > 250) report();
      Atomics.wait(ctrl, WAKE, seq, 50);
      continue;
    }
    const ev = scanner.step();
    if (ev) {
      const job = scanner.job!;
      if (ev.kind === 'exhausted') send({ type: 'exhausted', jobId: job.jobId, index: ev.index });
      else onSolution(job.jobId, ev.index, ev.nonce);
    }
    if (performance.now() - lastReport > 250) report();
  }

  /**
   * A solution of the current job. The first thread to solve it swaps it into
   * CHAINED and alone reports it (a later one of the same job is stale); when
   * a job is staged after it, that job starts here at once, on this solution,
   * before anyone is told.
   */
  function onSolution(jobId: number, index: number, nonce: number): void {
    const foundAtUs = monoUs();
    for (;;) {
      const seen = Atomics.load(ctrl, CHAINED);
      if (seen >= jobId) return; // job ids only grow: a thread solved this job or a later one first
      if (Atomics.load(ctrl, GEN) !== gen) {
        send({ type: 'solution', jobId, index, nonce, foundAtUs }); // the owner moved on: it decides
        return;
      }
      if (Atomics.compareExchange(ctrl, CHAINED, seen, jobId) === seen) break;
    }
    const hash = scratch.hashOf(scanner.preparedCandidate(index), nonce);
    const s = staged.get(jobId);
    if (s === undefined) {
      // The stage may wait in the port unread (posted while the slice ran): read it before reporting the
      // solution. The report wakes the owner's thread, which takes this one's core (it runs at nice 19)
      // for as long as it handles the solution: the chain is started first.
      solvedOwn = { jobId, hash: hash.slice() };
      unreported = { type: 'solution', jobId, index, nonce, foundAtUs };
      taken = Atomics.load(ctrl, WAKE);
      take();
      if (unreported !== null) send(unreported);
      unreported = null;
      return;
    }
    const atUs = chainOn(s, hash);
    send({ type: 'solution', jobId, index, nonce, foundAtUs, chained: s.jobId });
    send({ type: 'started', jobId: s.jobId, atUs });
  }
}

/**
 * Runs the hand-off's code (a job's load, a solution's hash, the chained
 * header) until V8 has compiled it: a chain then costs microseconds from the
 * first block, not the interpreter's tens to hundreds.
 */
function warmUp(scanner: FairScanner): void {
  const base = new Uint8Array(HEADER_SIZE);
  const miners = new Uint8Array(16 * 4);
  const target = new Uint32Array(8);
  const scratch = new ChainScratch();
  const t = new ChainTemplate(0, 1, target, base);
  for (let i = 0; i < 2000; i++) {
    scanner.load({ jobId: -1, target, base, miners, nonceStart: 0, nonceSpan: 1 }, i % 2 ? t.prepare(scratch.hash, scratch) : undefined);
    t.writePrev(scratch.hashOf(scanner.preparedCandidate(i & 3), i));
  }
  scanner.clear();
}

main();
parentPort?.close();
