/**
 * The HTTP server: plugins (auth, docs, errors), then one route module per
 * resource. It owns no state: everything comes in through `ServerOptions`.
 */
import Fastify, { type FastifyInstance, type FastifyServerOptions, type RouteOptions } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import rateLimit from '@fastify/rate-limit';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import FindMyWay from 'find-my-way';
import { randomUUID } from 'node:crypto';
import type { AppDeps } from '../app/deps.ts';
import { userExists } from '../infra/db/repos/users.ts';
import { appendAudit } from '../infra/db/repos/audit.ts';
import { authPlugin } from './plugins/auth.ts';
import { errorBody, isDatabaseDown, toHttpError } from './errors.ts';
import { ErrorResponse } from './schemas.ts';
import { lazySerializerFactory, lazyValidator } from './lazy-compile.ts';
import { authRoutes } from './routes/auth.ts';
import { transactionRoutes } from './routes/transactions.ts';
import { userRoutes } from './routes/users.ts';
import { blockRoutes } from './routes/blocks.ts';

export interface ServerOptions {
  readonly deps: AppDeps;
  /** A pino logger instance. */
  readonly logger: FastifyServerOptions['loggerInstance'];
  readonly bodyLimitBytes: number;
  readonly trustProxy: boolean;
  /** Rate limiting: counters in memory, or in Redis to share them between instances. */
  readonly rateLimit?: { readonly redisUrl: string | null };
  /** False while the store is unavailable or migrating: /api answers 503. */
  readonly isReady?: () => boolean;
  /** A request failed because the database is unreachable. */
  readonly onDatabaseDown?: (e: unknown) => void;
  /** Hears every route as it is added (tests check every route's schemas with it). */
  readonly onRoute?: (route: RouteOptions) => void;
  /** Extra route plugins (the mining pool adds its own). */
  readonly plugins?: ReadonlyArray<(app: FastifyInstance) => Promise<void>>;
}

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

function makeAjv(coerce: boolean): Ajv {
  const ajv = new Ajv({
    coerceTypes: coerce ? 'array' : false,
    useDefaults: true,
    removeAdditional: true,
    allErrors: false,
    strict: false,
    // The route schemas are checked against JSON Schema's meta-schema by the tests
    // (route-schemas.test.ts), not by compiling the meta-schema on every start.
    validateSchema: false,
  });
  addFormats(ajv);
  return ajv;
}

export async function buildServer(opts: ServerOptions): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: opts.logger,
    bodyLimit: opts.bodyLimitBytes,
    trustProxy: opts.trustProxy,
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && /^[A-Za-z0-9._-]{1,64}$/.test(given) ? given : randomUUID();
    },
    requestIdHeader: false,
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 200 },
    schemaController: { compilersFactory: { buildSerializer: lazySerializerFactory() } },
  }).withTypeProvider<TypeBoxTypeProvider>();

  if (opts.onRoute) app.addHook('onRoute', opts.onRoute);

  // JSON only: a text/plain body is 415, not a string that fails validation.
  app.removeContentTypeParser('text/plain');

  // Bodies are never coerced (a number is not a string); query strings and params are.
  const strict = makeAjv(false);
  const coercing = makeAjv(true);
  app.setValidatorCompiler(({ schema, httpPart }) => lazyValidator(() => (httpPart === 'body' ? strict : coercing).compile(schema as object)));

  // Method-not-allowed needs to know every route's methods.
  const routes = FindMyWay();
  app.addHook('onRoute', (r) => {
    const methods = Array.isArray(r.method) ? r.method : [r.method];
    for (const m of methods) {
      if (m === 'HEAD') continue;
      try {
        routes.on(m as 'GET', r.url, () => {});
      } catch {
        /* duplicate registrations are fine */
      }
    }
  });

  const isReady = opts.isReady ?? (() => true);
  app.addHook('onRequest', async (req, reply) => {
    if (!isReady() && req.url.startsWith('/api/')) {
      return reply.code(503).header('retry-after', '2').send(errorBody('SERVICE_UNAVAILABLE', 'The database is starting or unavailable; try again shortly.'));
    }
  });

  app.addHook('onSend', async (req, reply, payload) => {
    reply.header('x-request-id', req.id);
    return payload;
  });

  app.setErrorHandler((err, req, reply) => {
    const { status, body, internal } = toHttpError(err);
    if (status === 503 && isDatabaseDown(err)) {
      opts.onDatabaseDown?.(err);
      req.log.warn({ err }, 'database unavailable');
      reply.header('retry-after', '2');
    } else if (internal) req.log.error({ err }, 'request failed');
    else req.log.info({ code: body.code }, 'request refused');
    if (status === 429 && !reply.hasHeader('retry-after')) reply.header('retry-after', '60');
    if (status === 503 && !reply.hasHeader('retry-after')) reply.header('retry-after', '1');
    return reply.code(status).send(body);
  });

  app.setNotFoundHandler((req, reply) => {
    const path = req.url.split('?')[0] ?? '/';
    const allowed = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'].filter((m) => routes.find(m as 'GET', path) !== null);
    if (allowed.length > 0) {
      reply.header('allow', allowed.join(', '));
      return reply.code(405).send(errorBody('METHOD_NOT_ALLOWED', `${req.method} is not allowed here; use ${allowed.join(' or ')}.`));
    }
    return reply.code(404).send(errorBody('ROUTE_NOT_FOUND', `No route ${req.method} ${path}.`));
  });

  app.addSchema(ErrorResponse);
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'idxchain',
        version: '0.1.0',
        description: 'A permissioned rupee ledger for six consortium banks, sealed by a pool of competing user miners.',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } },
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });

  const { deps } = opts;
  await app.register(authPlugin, { tokens: deps.tokens, userExists: (idx) => userExists(deps.db, idx) });
  // Per-route limits (config.rateLimit); keyed per user when the token is valid,
  // else per client address (X-Forwarded-For counts only with TRUST_PROXY).
  // ioredis is loaded only when Redis is configured (start-up time).
  const redis = opts.rateLimit?.redisUrl ? new (await import('ioredis')).Redis(opts.rateLimit.redisUrl, { maxRetriesPerRequest: 1, enableOfflineQueue: false, lazyConnect: false }) : null;
  if (redis) {
    redis.on('error', (e) => app.log.warn({ err: e }, 'redis error'));
    // Count from the first request: wait (briefly) for the connection.
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, 2_000);
      redis.once('ready', () => {
        clearTimeout(t);
        resolve();
      });
    });
    app.addHook('onClose', async () => {
      redis.disconnect();
    });
  }
  const limitedUntil = new Map<string, number>();
  await app.register(rateLimit, {
    global: false,
    ...(redis ? { redis, nameSpace: 'idxchain-rl:', skipOnError: true } : {}),
    keyGenerator: (req) => (req.userIdx ? `user:${req.userIdx}` : `ip:${req.ip}`),
    onExceeded: (req, key) => {
      // One audit record per key and window, so a flood cannot turn into a flood of writes.
      const now = Date.now();
      if ((limitedUntil.get(key) ?? 0) > now) return;
      if (limitedUntil.size > 10_000) limitedUntil.clear();
      limitedUntil.set(key, now + 60_000);
      appendAudit(deps.db, { actor: req.userIdx ?? 'anonymous', action: 'rate_limit.hit', payload: { key, method: req.method, route: req.routeOptions.url ?? req.url } }).catch(
        (e: unknown) => req.log.warn({ err: e }, 'could not record a rate-limit hit'),
      );
    },
    errorResponseBuilder: (_req, ctx) => ({
      statusCode: 429,
      code: 'RATE_LIMITED',
      message: `Rate limit exceeded: at most ${ctx.max} requests per ${ctx.after}; retry in ${Math.ceil(ctx.ttl / 1000)} s.`,
    }),
  });
  await app.register(authRoutes, { deps });
  await app.register(transactionRoutes, { deps });
  await app.register(userRoutes, { deps });
  await app.register(blockRoutes, { deps });
  for (const plugin of opts.plugins ?? []) await plugin(app as unknown as FastifyInstance);
  return app as unknown as FastifyInstance;
}
