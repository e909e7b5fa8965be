/** POST /api/auth/register, POST /api/auth/login */
import { Type } from 'typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { login, register } from '../../app/accounts.ts';
import { formatPaise } from '../../domain/money.ts';
import type { AppDeps } from '../../app/deps.ts';
import { MoneyInput, Money, UserIdx, errors } from '../schemas.ts';

export const authRoutes: FastifyPluginAsyncTypebox<{ deps: AppDeps }> = async (app, { deps }) => {
  app.post(
    '/api/auth/register',
    {
      schema: {
        tags: ['auth'],
        summary: 'Register with a PAN; returns the new user_idx',
        body: Type.Object({
          pan_card: Type.String({ description: 'PAN, e.g. ABCDE1234F', examples: ['MINER1234A'] }),
          rbi_number: Type.String({ description: 'The secret you log in with.', minLength: 1, maxLength: 128 }),
          full_name: Type.String({ minLength: 1, maxLength: 200 }),
          initial_balance: MoneyInput,
        }),
        response: {
          201: Type.Object({
            success: Type.Literal(true),
            user: Type.Object({ user_idx: UserIdx, full_name: Type.String(), balance: Money }),
          }),
          ...errors(400, 409, 415),
        },
      },
    },
    async (req, reply) => {
      const u = await register(deps, req.body);
      return reply.code(201).send({
        success: true as const,
        user: { user_idx: u.userIdx, full_name: u.fullName, balance: formatPaise(u.balance) },
      });
    },
  );

  app.post(
    '/api/auth/login',
    {
      schema: {
        tags: ['auth'],
        summary: 'Log in; returns a bearer token',
        body: Type.Object({
          pan_card: Type.String(),
          rbi_number: Type.String({ minLength: 1, maxLength: 128 }),
          bank_name: Type.String({ description: 'One of SBI, HDFC, ICICI, AXIS, KOTAK, PNB (any case).' }),
        }),
        response: {
          200: Type.Object({
            success: Type.Literal(true),
            token: Type.String(),
            user_idx: UserIdx,
            expires_in: Type.Integer({ description: 'Seconds until the token expires.' }),
          }),
          ...errors(400, 401),
        },
      },
    },
    async (req) => {
      const r = await login(deps, req.body);
      return { success: true as const, token: r.token, user_idx: r.userIdx, expires_in: r.expiresIn };
    },
  );
};
