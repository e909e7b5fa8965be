/**
 * One `idxchain mine` hashing thread. Like the pool's hash worker it never
 * returns to its event loop while working: between slices (~2 ms) it reads new
 * jobs synchronously from its port and watches the shared generation word, so
 * a new job is taken up within a slice. It hunts shares on its own part of the
 * nonce space and throttles them itself: while a share would be too early it
 * scans for blocks only, so a block is never held back and no hashing is lost
 * to shares nobody will send.
 */
import { receiveMessageOnPort, workerData, type MessagePort } from 'node:worker_threads';
import { createEngine } from '../mining/engines/index.ts';
import { prepareHeader } from '../mining/engines/prepare.ts';
import type { EngineName, HashEngine, PreparedHeader, ScanResult } from '../mining/engines/types.ts';
import { CLOSING, GEN, type FromMineWorker, type ToMineWorker } from './mine-messages.ts';

interface Data {
  readonly engine: EngineName;
  readonly control: SharedArrayBuffer;
  readonly counters: SharedArrayBuffer;
  readonly index: number;
  readonly port: MessagePort;
  readonly shareIntervalMs: number;
}

const { engine: engineName, control, counters, index, port, shareIntervalMs } = workerData as Data;
const ctrl = new Int32Array(control);
const hashCount = new BigInt64Array(counters);
const send = (m: FromMineWorker) => port.postMessage(m);

interface Work {
  readonly gen: number;
  readonly share: PreparedHeader;
  readonly block: PreparedHeader;
  /** A target nothing meets: hashing goes on (and is counted) after this thread's block was sent. */
  readonly never: PreparedHeader;
  readonly start: number;
  readonly span: number;
  done: number;
  blockSent: boolean;
}

const MIN_SLICE = 256;
const MAX_SLICE = 1 << 22;

function main(): void {
  let engine: HashEngine;
  try {
    engine = createEngine(engineName);
  } catch (e) {
    send({ type: 'fatal', message: (e as Error).message });
    return;
  }
  send({ type: 'ready' });
  const out: ScanResult = { found: false, nonce: 0, hashes: 0 };
  const check: ScanResult = { found: false, nonce: 0, hashes: 0 };
  let gen = -1;
  let work: Work | null = null;
  let total = 0;
  let slice = 4096;
  let lastShare = -Infinity;
  for (;;) {
    if (Atomics.load(ctrl, CLOSING) === 1) return;
    for (let m = receiveMessageOnPort(port); m !== undefined; m = receiveMessageOnPort(port)) {
      const msg = m.message as ToMineWorker;
      gen = msg.gen;
      if (msg.type === 'stop') {
        work = null;
        continue;
      }
      work = {
        gen: msg.gen,
        share: prepareHeader(msg.header, msg.shareTarget),
        block: prepareHeader(msg.header, msg.target),
        never: prepareHeader(msg.header, new Uint32Array(8)),
        start: msg.start,
        span: msg.span,
        done: 0,
        blockSent: false,
      };
    }
    // A newer generation exists: drop this job now; its message is on the way.
    if (work && Atomics.load(ctrl, GEN) !== work.gen) work = null;
    if (!work || work.done >= work.span) {
      Atomics.wait(ctrl, GEN, gen, 50);
      continue;
    }
    const now = performance.now();
    const wantShare = now - lastShare >= shareIntervalMs;
    const p = wantShare ? work.share : work.blockSent ? work.never : work.block;
    const count = Math.min(slice, work.span - work.done);
    engine.scan(p, (work.start + work.done) >>> 0, count, out);
    const ms = performance.now() - now;
    if (out.hashes >= slice) {
      if (ms < 1 && slice < MAX_SLICE) slice *= 2;
      else if (ms > 4 && slice > MIN_SLICE) slice /= 2;
    }
    total += out.hashes;
    work.done += out.hashes;
    Atomics.store(hashCount, index, BigInt(total));
    if (!out.found) continue;
    const block = p === work.block || (p === work.share && engine.scan(work.block, out.nonce, 1, check).found);
    if (block && !work.blockSent) {
      work.blockSent = true;
      send({ type: 'share', gen: work.gen, nonce: out.nonce, block: true });
    } else if (wantShare) {
      lastShare = now;
      send({ type: 'share', gen: work.gen, nonce: out.nonce, block });
    }
  }
}

main();
port.close();
