/**
 * Fairness of the race: N equal miners on the real hasher (worker threads,
 * the selected engine) over B blocks at a difficulty; win shares and the
 * chi-square p-value against equal shares.
 *   npm run bench -- fairness [--miners 10] [--blocks 500] [--difficulty 4] [--json]
 */
import { createHash } from 'node:crypto';
import os from 'node:os';
import { createHasher } from '../src/mining/workers/index.ts';
import { selectEngine } from '../src/mining/engines/index.ts';
import { targetForDifficulty } from '../src/domain/pow.ts';
import type { Solution } from '../src/mining/workers/types.ts';
import { flag, output, round, cpuModel } from './lib.ts';
import { createMinerSet } from '../src/mining/workers/job.ts';

/** Upper tail of the chi-square distribution (series for the regularized gamma function). */
export function chiSquarePValue(x: number, k: number): number {
  const a = k / 2;
  const z = x / 2;
  if (z <= 0) return 1;
  let sum = 1 / a;
  let term = 1 / a;
  for (let n = 1; n < 1000; n++) {
    term *= z / (a + n);
    sum += term;
    if (term < sum * 1e-12) break;
  }
  const lnGamma = (v: number): number => {
    const c = [76.18009172947146, -86.50532032941677, 24.01409824083091, -1.231739572450155, 0.1208650973866179e-2, -0.5395239384953e-5];
    let y = v;
    const t = v + 5.5 - (v + 0.5) * Math.log(v + 5.5);
    let s = 1.000000000190015;
    for (const ci of c) s += ci / ++y;
    return -t + Math.log((2.5066282746310005 * s) / v);
  };
  const lower = Math.exp(a * Math.log(z) - z - lnGamma(a)) * sum;
  return Math.max(0, Math.min(1, 1 - lower));
}

export async function run(args: string[]): Promise<void> {
  const miners = flag(args, '--miners', 10);
  const blocks = flag(args, '--blocks', 500);
  const difficulty = flag(args, '--difficulty', 4);
  const engine = selectEngine().name;
  const hasher = await createHasher({ threads: os.availableParallelism(), engine });
  const ids = Array.from({ length: miners }, (_, i) => `M${i}`);
  const wins = new Map(ids.map((m) => [m, 0]));
  const set = createMinerSet(ids, (m) => createHash('sha256').update(m).digest().subarray(0, 16));
  let waiting: ((s: Solution) => void) | null = null;
  hasher.on('solution', (s) => waiting?.(s));
  const t0 = performance.now();
  try {
    for (let b = 0; b < blocks; b++) {
      const header = (i: number) => {
        const h = new Uint8Array(108);
        for (let j = 0; j < 104; j++) h[j] = (b * 7919 + i * 104729 + j * 31) & 0xff;
        return h;
      };
      const got = new Promise<Solution>((resolve) => {
        waiting = (s) => {
          if (s.jobId === b + 1) resolve(s);
        };
      });
      hasher.start({ jobId: b + 1, height: BigInt(b + 1), target: targetForDifficulty(difficulty), base: header(0), miners: set });
      const s = await got;
      wins.set(s.minerIdx, wins.get(s.minerIdx)! + 1);
    }
  } finally {
    await hasher.close();
  }
  const seconds = (performance.now() - t0) / 1000;
  const counts = ids.map((m) => wins.get(m)!);
  const expected = blocks / miners;
  const chi = counts.reduce((s, c) => s + (c - expected) ** 2 / expected, 0);
  const result = {
    bench: 'fairness',
    engine,
    miners,
    blocks,
    difficulty,
    wins: counts,
    shares: counts.map((c) => round(c / blocks, 3)),
    chi_square: round(chi, 3),
    p_value: round(chiSquarePValue(chi, miners - 1), 4),
    blocks_per_second: round(blocks / seconds, 1),
    cpu: cpuModel(),
  };
  output(args, result, [{ ...result, wins: counts.join(' '), shares: undefined }]);
}
