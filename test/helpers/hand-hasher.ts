/** A Hasher driven by hand: it records the jobs it is given and emits the solutions a test makes. */
import { createHash } from 'node:crypto';
import type { Hasher, MiningJob, Solution, HashProgress } from '../../src/mining/workers/types.ts';
import { meetsTarget } from '../../src/domain/pow.ts';
import { withNonce } from '../../src/domain/header.ts';
import { candidateOf, chainedBase } from '../../src/mining/workers/job.ts';

export class HandHasher implements Hasher {
  readonly engine = 'hand';
  readonly threads = 0;
  job: MiningJob | null = null;
  jobs: MiningJob[] = [];
  /** The job staged after the current one (stage()), when stages are supported. */
  staged: { after: number; job: MiningJob } | null = null;
  closed = false;
  private readonly cbs: Record<string, Array<(x: never) => void>> = {};
  /** What the pool told the threads, in order: `start <jobId>` and `stop`. */
  calls: string[] = [];
  start(job: MiningJob): void {
    this.job = job;
    this.jobs.push(job);
    this.staged = null;
    this.calls.push(`start ${job.jobId}`);
  }
  stop(): void {
    this.job = null;
    this.staged = null;
    this.calls.push('stop');
  }
  on(ev: string, cb: (x: never) => void): void {
    (this.cbs[ev] ??= []).push(cb);
  }
  emit(ev: 'solution' | 'progress' | 'exhausted', x: Solution | HashProgress | { jobId: number; minerIdx: string }): void {
    for (const cb of this.cbs[ev] ?? []) cb(x as never);
  }
  async close(): Promise<void> {
    this.closed = true;
  }
  /**
   * Solves the current job for `minerIdx` as threads with a stage would: the
   * staged job starts on the solution (Solution.next) without start().
   */
  solveChained(minerIdx: string): Solution {
    const s = this.solve(this.job!, minerIdx);
    if (!this.staged || this.staged.after !== s.jobId) return s;
    const next = { ...this.staged.job, base: chainedBase(this.staged.job.base, s.header) };
    this.job = next;
    this.staged = null;
    return { ...s, next };
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

/** A HandHasher that takes stages (the chain): `stage()` records the job staged after the current one. */
export class ChainHandHasher extends HandHasher {
  stages: MiningJob[] = [];
  stage(after: number, next: MiningJob): void {
    if (this.job?.jobId !== after || next.miners !== this.job.miners) return;
    this.staged = { after, job: next };
    this.stages.push(next);
  }
}
