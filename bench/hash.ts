/**
 * Hash engines: hashes per second over the project's 108-byte header with a
 * fixed start nonce and a target nothing meets, at least 2 s each, on one
 * thread and on one worker thread per core.
 *   npm run --silent bench -- hash [--json] [--seconds 2]
 */
import os from 'node:os';
import { Worker } from 'node:worker_threads';
import { createEngine, availableEngines, selectEngine } from '../src/mining/engines/index.ts';
import { prepareHeader } from '../src/mining/engines/prepare.ts';
import type { EngineName, ScanResult } from '../src/mining/engines/types.ts';
import { createHeader, encodeHeader } from '../src/domain/header.ts';
import { cpuModel, flag, output, round } from './lib.ts';

export function benchHeader(): Uint8Array {
  return encodeHeader(
    createHeader({
      version: 1,
      height: 1n,
      prevHash: new Uint8Array(32),
      merkleRoot: new Uint8Array(32).fill(0x5a),
      timestampMs: 1766745000000n,
      difficulty: 4,
      miner: new Uint8Array(16).fill(0x11),
      nonce: 0,
    }),
  );
}

/** Hashes per second of `name` on this thread for at least `seconds`. */
export function measure(name: EngineName, seconds: number): number {
  const engine = createEngine(name);
  const p = prepareHeader(benchHeader(), new Uint32Array(8));
  const out: ScanResult = { found: false, nonce: 0, hashes: 0 };
  let chunk = 1 << 16;
  let hashes = 0;
  let nonce = 0x10000000;
  const t0 = performance.now();
  let elapsed = 0;
  while (elapsed < seconds * 1000) {
    const s = performance.now();
    engine.scan(p, nonce, chunk, out);
    hashes += out.hashes;
    nonce = (nonce + chunk) >>> 0;
    if (performance.now() - s < 20) chunk *= 2;
    elapsed = performance.now() - t0;
  }
  return hashes / (elapsed / 1000);
}

async function allThreads(name: EngineName, seconds: number, threads: number): Promise<number> {
  const rates = await Promise.all(
    Array.from(
      { length: threads },
      () =>
        new Promise<number>((resolve, reject) => {
          const w = new Worker(new URL('./hash-worker.mjs', import.meta.url), { workerData: { name, seconds } });
          w.once('message', (r: number) => resolve(r));
          w.once('error', reject);
        }),
    ),
  );
  return rates.reduce((a, b) => a + b, 0);
}

export async function run(args: string[]): Promise<void> {
  const seconds = flag(args, '--seconds', 2);
  const threads = os.availableParallelism();
  const engines: Array<{ name: string; single_thread_hps: number; all_threads_hps: number; threads: number; scaling: number }> = [];
  for (const name of availableEngines()) {
    const single = measure(name, seconds);
    const all = await allThreads(name, seconds, threads);
    engines.push({ name, single_thread_hps: Math.round(single), all_threads_hps: Math.round(all), threads, scaling: round(all / single) });
  }
  const result = { engines, selected: selectEngine().name, cpu: cpuModel() };
  output(
    args,
    result,
    engines.map((e) => ({ engine: e.name, 'MH/s one thread': round(e.single_thread_hps / 1e6), [`MH/s ${threads} threads`]: round(e.all_threads_hps / 1e6), scaling: e.scaling })),
  );
}
