/**
 * How rounds follow each other: the round on the stored tip (a template read,
 * or the one a seal returned), the pipeline (on a solution, the next height
 * starts at once while its seal runs: adopted from the hasher's threads when
 * it was staged with them, else started here), the lookahead that tells what
 * the next rounds hold, and the chain of turns that serializes round
 * building, seals, joins and leaves. The pool (coordinator.ts) owns the
 * miners and what it reports; this owns the rounds and their seals.
 */
import { decodeHeader, hashHeader } from '../../domain/header.ts';
import { toHex } from '../../domain/hex.ts';
import type { NextTemplate } from '../../app/seal.ts';
import type { AppDeps } from '../../app/deps.ts';
import { readTip } from '../../infra/db/repos/chain.ts';
import { oldestPending } from '../../infra/db/repos/payments.ts';
import type { Hasher, Solution } from '../workers/types.ts';
import { monoUs } from '../workers/job.ts';
import { Lookahead, type PendingTx } from './lookahead.ts';
import { RoundHandout, type Tip } from './handout.ts';
import type { MinerRoster } from './roster.ts';
import { Sealer, whoRaces } from './seal-solution.ts';
import type { PoolStats } from './stats.ts';
import type { PoolLog, PoolSettings, Round } from './types.ts';

export class RoundPipeline {
  readonly rounds: RoundHandout;
  readonly sealer: Sealer;
  private running = false;
  /** Serializes round building, seals, joins and leaves: one at a time. */
  private chain: Promise<void> = Promise.resolve();
  private dirty = false;
  /** A rebuild was asked for (membership, a timeout) while seals were queued: the last seal does it. */
  private rebuildWanted = false;
  /** The rounds of solutions whose seal has not finished (with the pipeline, more than one). */
  private readonly sealQueue: Round[] = [];
  private graceTimer: NodeJS.Timeout | null = null;
  /** Pending payments known to follow the rounds in flight (oldest first): the next rounds' templates. */
  private readonly ahead: Lookahead;
  /** The payments the rounds in flight hold (the current one and those sealing), computed when asked. */
  private heldIds: { readonly ids: Set<string>; readonly at: number } | null = null;
  /** The newest solution whose seal runs, while no round follows it: a payment arriving starts one on it. */
  private tail: { readonly round: Round; readonly tip: Tip; readonly sealed: Promise<boolean> } | null = null;

  constructor(
    private readonly deps: AppDeps,
    hasher: Hasher,
    private readonly roster: MinerRoster,
    private readonly stats: PoolStats,
    private readonly settings: PoolSettings,
    private readonly log: PoolLog,
  ) {
    this.ahead = new Lookahead(this.windowSize());
    const rules = { difficulty: deps.rules.difficulty, timeoutMs: settings.miningTimeoutMs, now: deps.now };
    this.rounds = new RoundHandout(hasher, roster, stats, rules, () => this.kick());
    this.sealer = new Sealer(deps, roster, stats, settings, log);
  }

  start(): void {
    this.running = true;
    this.kick();
  }

  /** Runs `f` in its turn on the chain (after the seals queued before it). */
  inTurn<T>(f: () => Promise<T>): Promise<T> {
    const turn = this.chain.then(f);
    this.chain = turn.then(
      () => {},
      () => {},
    );
    return turn;
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
    if (this.tail === null || !this.fullBatch()) return;
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
    if (this.running && this.fullBatch()) this.rounds.stage(this.ahead.peek(this.deps.rules.batchSize));
  }

  /**
   * A round starts on a solution whose seal still runs only with a full batch
   * known: under load blocks then fill, and the store seals fewer of them (a
   * seal's cost is mostly per block); otherwise the next round waits for the
   * seal, which returns what is pending.
   */
  private fullBatch(): boolean {
    return this.ahead.size >= this.deps.rules.batchSize;
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
    if (!this.running) return; // closed meanwhile
    if (next === undefined && this.sealQueue.length > 0) {
      this.rebuildWanted = true;
      return;
    }
    if (this.graceTimer) {
      clearTimeout(this.graceTimer);
      this.graceTimer = null;
    }
    const batch = this.deps.rules.batchSize;
    // A seal's read (no round in flight is kept) adds to what was accepted since; a store read starts afresh.
    if (next) this.ahead.merge(window, this.windowSize(), new Set());
    else this.ahead.reset(window, this.windowSize());
    const txs = this.ahead.take(batch);
    if (txs.length === 0) {
      this.stats.idle(); // the next round (a new payment's) is no hand-off
      this.rounds.stop(true);
      return;
    }
    const racing = whoRaces(this.roster, this.settings, txs[0]!.createdAt.getTime(), this.deps.now());
    if (racing === null || 'waitMs' in racing) {
      this.stats.idle();
      this.rounds.stop();
      if (racing) {
        this.graceTimer = setTimeout(() => this.kick(), racing.waitMs);
        this.graceTimer.unref();
      }
      return;
    }
    this.rounds.start(tip!, txs, racing.miners, null, t0, next === undefined);
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

  /** A solution (a thread's or a remote miner's): sealed if it is of the current round; resolves whether it was accepted. */
  onSolution(s: Solution): Promise<boolean> {
    const round = this.rounds.current;
    if (!round || round.job.jobId !== s.jobId) {
      this.stats.count('STALE_JOB');
      return Promise.resolve(false);
    }
    let accepted = false;
    const t0 = performance.now();
    // The hand-off is timed when the next round starts at once (a full batch known); when its last
    // payments came after the solution (staged late), apart, from then. Otherwise it starts when this
    // seal returns what is pending (a store wait) or on a new payment (idle).
    if (s.next !== undefined && s.stagedLateAtUs !== undefined) this.stats.solutionFound(s.stagedLateAtUs, true);
    else if (s.next !== undefined || this.fullBatch()) this.stats.solutionFound(s.foundAtUs ?? monoUs());
    else if (this.ahead.size === 0 && this.ahead.isComplete) this.stats.idle();
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
      if (this.fullBatch()) {
        this.tail = null;
        this.speculate(round, tip, sealed, t0);
      }
    }
    this.chain = this.chain.then(async () => {
      const outcome = await this.sealer.seal(round, s, this.windowSize());
      settle(outcome !== null && outcome.accepted);
      this.sealQueue.splice(this.sealQueue.indexOf(round), 1);
      this.heldIds = null;
      if (this.tail?.round === round) this.tail = null;
      accepted = outcome?.accepted ?? false;
      if (!accepted) {
        // Every round after this one was built on it (the pipeline is one line): none can be
        // sealed, so none is mined further; the last seal queued rebuilds on the stored tip.
        if (this.rounds.current?.parent) this.rounds.stop();
        this.tail = null;
      }
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

  /** No new rounds; resolves when the seals queued have finished. */
  async close(): Promise<void> {
    this.running = false;
    if (this.graceTimer) clearTimeout(this.graceTimer);
    this.rounds.stop();
    await this.chain;
  }
}
