/**
 * Bearer-token authentication. `request.userIdx` is set when a valid token of
 * a known user is presented; `requireUser` refuses the request otherwise.
 */
import fp from 'fastify-plugin';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { IdxError } from '../../domain/errors.ts';
import type { TokenService } from '../../infra/security/tokens.ts';

declare module 'fastify' {
  interface FastifyRequest {
    userIdx: string | null;
  }
}

export interface AuthOptions {
  readonly tokens: TokenService;
  /** Whether a user exists (users are never deleted, so positive answers may be cached). */
  readonly userExists: (userIdx: string) => Promise<boolean>;
}

const BEARER = /^Bearer ([A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*)$/;

export const authPlugin = fp<AuthOptions>(
  async (app, opts) => {
    const known = new Set<string>();
    app.decorateRequest('userIdx', null);
    app.addHook('onRequest', async (req: FastifyRequest) => {
      const h = req.headers.authorization;
      if (typeof h !== 'string') return;
      const m = BEARER.exec(h);
      if (!m) return;
      const claims = opts.tokens.verify(m[1]!);
      if (!claims) return;
      if (!known.has(claims.userIdx)) {
        if (!(await opts.userExists(claims.userIdx))) return;
        if (known.size < 100_000) known.add(claims.userIdx);
      }
      req.userIdx = claims.userIdx;
    });
  },
  { name: 'idx-auth' },
);

/** preHandler for routes that need a user. */
export async function requireUser(req: FastifyRequest, _reply: FastifyReply): Promise<void> {
  if (req.userIdx === null) {
    const h = req.headers.authorization;
    const msg =
      h === undefined
        ? 'Log in and send your token as "Authorization: Bearer <token>".'
        : 'The token is missing, malformed, expired or not valid.';
    throw new IdxError('UNAUTHORIZED', msg);
  }
}

/** The authenticated user of a request that passed requireUser. */
export function userOf(req: FastifyRequest): string {
  if (req.userIdx === null) throw new IdxError('UNAUTHORIZED', 'Authentication required.');
  return req.userIdx;
}
