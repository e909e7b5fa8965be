/**
 * A server child's memory, for the benches that report memory per miner or
 * per connection. The child runs with `--expose-gc` and `gc-on-signal.mjs`
 * (serverMemoryArgs): SIGUSR2 collects garbage and writes its
 * process.memoryUsage() to BENCH_MEMORY_FILE.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';

export const serverMemoryArgs = ['--expose-gc', '--import', './bench/gc-on-signal.mjs'];

export function rssKb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : NaN;
}

export const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export interface Memory {
  readonly rssKb: number;
  /** The main thread's V8 heap in use plus memory outside it (Buffers), after the collection. */
  readonly liveKb: number;
}

/** Memory after full garbage collections in the server; RSS is the median of 5 samples. */
export async function settledMemory(pid: number, file: string): Promise<Memory> {
  const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
  process.kill(pid, 'SIGUSR2');
  await pause(2000); // the collector hands freed pages back over a few seconds
  rmSync(file, { force: true });
  process.kill(pid, 'SIGUSR2');
  while (!existsSync(file)) await pause(20);
  await pause(50);
  const u = JSON.parse(readFileSync(file, 'utf8')) as { heapUsed: number; external: number };
  const xs: number[] = [];
  for (let i = 0; i < 5; i++) {
    xs.push(rssKb(pid));
    await pause(100);
  }
  return { rssKb: median(xs), liveKb: (u.heapUsed + u.external) / 1024 };
}
