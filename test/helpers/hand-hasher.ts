/** A Hasher driven by hand: it records the jobs it is given and emits the solutions a test makes. */
import { createHash } from 'node:crypto';
import type { Hasher, MiningJob, Solution, HashProgress } from '../../src/mining/workers/types.ts';
import { meetsTarget } from '../../src/domain/pow.ts';
import { withNonce } from '../../src/domain/header.ts';
import { candidateOf } from '../../src/mining/workers/job.ts';

export class HandHasher implements Hasher {
  readonly engine = 'hand';
  readonly threads = 0;
  job: MiningJob | null = null;
  jobs: MiningJob[] = [];
  closed = false;
  private readonly cbs: Record<string, Array<(x: never) => void>> = {};
  start(job: MiningJob): void {
    this.job = job;
    this.jobs.push(job);
  }
  stop(): void {
    this.job = null;
  }
  on(ev: string, cb: (x: never) => void): void {
    (this.cbs[ev] ??= []).push(cb);
  }
  emit(ev: 'solution' | 'progress', x: Solution | HashProgress): void {
    for (const cb of this.cbs[ev] ?? []) cb(x as never);
  }
  async close(): Promise<void> {
    this.closed = true;
  }
  /** Solves the candidate of `minerIdx` in `job` by brute force. */
  solve(job: MiningJob, minerIdx: string): Solution {
    const c = candidateOf(job, minerIdx)!;
    for (let n = 0; ; n++) {
      const h = withNonce(c.header, n);
      if (meetsTarget(createHash('sha256').update(h).digest(), job.target)) return { jobId: job.jobId, minerIdx, nonce: n, header: h };
    }
  }
}
