/** POST /api/transactions, GET /api/transactions/:tx_id */
import { Type } from 'typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { getPayment, pay } from '../../app/payments.ts';
import type { AppDeps } from '../../app/deps.ts';
import { requireUser, userOf } from '../plugins/auth.ts';
import { paymentJson } from '../presenters.ts';
import { MoneyInput, TransactionView, UserIdx, errors } from '../schemas.ts';

const TxResponse = Type.Object({ success: Type.Literal(true), transaction: TransactionView });

export const transactionRoutes: FastifyPluginAsyncTypebox<{ deps: AppDeps }> = async (app, { deps }) => {
  app.post(
    '/api/transactions',
    {
      preHandler: requireUser,
      schema: {
        tags: ['payments'],
        summary: 'Pay another user; amount + 1.5% fee is held at once',
        security: [{ bearer: [] }],
        headers: Type.Object({
          'idempotency-key': Type.Optional(Type.String({ minLength: 1, maxLength: 128, description: 'Retries with the same key return the first result.' })),
        }),
        body: Type.Object({ receiver_idx: UserIdx, amount: MoneyInput }),
        response: { 201: TxResponse, 200: TxResponse, ...errors(400, 401, 404, 409, 422) },
      },
    },
    async (req, reply) => {
      const key = req.headers['idempotency-key'];
      const r = await pay(deps, {
        senderIdx: userOf(req),
        receiver_idx: req.body.receiver_idx,
        amount: req.body.amount,
        idempotencyKey: typeof key === 'string' ? key : null,
      });
      if (r.replayed) reply.header('idempotent-replayed', 'true');
      return reply.code(201).send({ success: true as const, transaction: paymentJson(r.payment) });
    },
  );

  app.get(
    '/api/transactions/:tx_id',
    {
      preHandler: requireUser,
      schema: {
        tags: ['payments'],
        summary: 'One payment (its sender or receiver only)',
        security: [{ bearer: [] }],
        params: Type.Object({ tx_id: Type.String({ maxLength: 64 }) }),
        response: { 200: TxResponse, ...errors(401, 404) },
      },
    },
    async (req) => {
      const p = await getPayment(deps, userOf(req), req.params.tx_id);
      return { success: true as const, transaction: paymentJson(p) };
    },
  );
};
