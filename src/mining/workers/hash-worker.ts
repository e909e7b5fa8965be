/**
 * A hashing thread. It never returns to its event loop while working: between
 * slices it reads new jobs synchronously from its port and watches the shared
 * generation word, so a sealed height is dropped within a slice (~0.25 ms).
 * It reports when it starts each job (the hand-off measure) and when it found
 * a solution.
 *
 * The chain: when the owner staged the job that follows the current one, the
 * thread that solves the current job starts the staged one at once on its
 * solution and tells its peers directly ('chain'), so the next height is
 * hashed on every thread without waiting for the owner's event loop.
 */
import os from 'node:os';
import { parentPort, receiveMessageOnPort, workerData, type MessagePort } from 'node:worker_threads';
import { createEngine } from '../engines/index.ts';
import type { EngineName } from '../engines/types.ts';
import { FairScanner } from './scanner.ts';
import { chainedBase, monoUs, writeCandidate } from './job.ts';
import { HEADER_SIZE, NONCE_OFFSET } from '../../domain/header.ts';
import { CHAINED, CLOSING, GEN, type FromWorker, type PeerMessage, type ToWorker } from './messages.ts';

const { engine: engineName, control, port, peers, nice, nonceStart, nonceSpan } = workerData as {
  engine: EngineName;
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
const SLICE_MS = 0.25;

type Staged = Extract<ToWorker, { type: 'next' }>;
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
  send({ type: 'ready', engine: engineName });
  let gen = -1;
  let miners: Uint8Array = new Uint8Array(0);
  /** Jobs staged after the current one and those a peer may chain to, by the job they follow. */
  const staged = new Map<number, Staged>();
  /** Peers' chains not followed yet, by the job they follow. */
  const chains = new Map<number, PeerMessage>();
  let lastReport = performance.now();
  /** Hashes done per candidate, reported on a timer (counts carry over jobs racing the same miners). */
  const report = () => {
    if (scanner.job) send({ type: 'progress', jobId: scanner.job.jobId, counts: scanner.takeCounts() });
    lastReport = performance.now();
  };
  /** Starts job `jobId` (its header `base`, on the solution of the job before); returns its id. */
  const chain = (jobId: number, target: Uint32Array, base: Uint8Array): number => {
    scanner.load({ jobId, target, base, miners, nonceStart, nonceSpan });
    for (const after of staged.keys()) if (after < jobId) staged.delete(after);
    return jobId;
  };
  const solved = new Uint8Array(HEADER_SIZE);
  for (;;) {
    if (Atomics.load(ctrl, CLOSING) === 1) return;
    // Take the newest message(s): the owner's, then peers' chains (kept by the job they follow,
    // within the owner's generation: several may come at once, in any order); then follow them.
    let started: number | null = null;
    for (let m = receiveMessageOnPort(port); m !== undefined; m = receiveMessageOnPort(port)) {
      const msg = m.message as ToWorker;
      if (msg.type === 'miners') {
        report(); // the counts of the miners before
        miners = msg.bytes;
      } else if (msg.type === 'next') {
        if (staged.size >= STAGED_KEPT) staged.delete(staged.keys().next().value!);
        staged.set(msg.after, msg);
      } else if (msg.type === 'job') {
        gen = msg.gen;
        staged.clear();
        scanner.load({ jobId: msg.jobId, target: msg.target, base: msg.base, miners, nonceStart: msg.nonceStart, nonceSpan: msg.nonceSpan });
        started = msg.jobId;
      } else {
        if (scanner.job) report();
        gen = msg.gen;
        staged.clear();
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
      started = chain(c.jobId, c.target, c.base);
    }
    for (const [after, c] of chains) if (c.gen < gen || (scanner.job && c.gen === gen && after < scanner.job.jobId)) chains.delete(after);
    if (started !== null) send({ type: 'started', jobId: started, atUs: monoUs() });
    if (scanner.job && Atomics.load(ctrl, GEN) !== gen) {
      // A newer generation exists: drop this job now; its message is on the way.
      report();
      scanner.clear();
    }
    if (!scanner.active) {
      if (scanner.job) report();
      Atomics.wait(ctrl, GEN, Atomics.load(ctrl, GEN), 50);
      continue;
    }
    const ev = scanner.step();
    if (ev) {
      const job = scanner.job!;
      if (ev.kind === 'exhausted') send({ type: 'exhausted', jobId: job.jobId, index: ev.index });
      else onSolution(job.jobId, job.base, ev.index, ev.nonce);
    }
    if (performance.now() - lastReport > 250) report();
  }

  /** A solution of the current job: chained past when a job is staged after it and no peer did first. */
  function onSolution(jobId: number, base: Uint8Array, index: number, nonce: number): void {
    const foundAtUs = monoUs();
    const s = staged.get(jobId);
    for (;;) {
      const seen = Atomics.load(ctrl, CHAINED);
      // Job ids only grow: a thread chained past this job or a later one, so this one is stale.
      if (seen >= jobId) return;
      if (s === undefined || Atomics.load(ctrl, GEN) !== gen) {
        send({ type: 'solution', jobId, index, nonce, foundAtUs });
        return;
      }
      if (Atomics.compareExchange(ctrl, CHAINED, seen, jobId) === seen) break;
    }
    writeCandidate(base, miners, index, solved);
    new DataView(solved.buffer).setUint32(NONCE_OFFSET, nonce);
    const next = chainedBase(s.base, solved);
    for (const peer of peers) peer.postMessage({ type: 'chain', gen, after: jobId, jobId: s.jobId, target: s.target, base: next } satisfies PeerMessage);
    Atomics.notify(ctrl, GEN); // a peer idle between jobs looks again
    send({ type: 'solution', jobId, index, nonce, foundAtUs, chained: s.jobId });
    send({ type: 'started', jobId: chain(s.jobId, s.target, next), atUs: monoUs() });
  }
}

main();
parentPort?.close();
