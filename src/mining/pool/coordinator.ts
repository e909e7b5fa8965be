/**
 * The pool coordinator: keeps the set of active miners, decides what each
 * round holds (the oldest pending payments; every miner's own user_idx in
 * its header), has the handout give it to the Hasher, and seals the first
 * valid solution through the ledger's seal use case. A solution's seal runs
 * while the next height is already mined on it (the pipeline). Every decision
 * runs on the event loop, the hashing on worker threads.
 */
import { SYSTEM_MINER_IDX } from '../../domain/ids.ts';
import { decodeHeader, hashHeader } from '../../domain/header.ts';
import { toHex } from '../../domain/hex.ts';
import type { NextTemplate, SealResult } from '../../app/seal.ts';
import { sealSolution, type Racing } from './seal-solution.ts';
import type { AppDeps } from '../../app/deps.ts';
import { readTip } from '../../infra/db/repos/chain.ts';
import { oldestPending } from '../../infra/db/repos/payments.ts';
import { activeMiners } from '../../infra/db/repos/miners.ts';
import { join, leave, recordStopped, saveRates } from './membership.ts';
import type { Hasher, HashProgress, MiningJob, Solution } from '../workers/types.ts';
import { HashRateMeter } from './hash-rate.ts';
import { Lookahead, type PendingTx } from './lookahead.ts';
import { RoundHandout, type Tip } from './handout.ts';
import { PoolStats } from './stats.ts';
import { MinerRoster } from './roster.ts';
import { monoUs } from '../workers/job.ts';
import type { PoolLog, PoolSettings, PoolStatus, Round } from './types.ts';

export type { PoolLog, PoolSettings, PoolStatus } from './types.ts';

export class MiningPool {
  /** Active miners; remote ones hash on their own machines (the work protocol), the rest on our threads. */
  private readonly roster = new MinerRoster();
  private readonly rounds: RoundHandout;
  private running = false;
  /** Serializes round building and sealing: one at a time. */
  private chain: Promise<void> = Promise.resolve();
  private dirty = false;
  /** A rebuild was asked for (membership, a timeout) while seals were queued: the last seal does it. */
  private rebuildWanted = false;
  /** The rounds of solutions whose seal has not finished (with the pipeline, more than one). */
  private readonly sealQueue: Round[] = [];
  private graceTimer: NodeJS.Timeout | null = null;
  private flushTimer: NodeJS.Timeout | null = null;
  private readonly stats = new PoolStats();
  /** Pending payments known to follow the rounds in flight (oldest first): the next rounds' templates. */
  private readonly ahead: Lookahead;
  /** The payments the rounds in flight hold (the current one and those sealing), computed when asked. */
  private heldIds: { readonly ids: Set<string>; readonly at: number } | null = null;
  /** The newest solution whose seal runs, while no round follows it: a payment arriving starts one on it. */
  private tail: { readonly round: Round; readonly tip: Tip; readonly sealed: Promise<boolean> } | null = null;
  readonly meter: HashRateMeter;
  private sealTimed: (seconds: number, accepted: boolean) => void = () => {};

  constructor(
    private readonly deps: AppDeps,
    private readonly hasher: Hasher,
    private readonly settings: PoolSettings,
    private readonly log: PoolLog,
  ) {
    this.meter = new HashRateMeter(10, deps.now);
    this.ahead = new Lookahead(this.windowSize());
    const rules = { difficulty: deps.rules.difficulty, timeoutMs: settings.miningTimeoutMs, now: deps.now };
    this.rounds = new RoundHandout(hasher, this.roster, this.stats, rules, () => this.kick());
    hasher.on('solution', (s) => void this.onSolution(s));
    hasher.on('progress', (p) => this.onProgress(p));
    hasher.on('exhausted', (e) => {
      if (this.rounds.current?.job.jobId === e.jobId) this.kick();
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
    this.kick();
  }

  /** Observes each seal's duration (metrics). */
  onSealTimed(cb: (seconds: number, accepted: boolean) => void): void {
    this.sealTimed = cb;
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
    this.rounds.onRound(cb);
  }

  isRemote(userIdx: string): boolean {
    return this.roster.isRemote(userIdx);
  }

  /** The candidate header of a miner in the current round, if it races in it. */
  currentJob(): MiningJob | null {
    return this.rounds.current?.job ?? null;
  }

  /** Hashes a remote miner proved by its shares (for its measured hash rate). */
  creditHashes(userIdx: string, hashes: number): void {
    this.meter.add(userIdx, hashes);
  }

  /** A remote miner's block solution: sealed like any other; resolves whether it was accepted. */
  submitRemote(s: Solution): Promise<boolean> {
    return this.onSolution(s);
  }

  /** Joins and leaves take turns with seals: the roster and the store's race marks agree whenever a seal is computed. */
  async addMiner(userIdx: string, opts: { remote?: boolean } = {}): Promise<void> {
    await this.inTurn(() => join(this.deps.db, this.roster, this.stats, this.settings.maxMiners, userIdx, opts.remote === true));
    this.kick();
  }

  async removeMiner(userIdx: string): Promise<void> {
    await this.inTurn(() => leave(this.deps.db, this.roster, this.stats, this.meter, userIdx));
    this.kick();
  }

  private inTurn<T>(f: () => Promise<T>): Promise<T> {
    const turn = this.chain.then(f);
    this.chain = turn.then(
      () => {},
      () => {},
    );
    return turn;
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
      height: this.rounds.current?.job.height ?? null,
      systemMinerActive: this.rounds.current?.miners.length === 0,
      hashRate: this.meter.poolRate(),
    });
  }

  /** A payment arrived or membership changed: rebuild the round soon. */
  kick(): void {
    if (!this.running) return;
    if (this.dirty) return;
    this.dirty = true;
    this.chain = this.chain.then(async () => {
      this.dirty = false;
      await this.rebuild();
    });
  }

  /** Builds the next round; on a failure (the store away) tries again shortly. */
  private async rebuild(next?: NextTemplate): Promise<void> {
    if (!this.running) return;
    try {
      await this.buildRound(next);
    } catch (e) {
      this.log.error({ err: e }, 'could not build a mining round');
      this.retryLater();
    }
  }

  /**
   * A payment was accepted: when idle, a round starts at once; when rounds are
   * in flight it joins the lookahead (if nothing older waits in the store), so
   * the round after a solution is staged on it (or starts without reading the
   * store); with a seal running and no round after it, one starts on that
   * solution now.
   */
  onPayment(tx?: PendingTx): void {
    const round = this.rounds.current;
    if (round === null && this.sealQueue.length === 0) {
      this.kick();
      return;
    }
    if (tx === undefined || !this.ahead.offer(tx, this.held())) return;
    if (round !== null) this.stageNext();
    else this.resumeTail();
  }

  /** The newest solution, sealing with no round after it: one starts on it when payments are known. */
  private resumeTail(): void {
    if (this.tail === null || this.ahead.size === 0) return;
    const { round, tip, sealed } = this.tail;
    this.tail = null;
    this.speculate(round, tip, sealed, performance.now());
  }

  private held(): Set<string> {
    if (this.heldIds?.at === this.rounds.changes) return this.heldIds.ids;
    const ids = new Set<string>();
    for (const r of [this.rounds.current, ...this.sealQueue]) if (r) for (const t of r.txs) ids.add(t.txId);
    this.heldIds = { ids, at: this.rounds.changes };
    return ids;
  }

  /** Stages the round after the current one on the lookahead's head (the hasher's threads start it on a solution). */
  private stageNext(): void {
    if (this.running && this.ahead.size > 0) this.rounds.stage(this.ahead.peek(this.deps.rules.batchSize));
  }

  private retryLater(): void {
    setTimeout(() => this.kick(), 1_000).unref();
  }

  /**
   * Builds a round. After an accepted seal `next` carries the new tip and the
   * remaining pending payments, read in the seal's own transaction, so the
   * next round starts without a round trip to the store. Otherwise they are
   * read here; a solution arriving meanwhile makes them stale, and its seal
   * builds the round instead.
   */
  private async buildRound(next?: NextTemplate): Promise<void> {
    const t0 = performance.now();
    const window = next ? next.pending : await oldestPending(this.deps.db, this.windowSize());
    const tip = next ? next.tip : window.length > 0 ? await readTip(this.deps.db, false) : null;
    if (next === undefined && this.sealQueue.length > 0) {
      this.rebuildWanted = true;
      return;
    }
    if (this.graceTimer) {
      clearTimeout(this.graceTimer);
      this.graceTimer = null;
    }
    const batch = this.deps.rules.batchSize;
    this.ahead.reset(window, this.windowSize());
    const txs = this.ahead.take(batch);
    if (txs.length === 0) {
      this.stats.idle(); // the next round (a new payment's) is no hand-off
      this.rounds.stop(true);
      return;
    }
    let miners = this.roster.ids();
    if (miners.length === 0) {
      if (!this.settings.systemMiner) {
        this.stats.idle();
        this.rounds.stop();
        return;
      }
      const waited = this.deps.now() - txs[0]!.createdAt.getTime();
      if (waited < this.settings.systemMinerGraceMs) {
        this.stats.idle();
        this.rounds.stop();
        this.graceTimer = setTimeout(() => this.kick(), this.settings.systemMinerGraceMs - waited + 5);
        this.graceTimer.unref();
        return;
      }
      miners = [];
    }
    this.rounds.start(tip!, txs, miners, null, t0, next === undefined);
    this.stageNext();
  }

  /**
   * Pending payments read for a round: its batch and what follows, so that a
   * few heights can be started on solutions before their seals commit.
   */
  private windowSize(): number {
    const b = this.deps.rules.batchSize;
    return b + Math.max(b, Math.min(3 * b, 64));
  }

  private onProgress(p: HashProgress): void {
    for (const [m, n] of p.hashesByMiner) if (m !== SYSTEM_MINER_IDX) this.meter.add(m, n);
  }

  private onSolution(s: Solution): Promise<boolean> {
    const round = this.rounds.current;
    if (!round || round.job.jobId !== s.jobId) {
      this.stats.count('STALE_JOB');
      return Promise.resolve(false);
    }
    let accepted = false;
    const t0 = performance.now();
    // The hand-off is timed when the next round's payments are known now. Otherwise it
    // starts on a seal's read of the store (a store wait) or on a new payment (idle).
    if (s.next !== undefined || this.ahead.size > 0) this.stats.solutionFound(s.foundAtUs ?? monoUs());
    else if (this.ahead.isComplete) this.stats.idle();
    else this.stats.waitsOnStore();
    this.sealQueue.push(round);
    // The pipeline: the next height is mined on this solution while its seal runs.
    let settle: (ok: boolean) => void = () => {};
    const sealed = new Promise<boolean>((r) => (settle = r));
    const adopted = s.next && this.running ? this.rounds.adopt(round, s.next, sealed, t0) : null;
    if (adopted) {
      // The threads already hash the staged round on this solution (the chain).
      this.ahead.remove(adopted);
      this.tail = null;
      this.stageNext();
    } else {
      this.rounds.stop();
      const header = decodeHeader(s.header);
      const tip = { height: header.height, hash: toHex(hashHeader(s.header)), timestampMs: header.timestampMs };
      this.tail = { round, tip, sealed };
      if (this.ahead.size > 0) {
        this.tail = null;
        this.speculate(round, tip, sealed, t0);
      }
    }
    this.chain = this.chain.then(async () => {
      const outcome = await this.seal(round, s);
      settle(outcome !== null && outcome.accepted);
      this.sealQueue.splice(this.sealQueue.indexOf(round), 1);
      this.heldIds = null;
      if (this.tail?.round === round) this.tail = null;
      accepted = outcome?.accepted ?? false;
      const inFlight = this.rounds.current?.parent || this.sealQueue.length > 0;
      if (outcome?.accepted && outcome.next && inFlight && !this.rebuildWanted) {
        // Rounds on later solutions run or seal: keep them, and learn what follows the
        // payments they hold; a later solution still without a round gets one now.
        this.ahead.merge(outcome.next.pending, this.windowSize(), this.held());
        if (this.rounds.current) this.stageNext();
        else this.resumeTail();
        return;
      }
      // A later solution's seal is queued: it decides what comes next.
      if (this.sealQueue.length > 0) return;
      if (outcome === null) {
        this.rounds.stop();
        this.retryLater();
        return;
      }
      this.rebuildWanted = false;
      await this.rebuild(outcome.accepted ? outcome.next : undefined);
    });
    return this.chain.then(() => accepted);
  }

  /** Seals one solution; null when the store failed. A solution built on a refused block is refused unsealed. */
  private async seal(round: Round, s: Solution): Promise<SealResult | null> {
    if (round.parent && !(await round.parent)) {
      this.stats.count('STALE_JOB');
      return { accepted: false, reason: 'WRONG_PREVIOUS_HASH', message: 'Built on a block that was refused.', consensus: null };
    }
    const t0 = performance.now();
    const result = await sealSolution(this.deps, round, s, this.racing(round), this.windowSize(), this.log);
    if (!result) return null;
    this.sealTimed((performance.now() - t0) / 1000, result.accepted);
    this.stats.version++;
    if (result.accepted) this.stats.blocksSealed++;
    else this.stats.count(result.reason);
    return result;
  }

  /** Who raced `round`: named in a small pool; in a large one relative to the store's race marks, their losses deferred (migration 007). */
  private racing(round: Round): Racing {
    if (round.miners.length <= (this.settings.deferLossesAbove ?? 256)) return { racingMiners: round.miners };
    return { racingPool: this.roster.since(round.miners) };
  }

  /**
   * Starts the height after `round` on its solution (`tip`) before that seal
   * commits, when the payments that follow are known and the same miners race.
   * Its solutions are sealed after that seal, and dropped if it is refused.
   */
  private speculate(round: Round, tip: Tip, sealed: Promise<boolean>, t0: number): void {
    if (!this.running || this.ahead.size === 0) return;
    const miners = this.roster.ids();
    if (miners.length === 0 && !(round.miners.length === 0 && this.settings.systemMiner)) return;
    this.rounds.start(tip, this.ahead.take(this.deps.rules.batchSize), miners, sealed, t0);
    this.stageNext();
  }

  private async flushHashRates(): Promise<void> {
    await saveRates(this.deps.db, this.roster.ids(), this.meter, this.log);
  }

  /** Stops cleanly: no new rounds, the in-flight seal finishes, hash rates are saved, the hasher closes. */
  async close(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    if (this.graceTimer) clearTimeout(this.graceTimer);
    if (this.flushTimer) clearInterval(this.flushTimer);
    this.rounds.stop();
    await this.chain;
    await this.flushHashRates();
    await this.hasher.close();
  }
}
