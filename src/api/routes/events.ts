/**
 * GET /api/events: Server-Sent Events for the dashboard.
 *
 * Everyone gets `pool` every second, `block` the moment one is sealed, and
 * snapshots of what a block changes: `blocks` (the latest 10), `banks` (fee
 * income), `board` (the leaderboard top 10 by blocks and by fees) and `chain`
 * (the verification state). These are computed once per change for all
 * connections, never per client, so an open page costs no rate-limited calls.
 *
 * With `?token=<jwt>` (EventSource cannot send headers; this is the only
 * endpoint that reads a token from the query, and its requests are not logged
 * so the token never reaches the logs) the stream adds the user's own `me`
 * (balance, held, recent payments, mining statistics) whenever one of their
 * payments or a block touching them changes it (and every 30 s), `mining`
 * (active, measured hash rate) every second, and `expired` before it closes
 * when the token is no longer valid.
 *
 * Connections are bounded (in all and per client address); a comment line
 * every 15 s keeps proxies from closing idle streams; a client that stops
 * reading is dropped; everything is cleaned up on close.
 */
import { Type } from 'typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { AppDeps } from '../../app/deps.ts';
import type { EventHub } from '../../compose.ts';
import type { MiningPool } from '../../mining/pool/coordinator.ts';
import { myAccount } from '../../app/accounts.ts';
import { recentBlocks, verifyChain } from '../../app/chain.ts';
import { listBanks } from '../../infra/db/repos/chain.ts';
import { findStats, leaderboard, type MinerStatsRow } from '../../infra/db/repos/miners.ts';
import { findPayment, paymentsInBlock } from '../../infra/db/repos/payments.ts';
import { formatPaise } from '../../domain/money.ts';
import { errorBody } from '../errors.ts';
import { bankJson, blockJson, paymentJson } from '../presenters.ts';
import { winRate } from './mining.ts';

export interface EventRouteOptions {
  readonly deps: AppDeps;
  readonly pool: MiningPool;
  readonly events: EventHub;
  /** Open streams at most (default 1000), and per client address (default 20). */
  readonly maxConnections?: number;
  readonly maxPerAddress?: number;
  /** Comment line interval (default 15 s) and pool tick (default 1 s). */
  readonly heartbeatMs?: number;
  readonly tickMs?: number;
  /** A logged-in stream's account is re-read (and its token re-checked) at least this often (default 30 s). */
  readonly accountRefreshMs?: number;
}

/** Unread bytes a client may leave behind before it is dropped. */
const MAX_BUFFERED = 512 * 1024;
/** The chain is re-verified at most this often (it reads every block). */
const CHAIN_GAP_MS = 5_000;

interface Client {
  readonly ip: string;
  readonly userIdx: string | null;
  readonly token: string | null;
  write(chunk: string): void;
  end(): void;
  meLoading: boolean;
  meAgain: boolean;
  meAt: number;
  wasMining: boolean;
}

const frame = (event: string, data: unknown) => `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;

/** NUMERIC(15,2) text as two decimals. */
function money(text: string): string {
  return /^\d+\.\d\d$/.test(text) ? text : Number(text).toFixed(2);
}

/** Runs `fn` at most once at a time; calls while it runs make it run once more after. */
function coalesce(fn: () => Promise<void>, minGapMs = 0): () => Promise<void> {
  let current: Promise<void> | null = null;
  let again = false;
  let last = 0;
  return () => {
    if (current) {
      again = true;
      return current;
    }
    current = (async () => {
      do {
        again = false;
        const wait = last + minGapMs - Date.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait).unref());
        last = Date.now();
        await fn();
      } while (again);
    })().finally(() => {
      current = null;
    });
    return current;
  };
}

export const eventRoutes: FastifyPluginAsyncTypebox<EventRouteOptions> = async (app, opts) => {
  const { deps, pool, events } = opts;
  const maxConnections = opts.maxConnections ?? 1000;
  const maxPerAddress = opts.maxPerAddress ?? 20;
  const accountRefreshMs = opts.accountRefreshMs ?? 30_000;
  const clients = new Set<Client>();
  const perAddress = new Map<string, number>();
  let closed = false;

  const broadcast = (chunk: string) => {
    for (const c of clients) c.write(chunk);
  };
  const authed = () => [...clients].filter((c) => c.userIdx !== null);

  // ---- what everyone sees, computed once per change ----
  let blocksFrame: string | null = null;
  let banksFrame: string | null = null;
  let chainFrame: string | null = null;
  let boardFrame: string | null = null;
  let boardVersion = -1;

  const refreshLedger = coalesce(async () => {
    if (closed) return;
    const [blocks, banks] = [await recentBlocks(deps, 10, null), await listBanks(deps.db)];
    blocksFrame = frame('blocks', { blocks: blocks.map(blockJson) });
    banksFrame = frame('banks', { banks: banks.map(bankJson) });
    broadcast(blocksFrame + banksFrame);
  });
  const refreshChain = coalesce(async () => {
    if (closed) return;
    const v = await verifyChain(deps);
    chainFrame = frame(
      'chain',
      v.valid
        ? { valid: true, height: Number(v.height) }
        : { valid: false, height: Number(v.height), bad_height: Number(v.badHeight), reason: v.reason },
    );
    broadcast(chainFrame);
  }, CHAIN_GAP_MS);
  const refreshBoard = coalesce(async () => {
    if (closed) return;
    const version = pool.version;
    const rows = (list: MinerStatsRow[]) =>
      list.map((s, i) => ({
        rank: i + 1,
        user_idx: s.userIdx,
        total_blocks_mined: s.totalBlocksMined,
        total_fees_earned: money(s.totalFeesEarned),
        win_rate: winRate(s.blocksWon, s.blocksLost),
        is_active: pool.isMining(s.userIdx),
      }));
    const byBlocks = await leaderboard(deps.db, 'blocks', 10);
    const byFees = await leaderboard(deps.db, 'fees', 10);
    boardVersion = version;
    boardFrame = frame('board', { blocks: rows(byBlocks.rows), fees: rows(byFees.rows), total_miners: byBlocks.total });
    broadcast(boardFrame);
  });
  const quietly = (p: Promise<void>) => p.catch((e: unknown) => app.log.warn({ err: e }, 'live update failed'));

  // ---- one user's own data ----
  const expire = (c: Client) => {
    c.write(frame('expired', errorBody('UNAUTHORIZED', 'Your session has expired; log in again.')));
    c.end();
  };
  const meJson = async (userIdx: string) => {
    const a = await myAccount(deps, userIdx);
    const st = await findStats(deps.db, userIdx);
    const active = pool.isMining(userIdx);
    return {
      user_idx: a.user.userIdx,
      full_name: a.user.fullName,
      balance: formatPaise(a.user.balance),
      held: formatPaise(a.held),
      recent_transactions: a.recent.map(paymentJson),
      mining: {
        is_active: active,
        hash_rate_per_second: (active ? pool.hashRate(userIdx) : 0).toFixed(2),
        total_blocks_mined: st?.totalBlocksMined ?? 0,
        blocks_won: st?.blocksWon ?? 0,
        blocks_lost: st?.blocksLost ?? 0,
        win_rate: winRate(st?.blocksWon ?? 0, st?.blocksLost ?? 0),
        total_fees_earned: money(st?.totalFeesEarned ?? '0.00'),
      },
    };
  };
  const refreshMe = async (c: Client): Promise<void> => {
    if (c.userIdx === null || c.token === null) return;
    if (c.meLoading) {
      c.meAgain = true;
      return;
    }
    c.meLoading = true;
    try {
      do {
        c.meAgain = false;
        c.meAt = Date.now();
        if (!deps.tokens.verify(c.token)) return expire(c);
        c.write(frame('me', await meJson(c.userIdx)));
      } while (c.meAgain && clients.has(c));
    } catch (e) {
      if ((e as { code?: unknown }).code === 'UNAUTHORIZED') return expire(c);
      app.log.warn({ err: e }, 'could not read an account for the live stream'); // the next change or tick retries
    } finally {
      c.meLoading = false;
    }
  };

  // ---- ledger events ----
  events.onPayment((txId) => {
    const users = authed();
    if (users.length === 0) return;
    quietly(
      findPayment(deps.db, txId).then((p) => {
        if (!p) return;
        for (const c of users) if (c.userIdx === p.senderIdx || c.userIdx === p.receiverIdx) void refreshMe(c);
      }),
    );
  });
  events.onSealed((height, hash, minerIdx) => {
    if (clients.size === 0) {
      blocksFrame = banksFrame = chainFrame = null; // stale: recomputed for the next connection
      return;
    }
    broadcast(frame('block', { height: Number(height), hash, miner_idx: minerIdx }));
    quietly(refreshLedger());
    quietly(refreshBoard()); // statistics changed, whichever path sealed it
    quietly(refreshChain());
    const users = authed();
    if (users.length === 0) return;
    quietly(
      paymentsInBlock(deps.db, height).then((ps) => {
        const touched = new Set<string>([minerIdx]);
        for (const p of ps) touched.add(p.senderIdx).add(p.receiverIdx);
        // Payers and payees settle; the winner and every miner that raced count the round.
        for (const c of users) if (touched.has(c.userIdx!) || c.wasMining || pool.isMining(c.userIdx!)) void refreshMe(c);
      }),
    );
  });

  // ---- the tick: pool status for all, live mining for each user ----
  const poolFrame = () => {
    const s = pool.status();
    return frame('pool', {
      active_miners: s.activeMiners,
      max_capacity: s.maxCapacity,
      is_running: s.isRunning,
      engine: s.engine,
      threads: s.threads,
      difficulty: deps.rules.difficulty,
      mining_height: s.height === null ? null : Number(s.height),
      system_miner_active: s.systemMinerActive,
      hash_rate_per_second: s.hashRate.toFixed(2),
      blocks_sealed: s.blocksSealed,
      version: pool.version,
    });
  };
  const tick = () => {
    broadcast(poolFrame());
    if (pool.version !== boardVersion) quietly(refreshBoard());
    const now = Date.now();
    for (const c of clients) {
      if (c.userIdx === null) continue;
      const active = pool.isMining(c.userIdx);
      c.write(frame('mining', { is_active: active, hash_rate_per_second: (active ? pool.hashRate(c.userIdx) : 0).toFixed(2) }));
      if (active !== c.wasMining || now - c.meAt >= accountRefreshMs) void refreshMe(c);
      c.wasMining = active;
    }
  };
  let ticker: NodeJS.Timeout | null = null;
  let heartbeat: NodeJS.Timeout | null = null;
  const startTimers = () => {
    if (ticker) return;
    ticker = setInterval(tick, opts.tickMs ?? 1000);
    heartbeat = setInterval(() => broadcast(': keep-alive\n\n'), opts.heartbeatMs ?? 15_000);
  };
  const stopTimers = () => {
    if (ticker) clearInterval(ticker);
    if (heartbeat) clearInterval(heartbeat);
    ticker = heartbeat = null;
  };

  // End the streams before the server waits for its connections to finish.
  app.addHook('preClose', async () => {
    closed = true;
    for (const c of [...clients]) c.end();
    stopTimers();
  });

  app.get(
    '/api/events',
    {
      // Not logged: the query may carry a token.
      logLevel: 'warn',
      exposeHeadRoute: false,
      schema: { hide: true, querystring: Type.Object({ token: Type.Optional(Type.String({ maxLength: 4096 })) }) },
    },
    async (req, reply) => {
      if (closed) return reply.code(503).send(errorBody('SERVICE_UNAVAILABLE', 'The server is shutting down.'));
      if (clients.size >= maxConnections) {
        return reply.code(503).header('retry-after', '10').send(errorBody('SERVICE_UNAVAILABLE', 'Too many live connections; poll instead.'));
      }
      const ip = req.ip;
      if ((perAddress.get(ip) ?? 0) >= maxPerAddress) {
        return reply.code(429).header('retry-after', '10').send(errorBody('RATE_LIMITED', `At most ${maxPerAddress} live connections per client.`));
      }
      const token = req.query.token ?? null;
      const claims = token !== null ? deps.tokens.verify(token) : null;
      if (token !== null && !claims) return reply.code(401).send(errorBody('UNAUTHORIZED', 'The token is missing, malformed, expired or not valid.'));
      const userIdx = claims?.userIdx ?? null;
      const first: string[] = [];
      if (userIdx !== null) first.push(frame('me', await meJson(userIdx))); // an unknown user: 401 from myAccount
      if (blocksFrame === null || banksFrame === null) await refreshLedger();
      if (boardFrame === null || boardVersion !== pool.version) await refreshBoard();

      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-store',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
      });
      let ended = false;
      const client: Client = {
        ip,
        userIdx,
        token,
        meLoading: false,
        meAgain: false,
        meAt: Date.now(),
        wasMining: userIdx !== null && pool.isMining(userIdx),
        write: (chunk) => {
          if (ended || res.writableEnded || res.destroyed) return;
          if (res.writableLength > MAX_BUFFERED) return client.end(); // it stopped reading
          res.write(chunk);
        },
        end: () => {
          if (!ended && !res.writableEnded) res.end();
          cleanup();
        },
      };
      const cleanup = () => {
        if (ended) return;
        ended = true;
        clients.delete(client);
        const n = (perAddress.get(ip) ?? 1) - 1;
        if (n <= 0) perAddress.delete(ip);
        else perAddress.set(ip, n);
        if (clients.size === 0) stopTimers();
      };
      clients.add(client);
      perAddress.set(ip, (perAddress.get(ip) ?? 0) + 1);
      req.raw.on('close', cleanup);
      res.on('close', cleanup);
      res.on('error', cleanup);
      startTimers();

      client.write('retry: 2000\n\n' + poolFrame() + first.join('') + (blocksFrame ?? '') + (banksFrame ?? '') + (boardFrame ?? ''));
      if (chainFrame !== null) client.write(chainFrame);
      else quietly(refreshChain());
    },
  );
};
