/**
 * A hashing thread. It never returns to its event loop while working: between
 * slices it reads new jobs synchronously from its port and watches the shared
 * generation word, so a sealed height is dropped within a slice (~0.25 ms).
 * It reports when it starts each job (the hand-off measure) and when it found
 * a solution.
 */
import os from 'node:os';
import { parentPort, receiveMessageOnPort, workerData, type MessagePort } from 'node:worker_threads';
import { createEngine } from '../engines/index.ts';
import type { EngineName } from '../engines/types.ts';
import { FairScanner } from './scanner.ts';
import { monoUs } from './job.ts';
import { CLOSING, GEN, type FromWorker, type ToWorker } from './messages.ts';

const { engine: engineName, control, port } = workerData as { engine: EngineName; control: SharedArrayBuffer; port: MessagePort };
const ctrl = new Int32Array(control);
const send = (m: FromWorker) => port.postMessage(m);
/** A slice's target duration: a new job waits at most about this long for the thread. */
const SLICE_MS = 0.25;

function main(): void {
  // Hashing yields the CPU to the API: on Linux this lowers this thread only.
  try {
    os.setPriority(19);
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
  let lastReport = performance.now();
  const report = () => {
    if (scanner.job) send({ type: 'progress', jobId: scanner.job.jobId, counts: scanner.takeCounts() });
    lastReport = performance.now();
  };
  for (;;) {
    if (Atomics.load(ctrl, CLOSING) === 1) return;
    // Take the newest message(s).
    let started: number | null = null;
    for (let m = receiveMessageOnPort(port); m !== undefined; m = receiveMessageOnPort(port)) {
      const msg = m.message as ToWorker;
      if (msg.type === 'miners') miners = msg.bytes;
      else if (msg.type === 'job') {
        if (scanner.job) report();
        gen = msg.gen;
        scanner.load({ jobId: msg.jobId, target: msg.target, base: msg.base, miners, nonceStart: msg.nonceStart, nonceSpan: msg.nonceSpan });
        started = msg.jobId;
      } else {
        if (scanner.job) report();
        gen = msg.gen;
        scanner.clear();
        started = null;
      }
    }
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
      const jobId = scanner.job!.jobId;
      if (ev.kind === 'solution') send({ type: 'solution', jobId, index: ev.index, nonce: ev.nonce, foundAtUs: monoUs() });
      else send({ type: 'exhausted', jobId, index: ev.index });
    }
    if (performance.now() - lastReport > 250) report();
  }
}

main();
parentPort?.close();
