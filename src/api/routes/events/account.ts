/**
 * One user's own data on GET /api/events: `me` (balance, held, recent
 * payments, mining statistics), read again when asked and never twice at once
 * for one connection, and `expired` when their token is no longer valid.
 */
import type { FastifyBaseLogger } from 'fastify';
import type { AppDeps } from '../../../app/deps.ts';
import type { MiningPool } from '../../../mining/pool/coordinator.ts';
import { myAccount } from '../../../app/accounts.ts';
import { findStats } from '../../../infra/db/repos/miners.ts';
import { formatPaise } from '../../../domain/money.ts';
import { errorBody } from '../../errors.ts';
import { paymentJson } from '../../presenters.ts';
import { winRate } from '../mining.ts';
import { frame, money, type Client } from './sse.ts';

/** The `me` event's data; an unknown user rejects with UNAUTHORIZED (from myAccount). */
export async function meJson(deps: AppDeps, pool: MiningPool, userIdx: string) {
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
}

/** Sends `expired` and closes the stream. */
function expire(c: Client): void {
  c.write(frame('expired', errorBody('UNAUTHORIZED', 'Your session has expired; log in again.')));
  c.end();
}

/**
 * Returns refreshMe(c): re-checks the token and sends `me`; a call while one
 * runs makes it run once more after (while the connection is open).
 */
export function accountRefresher(opts: {
  readonly deps: AppDeps;
  readonly pool: MiningPool;
  readonly clients: ReadonlySet<Client>;
  readonly log: FastifyBaseLogger;
}): (c: Client) => Promise<void> {
  const { deps, pool, clients, log } = opts;
  return async (c) => {
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
        c.write(frame('me', await meJson(deps, pool, c.userIdx)));
      } while (c.meAgain && clients.has(c));
    } catch (e) {
      if ((e as { code?: unknown }).code === 'UNAUTHORIZED') return expire(c);
      log.warn({ err: e }, 'could not read an account for the live stream'); // the next change or tick retries
    } finally {
      c.meLoading = false;
    }
  };
}
