/**
 * Hands rounds out: builds each round's job (one candidate per miner, the
 * system miner's when none), gives it to the hasher's threads and to remote
 * miners, arms its timeout and times it. And the chain: it stages the round
 * after the current one with the hasher, so the thread that solves the
 * current round starts the next one itself (Solution.next) and this side
 * only adopts it. It owns the current round; the coordinator decides what
 * each round holds and when one starts.
 */
import { decodeHeader } from '../../domain/header.ts';
import type { NextTemplate } from '../../app/seal.ts';
import type { Hasher, MinerSet, MiningJob } from '../workers/types.ts';
import type { PendingTx } from './lookahead.ts';
import type { MinerRoster } from './roster.ts';
import { buildJob } from './round.ts';
import type { PoolStats } from './stats.ts';
import type { Round } from './types.ts';

export type Tip = NextTemplate['tip'];

export interface HandoutRules {
  readonly difficulty: number;
  readonly timeoutMs: number;
  readonly now: () => number;
}

const ZERO_HASH = '00'.repeat(32);

export class RoundHandout {
  private round: Round | null = null;
  private jobSeq = 0;
  private readonly listeners: Array<(job: MiningJob | null) => void> = [];
  /** Bumped whenever the current round changes (callers cache what they derive from it). */
  changes = 0;

  constructor(
    private readonly hasher: Hasher,
    private readonly roster: MinerRoster,
    private readonly stats: PoolStats,
    private readonly rules: HandoutRules,
    private readonly onTimeout: () => void,
  ) {}

  get current(): Round | null {
    return this.round;
  }

  /** Hears every new round (all candidates) and `null` when the pool goes idle. */
  onRound(cb: (job: MiningJob | null) => void): void {
    this.listeners.push(cb);
  }

  /**
   * Starts a round on `tip` with `txs`, raced by `miners` (none: the system
   * miner), on every thread and for remote miners. O(1) in the number of
   * miners: the miner sets come from the roster, built when it changed.
   */
  start(tip: Tip, txs: readonly PendingTx[], miners: readonly string[], parent: Promise<boolean> | null, t0: number, readTemplate = false): void {
    const system = miners.length === 0;
    const set = system ? this.roster.systemSet() : this.roster.full();
    const local = system ? set : this.roster.local();
    const job = buildJob(++this.jobSeq, tip, txs, set, { difficulty: this.rules.difficulty, nowMs: this.rules.now() });
    this.set(job, txs, miners, local, parent);
    if (local.ids.length > 0) this.hasher.start(local === set ? job : { ...job, miners: local });
    else this.hasher.stop();
    this.announce(job, t0, local.ids.length > 0, readTemplate);
  }

  /**
   * Stages the round after the current one on `txs` (the same miners, its
   * prevHash left to the solution), when the hasher can start it itself and
   * none is staged yet.
   */
  stage(txs: readonly PendingTx[]): void {
    const r = this.round;
    if (!r || r.next !== null || txs.length === 0 || !this.hasher.stage || r.local.ids.length === 0 || !this.sameMiners(r)) return;
    const { timestampMs } = decodeHeader(r.job.base);
    const job = buildJob(++this.jobSeq, { height: r.job.height, hash: ZERO_HASH, timestampMs }, txs, r.job.miners, {
      difficulty: this.rules.difficulty,
      nowMs: this.rules.now(),
    });
    r.next = { job, txs };
    this.hasher.stage(r.job.jobId, r.local === r.job.miners ? job : { ...job, miners: r.local });
  }

  /**
   * The current round `solved` was solved, and the threads already hash its
   * staged successor (`hashed`, Solution.next): it becomes the round, built on
   * that solution (`parent` its seal). Returns its payments, or null when it
   * is not the staged one (the caller then decides).
   */
  adopt(solved: Round, hashed: MiningJob, parent: Promise<boolean>, t0: number): readonly PendingTx[] | null {
    const staged = solved.next;
    if (staged === null || staged.job.jobId !== hashed.jobId || !this.sameMiners(solved)) return null;
    const job = hashed.miners === staged.job.miners ? hashed : { ...staged.job, base: hashed.base };
    this.set(job, staged.txs, solved.miners, solved.local, parent);
    this.announce(job, t0, true, false);
    return staged.txs;
  }

  /** No round: the threads stop; `idle` tells remote miners the pool has nothing to mine. */
  stop(idle = false): void {
    this.clear();
    this.hasher.stop();
    if (idle) for (const cb of this.listeners) cb(null);
  }

  /** Forgets the current round (its seal or a new round follows); the threads go on until told. */
  clear(): void {
    if (this.round) clearTimeout(this.round.timer);
    this.round = null;
    this.changes++;
  }

  /** Whether the roster is as when `r` started (a miner joining or leaving ends the chain). */
  private sameMiners(r: Round): boolean {
    return r.miners.length === 0 ? this.roster.size === 0 : r.job.miners === this.roster.full();
  }

  private set(job: MiningJob, txs: readonly PendingTx[], miners: readonly string[], local: MinerSet, parent: Promise<boolean> | null): void {
    this.clear();
    const timer = setTimeout(this.onTimeout, this.rules.timeoutMs);
    timer.unref();
    this.round = { job, txs, miners, local, startedAt: this.rules.now(), timer, parent, next: null };
  }

  private announce(job: MiningJob, t0: number, hashed: boolean, readTemplate: boolean): void {
    for (const cb of this.listeners) cb(job);
    this.stats.roundStarted(job.jobId, t0, hashed, readTemplate);
  }
}
