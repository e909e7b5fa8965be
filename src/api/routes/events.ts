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
 *
 * This module owns the connections, the timers and the hub's events;
 * `events/snapshots.ts` the shared frames, `events/account.ts` the user's own,
 * `events/sse.ts` the frame format.
 */
import { Type } from 'typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { AppDeps } from '../../app/deps.ts';
import type { EventHub } from '../../compose.ts';
import type { MiningPool } from '../../mining/pool/coordinator.ts';
import { paymentsInBlock } from '../../infra/db/repos/payments.ts';
import { errorBody } from '../errors.ts';
import { accountRefresher, meJson } from './events/account.ts';
import { createSnapshots } from './events/snapshots.ts';
import { frame, type Client } from './events/sse.ts';

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
  const shared = createSnapshots({ deps, pool, broadcast, isClosed: () => closed });
  const refreshMe = accountRefresher({ deps, pool, clients, log: app.log });
  const quietly = (p: Promise<void>) => p.catch((e: unknown) => app.log.warn({ err: e }, 'live update failed'));

  // ---- ledger events ----
  events.onPayment((p) => {
    for (const c of authed()) if (c.userIdx === p.senderIdx || c.userIdx === p.receiverIdx) void refreshMe(c);
  });
  events.onSealed((height, hash, minerIdx) => {
    if (clients.size === 0) {
      shared.forget(); // stale: recomputed for the next connection
      return;
    }
    broadcast(frame('block', { height: Number(height), hash, miner_idx: minerIdx }));
    quietly(shared.refreshLedger());
    quietly(shared.refreshBoard()); // statistics changed, whichever path sealed it
    quietly(shared.refreshChain());
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
  const tick = () => {
    broadcast(shared.poolFrame());
    if (pool.version !== shared.boardVersion) quietly(shared.refreshBoard());
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
      if (userIdx !== null) first.push(frame('me', await meJson(deps, pool, userIdx))); // an unknown user: 401 from myAccount
      if (shared.blocks === null || shared.banks === null) await shared.refreshLedger();
      if (shared.board === null || shared.boardVersion !== pool.version) await shared.refreshBoard();

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

      client.write('retry: 2000\n\n' + shared.poolFrame() + first.join('') + (shared.blocks ?? '') + (shared.banks ?? '') + (shared.board ?? ''));
      if (shared.chain !== null) client.write(shared.chain);
      else quietly(shared.refreshChain());
    },
  );
};
