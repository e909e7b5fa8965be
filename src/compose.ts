/**
 * The composition root: turns a Config into a running ledger (store, use-case
 * dependencies, HTTP server). Nothing is global; tests build as many as they like.
 */
import { randomBytes } from 'node:crypto';
import type { FastifyInstance, RouteOptions } from 'fastify';
import type { Config } from './infra/config.ts';
import { HoldBatcher } from './app/hold-batcher.ts';
import { Backlog, backlogLimit } from './app/backlog.ts';
import { PaymentReadCache } from './app/payment-cache.ts';
import { openStore, type Store, type StoreOptions } from './infra/db/database.ts';
import type { StartedThread } from './infra/db/pglite-runner.ts';
import { createScryptHasher } from './infra/security/passwords.ts';
import { createTokenService } from './infra/security/tokens.ts';
import { loadOrCreateSecret } from './infra/security/secrets.ts';
import { buildServer } from './api/server.ts';
import { miningRoutes } from './api/routes/mining.ts';
import { pino, type Logger } from 'pino';
import { MiningPool } from './mining/pool/coordinator.ts';
import { selectEngine } from './mining/engines/index.ts';
import { createHasher } from './mining/workers/index.ts';
import { deferHasher } from './mining/workers/deferred-hasher.ts';
import { StoreReadiness } from './infra/db/readiness.ts';
import { StoreUpkeep } from './infra/db/upkeep.ts';
import { RaceFold } from './infra/db/race-fold.ts';
import { countPending, type PaymentRow } from './infra/db/repos/payments.ts';
import { createMetrics, metricsPlugin } from './api/plugins/metrics.ts';
import { healthRoutes } from './api/routes/health.ts';
import { auditRoutes } from './api/routes/audit.ts';
import { eventRoutes } from './api/routes/events.ts';
import { miningWsRoutes } from './api/routes/mining-ws.ts';
import { webRoutes } from './api/routes/web.ts';
import { appendAudit } from './infra/db/repos/audit.ts';
import type { AppDeps, LedgerEvents } from './app/deps.ts';
import type { BankCode } from './domain/banks.ts';
import type { BankValidator } from './domain/validation.ts';

export interface Ledger {
  readonly config: Config;
  readonly store: Store;
  readonly deps: AppDeps;
  readonly app: FastifyInstance;
  readonly pool: MiningPool;
  readonly log: Logger;
  readonly events: EventHub;
  readonly readiness: StoreReadiness;
  /** The embedded store's statistics upkeep (null on PostgreSQL, whose autovacuum does it). */
  readonly upkeep: StoreUpkeep | null;
  /** Writes a large pool's deferred losses into miner_statistics (migration 007). */
  readonly raceFold: RaceFold;
  close(): Promise<void>;
}

export interface LedgerOptions {
  readonly config: Config;
  /** Defaults to the config: DATABASE_URL, else PGlite in DATA_DIR. */
  readonly store?: StoreOptions;
  /** false: silent; an object: pino options; default: pino at LOG_LEVEL. */
  readonly logger?: object | boolean;
  /** Where logs go (default stdout); tests capture them here. */
  readonly logStream?: NodeJS.WritableStream;
  readonly now?: () => number;
  readonly bankValidators?: Partial<Record<BankCode, BankValidator>>;
  /** Payments accepted and not yet sealed at most (default backlogLimit(BATCH_SIZE)); tests make it small. */
  readonly backlogLimit?: number;
  /** How old a leaderboard may be served while the next is read (default 250 ms); tests set it. */
  readonly boardStaleMs?: number;
  /** Hears every HTTP route as it is added (tests check every route's schemas with it). */
  readonly onRoute?: (route: RouteOptions) => void;
  /** When the hashing threads start if no round needed them first (default 1 s after start; tests set it). */
  readonly hasherLaunchMs?: number;
  /** The pool defers a block's losses above this many racing miners (default 256; migration 007). */
  readonly deferLossesAbove?: number;
}

/** When the hashing threads start if no round has needed them before (after the server listens). */
const HASHER_LAUNCH_MS = 1_000;

/** The store a config names; `started`: the embedded database's thread, already started for it (server.ts). */
export function storeOptionsFor(config: Config, started?: StartedThread): StoreOptions {
  if (config.databaseUrl !== null) return { kind: 'postgres', url: config.databaseUrl };
  return { kind: 'pglite', dataDir: config.dataDir, thread: true, ...(started ? { started } : {}) };
}

/** A fan-out of ledger events to any number of listeners. */
export class EventHub implements LedgerEvents {
  private readonly payment: Array<(payment: PaymentRow) => void> = [];
  private readonly sealed: Array<(height: bigint, hash: string, minerIdx: string, txCount: number) => void> = [];
  onPayment(cb: (payment: PaymentRow) => void): void {
    this.payment.push(cb);
  }
  onSealed(cb: (height: bigint, hash: string, minerIdx: string, txCount: number) => void): void {
    this.sealed.push(cb);
  }
  paymentAccepted(payment: PaymentRow): void {
    for (const cb of this.payment) cb(payment);
  }
  blockSealed(height: bigint, hash: string, minerIdx: string, txCount: number): void {
    for (const cb of this.sealed) cb(height, hash, minerIdx, txCount);
  }
}

/** The settings as recorded in the audit log: never a secret or a password in a URL. */
function safeSettings(c: Config, store: string, engine: string) {
  return {
    store,
    database_url: c.databaseUrl === null ? null : c.databaseUrl.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@'),
    port: c.port,
    host: c.host,
    difficulty: c.difficulty,
    batch_size: c.batchSize,
    max_miners: c.maxMiners,
    mining_timeout_seconds: c.miningTimeoutSeconds,
    mining_threads: c.miningThreads,
    mining_nice: c.miningNice,
    mining_threads_adapt: c.miningThreadsAdapt,
    hash_engine: engine,
    system_miner: c.systemMiner,
    system_miner_grace_seconds: c.systemMinerGraceSeconds,
    rate_limits: Object.fromEntries(Object.entries(c.rateLimits).map(([k, v]) => [k, v.text])),
    trust_proxy: c.trustProxy,
    redis: c.redisUrl !== null,
    jwt_secret: c.jwtSecret === null ? 'generated' : 'from environment',
    auditor_key: c.auditorKey === null ? 'generated' : 'from environment',
  };
}

export async function createLedger(opts: LedgerOptions): Promise<Ledger> {
  const { config } = opts;
  const log: Logger =
    opts.logger === false
      ? pino({ level: 'silent' })
      : pino(
          {
            level: config.logLevel,
            redact: ['req.headers.authorization', 'req.headers.cookie', '*.rbi_number', '*.token', '*.jwtSecret'],
            ...(typeof opts.logger === 'object' ? opts.logger : {}),
          },
          (opts.logStream ?? process.stdout) as never,
        );
  const engine = selectEngine(config.hashEngine ?? undefined);
  for (const note of engine.notes) log.info({ note }, 'hash engine');
  // The hashing threads start after the store is ready, when a round first needs them (launchThreads
  // in onReady): on two cores, threads booting beside the store's and the server's own would slow
  // both down (start-up time). Threads that cannot start leave the pool to the single-thread twin.
  const hasher = deferHasher({ engine: engine.name, threads: config.miningThreads }, () =>
    createHasher({ threads: config.miningThreads, engine: engine.name, nice: config.miningNice, adapt: config.miningThreadsAdapt })
      .catch((e: unknown) => {
        log.warn({ err: e }, 'hashing threads did not start; hashing on the event loop instead');
        return createHasher({ threads: 0, engine: engine.name });
      })
      .then((h) => (log.info({ engine: h.engine, threads: h.threads }, 'hash engine selected'), h)),
  );
  let launchTimer: NodeJS.Timeout | undefined; // the hashing threads' launch if no round asks first
  const store = await openStore(opts.store ?? storeOptionsFor(config));
  const readiness = new StoreReadiness(store.db, log.child({ module: 'store' }));
  try {
    const secret = config.jwtSecret ?? loadOrCreateSecret(config.dataDir, 'jwt-secret');
    const auditorKey = config.auditorKey ?? loadOrCreateSecret(config.dataDir, 'auditor-key');
    const events = new EventHub();
    const paymentCache = new PaymentReadCache();
    // Group commit. The embedded store: one batch at a time on its single
    // connection, and small batches (~15 ms of its thread), so that a seal
    // waiting for the connection (it goes first) is never held up for long.
    // PostgreSQL: two at a time (payments serialise on the audit head; the
    // second overlaps one batch's commit with the next's work), larger.
    // 2,000 waiting holds is about two seconds of the measured capacity.
    const backlog = new Backlog(opts.backlogLimit ?? backlogLimit(config.batchSize));
    events.onPayment(() => backlog.accepted());
    events.onSealed((_h, _hash, _m, txCount) => backlog.sealed(txCount));
    // What start-up reads and writes (the migrations or the check that none is due, the backlog, the
    // settings in the audit log) is queued at once: the store runs it as soon as it is open, while
    // the HTTP side is built. A store that is down is retried in the background (onReady then).
    const prepare = async () => {
      backlog.resync((await countPending(store.db)).count);
      await appendAudit(store.db, { actor: 'system', action: 'settings', payload: safeSettings(config, store.kind, hasher.engine) });
    };
    const preparedAtOnce = readiness.start().then(async (ready) => ready && (await prepare(), true));
    preparedAtOnce.catch(() => {}); // awaited below; not an unhandled rejection meanwhile
    const holds = new HoldBatcher(store.db, store.kind === 'pglite' ? { maxBatch: 32, maxInFlight: 1, maxQueued: 2_000 } : { maxBatch: 256, maxInFlight: 2, maxQueued: 2_000 });
    events.onSealed(() => paymentCache.sealed());
    const deps: AppDeps = {
      db: store.db,
      sealDb: store.sealDb,
      rules: {
        difficulty: config.difficulty,
        batchSize: config.batchSize,
        maxFutureMs: BigInt(config.maxFutureBlockSeconds) * 1000n,
      },
      passwords: createScryptHasher(config.scryptCost),
      tokens: createTokenService(secret, config.jwtExpiresInSeconds),
      events,
      now: opts.now ?? Date.now,
      random: (n) => randomBytes(n),
      ...(opts.bankValidators ? { bankValidators: opts.bankValidators } : {}),
      paymentCache,
      holds,
      backlog,
    };
    const pool = new MiningPool(
      deps,
      hasher,
      {
        maxMiners: config.maxMiners,
        miningTimeoutMs: config.miningTimeoutSeconds * 1000,
        systemMiner: config.systemMiner,
        systemMinerGraceMs: config.systemMinerGraceSeconds * 1000,
        ...(opts.deferLossesAbove === undefined ? {} : { deferLossesAbove: opts.deferLossesAbove }),
      },
      log.child({ module: 'pool' }),
    );
    events.onPayment((p) => pool.onPayment(p));
    events.onSealed(() => pool.invalidate());
    const raceFold = new RaceFold(store.db, log.child({ module: 'store' }));
    events.onSealed(() => raceFold.sealed());
    // The embedded store has no autovacuum: its planner statistics are refreshed here.
    const upkeep = store.kind === 'pglite' ? new StoreUpkeep(store.db, log.child({ module: 'store' })) : null;
    if (upkeep) {
      events.onPayment(() => upkeep.changed(1));
      events.onSealed((_h, _hash, _m, txCount) => upkeep.changed(txCount + 1));
    }
    const metrics = createMetrics({
      pendingPayments: async () => (await countPending(store.db)).count,
      activeMiners: () => pool.status().activeMiners,
      hashRate: () => pool.status().hashRate,
      engine: () => hasher.engine,
      blocksSealed: () => pool.status().blocksSealed,
      rejectedSolutions: () => pool.status().rejected,
      dbInUse: () => store.inUse(),
    });
    pool.onSealTimed((seconds, accepted) => metrics.sealSeconds.observe({ result: accepted ? 'accepted' : 'refused' }, seconds));
    let app: FastifyInstance;
    try {
      app = await buildServer({
        deps,
        logger: log as never,
        bodyLimitBytes: config.bodyLimitBytes,
        trustProxy: config.trustProxy,
        rateLimit: { redisUrl: config.redisUrl },
        isReady: () => readiness.ready,
        onDatabaseDown: (e) => readiness.lost((e as Error)?.message ?? String(e)),
        ...(opts.onRoute ? { onRoute: opts.onRoute } : {}),
        plugins: [
          async (a) => {
            await a.register(metricsPlugin, { metrics });
            await a.register(healthRoutes, { db: store.db, readiness });
            await a.register(miningRoutes, { deps, pool, limits: config.rateLimits, ...(opts.boardStaleMs === undefined ? {} : { boardStaleMs: opts.boardStaleMs }) });
            await a.register(auditRoutes, { deps, auditorKey });
            await a.register(eventRoutes, { deps, pool, events });
            await a.register(miningWsRoutes, { deps, pool });
            await a.register(webRoutes);
          },
        ],
      });
      await app.ready();
      // The embedded store opened on its thread meanwhile; one that cannot open stops the start here.
      await store.opened.catch(async (e: unknown) => {
        await app.close();
        throw e;
      });
      const onReady = async (prepared: boolean) => {
        if (!prepared) await prepare();
        // The hashing threads as soon as a round needs them, else a second after start: creating them
        // takes the event loop ~10 ms each, which the first requests (the readiness probe) need.
        let launched = false;
        const launchThreads = () => {
          if (launched) return;
          launched = true;
          hasher.launch().catch((e: unknown) => log.error({ err: e }, 'the hasher did not start'));
        };
        pool.onRound((job) => job && launchThreads());
        launchTimer = setTimeout(launchThreads, opts.hasherLaunchMs ?? HASHER_LAUNCH_MS);
        launchTimer.unref();
        await pool.start(); // its first round waits for the hashing threads
        // Statistics a second later: the first requests (the readiness probe among them) do not queue
        // behind an ANALYZE on the embedded store's single connection. close() waits for it.
        void upkeep?.start(1_000);
      };
      if (await preparedAtOnce) await onReady(true);
      else void readiness.whenReady().then(() => onReady(false)).catch((e: unknown) => log.error({ err: e }, 'start after recovery failed'));
    } catch (e) {
      await upkeep?.close();
      await raceFold.close();
      throw e; // the readiness, the hasher and the store are closed below
    }
    return {
      config,
      store,
      deps,
      app,
      pool,
      log,
      events,
      readiness,
      upkeep,
      raceFold,
      close: async () => {
        // The pool first (an in-flight seal finishes), its deferred losses folded, then HTTP, then the store.
        readiness.close();
        clearTimeout(launchTimer);
        await upkeep?.close();
        await pool.close();
        await hasher.close(); // the pool closes it too, if it ever started
        await raceFold.close();
        await app.close();
        await holds.drained();
        await store.close();
      },
    };
  } catch (e) {
    readiness.close();
    await hasher.close().catch(() => {});
    await store.close().catch(() => {});
    throw e;
  }
}
