/**
 * The pool coordinator: the set of active miners (at most MAX_MINERS; remote
 * ones hash on their own machines through the work protocol), their measured
 * hash rates and the pool's status. Rounds, their seals and what follows a
 * solution are the pipeline's (pipeline.ts); every decision runs on the event
 * loop, the hashing on worker threads.
 */
import { SYSTEM_MINER_IDX } from '../../domain/ids.ts';
import type { AppDeps } from '../../app/deps.ts';
import { activeMiners } from '../../infra/db/repos/miners.ts';
import { join, leave, recordStopped, saveRates } from './membership.ts';
import type { Hasher, HashProgress, MiningJob, Solution } from '../workers/types.ts';
import { HashRateMeter } from './hash-rate.ts';
import type { PendingTx } from './lookahead.ts';
import { RoundPipeline } from './pipeline.ts';
import { PoolStats } from './stats.ts';
import { MinerRoster } from './roster.ts';
import type { PoolLog, PoolSettings, PoolStatus } from './types.ts';

export type { PoolLog, PoolSettings, PoolStatus } from './types.ts';

export class MiningPool {
  /** Active miners; remote ones hash on their own machines (the work protocol), the rest on our threads. */
  private readonly roster = new MinerRoster();
  private readonly stats = new PoolStats();
  private readonly pipeline: RoundPipeline;
  private running = false;
  private flushTimer: NodeJS.Timeout | null = null;
  readonly meter: HashRateMeter;

  constructor(
    private readonly deps: AppDeps,
    private readonly hasher: Hasher,
    private readonly settings: PoolSettings,
    private readonly log: PoolLog,
  ) {
    this.meter = new HashRateMeter(10, deps.now);
    this.pipeline = new RoundPipeline(deps, hasher, this.roster, this.stats, settings, log);
    hasher.on('solution', (s) => void this.pipeline.onSolution(s));
    hasher.on('progress', (p) => this.onProgress(p));
    hasher.on('exhausted', (e) => {
      if (this.pipeline.rounds.current?.job.jobId === e.jobId) this.kick();
    });
    hasher.on('started', (e) => this.stats.threadsStarted(e.jobId, e.atUs));
    hasher.on('error', (e) => this.log.error({ err: e }, 'hasher error'));
  }

  /** Starts the pool: resumes miners that were active before a restart. */
  async start(): Promise<void> {
    this.running = true;
    const resumed = await activeMiners(this.deps.db);
    for (const m of resumed.slice(0, this.settings.maxMiners)) this.roster.add(m);
    for (const m of resumed.slice(this.settings.maxMiners)) await recordStopped(this.deps.db, m, null); // beyond MAX_MINERS now
    if (resumed.length > 0) this.log.info({ miners: this.roster.size }, 'resumed active miners');
    this.flushTimer = setInterval(() => void this.flushHashRates(), 5_000);
    this.flushTimer.unref();
    this.pipeline.start();
  }

  /** Observes each seal's duration (metrics). */
  onSealTimed(cb: (seconds: number, accepted: boolean) => void): void {
    this.pipeline.sealer.onTimed(cb);
  }

  get isRunning(): boolean {
    return this.running;
  }

  get version(): number {
    return this.stats.version;
  }

  /** Statistics changed outside the pool (any seal): read caches must refresh. */
  invalidate(): void {
    this.stats.version++;
  }

  isMining(userIdx: string): boolean {
    return this.roster.has(userIdx);
  }

  /** Hears every new round (all candidates) and `null` when the pool goes idle. */
  onRound(cb: (job: MiningJob | null) => void): void {
    this.pipeline.rounds.onRound(cb);
  }

  isRemote(userIdx: string): boolean {
    return this.roster.isRemote(userIdx);
  }

  /** The candidate header of a miner in the current round, if it races in it. */
  currentJob(): MiningJob | null {
    return this.pipeline.rounds.current?.job ?? null;
  }

  /** Hashes a remote miner proved by its shares (for its measured hash rate). */
  creditHashes(userIdx: string, hashes: number): void {
    this.meter.add(userIdx, hashes);
  }

  /** A remote miner's block solution: sealed like any other; resolves whether it was accepted. */
  submitRemote(s: Solution): Promise<boolean> {
    return this.pipeline.onSolution(s);
  }

  /** Joins and leaves take turns with seals: the roster and the store's race marks agree whenever a seal is computed. */
  async addMiner(userIdx: string, opts: { remote?: boolean } = {}): Promise<void> {
    await this.pipeline.inTurn(() => join(this.deps.db, this.roster, this.stats, this.settings.maxMiners, userIdx, opts.remote === true));
    this.kick();
  }

  async removeMiner(userIdx: string): Promise<void> {
    await this.pipeline.inTurn(() => leave(this.deps.db, this.roster, this.stats, this.meter, userIdx));
    this.kick();
  }

  hashRate(userIdx: string): number {
    return this.meter.rate(userIdx);
  }

  status(): PoolStatus {
    return this.stats.status({
      activeMiners: this.roster.size,
      maxCapacity: this.settings.maxMiners,
      isRunning: this.running,
      engine: this.hasher.engine,
      threads: this.hasher.threads,
      threadsActive: this.hasher.activeThreads?.() ?? this.hasher.threads,
      height: this.pipeline.rounds.current?.job.height ?? null,
      systemMinerActive: this.pipeline.rounds.current?.miners.length === 0,
      hashRate: this.meter.poolRate(),
    });
  }

  /** A payment arrived or membership changed: rebuild the round soon. */
  kick(): void {
    if (this.running) this.pipeline.kick();
  }

  /** A payment was accepted (pipeline.ts: onPayment). */
  onPayment(tx?: PendingTx): void {
    if (this.running) this.pipeline.onPayment(tx);
  }

  private onProgress(p: HashProgress): void {
    for (const [m, n] of p.hashesByMiner) if (m !== SYSTEM_MINER_IDX) this.meter.add(m, n);
  }

  private async flushHashRates(): Promise<void> {
    await saveRates(this.deps.db, this.roster.ids(), this.meter, this.log);
  }

  /** Stops cleanly: no new rounds, the in-flight seal finishes, hash rates are saved, the hasher closes. */
  async close(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    if (this.flushTimer) clearInterval(this.flushTimer);
    await this.pipeline.close();
    await this.flushHashRates();
    await this.hasher.close();
  }
}
