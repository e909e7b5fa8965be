/** GET /api/users/me, GET /api/banks */
import { Type } from 'typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { myAccount } from '../../app/accounts.ts';
import { formatPaise } from '../../domain/money.ts';
import { listBanks } from '../../infra/db/repos/chain.ts';
import type { AppDeps } from '../../app/deps.ts';
import { requireUser, userOf } from '../plugins/auth.ts';
import { bankJson, paymentJson } from '../presenters.ts';
import { BankView, Money, Timestamp, TransactionView, UserIdx, errors } from '../schemas.ts';

export const userRoutes: FastifyPluginAsyncTypebox<{ deps: AppDeps }> = async (app, { deps }) => {
  app.get(
    '/api/users/me',
    {
      preHandler: requireUser,
      schema: {
        tags: ['users'],
        summary: 'Your balance, funds held by pending payments, and recent payments',
        security: [{ bearer: [] }],
        response: {
          200: Type.Object({
            success: Type.Literal(true),
            user: Type.Object({
              user_idx: UserIdx,
              full_name: Type.String(),
              balance: Money,
              held: Money,
              created_at: Timestamp,
              recent_transactions: Type.Array(TransactionView),
            }),
          }),
          ...errors(401),
        },
      },
    },
    async (req) => {
      const a = await myAccount(deps, userOf(req));
      return {
        success: true as const,
        user: {
          user_idx: a.user.userIdx,
          full_name: a.user.fullName,
          balance: formatPaise(a.user.balance),
          held: formatPaise(a.held),
          created_at: a.user.createdAt.toISOString(),
          recent_transactions: a.recent.map(paymentJson),
        },
      };
    },
  );

  app.get(
    '/api/banks',
    {
      schema: {
        tags: ['banks'],
        summary: 'The six consortium banks and their fee income',
        response: { 200: Type.Object({ success: Type.Literal(true), banks: Type.Array(BankView) }) },
      },
    },
    async () => ({ success: true as const, banks: (await listBanks(deps.db)).map(bankJson) }),
  );
};
