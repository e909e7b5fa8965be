/** GET /api/blocks, GET /api/blocks/:height, GET /api/chain/verify */
import { Type } from 'typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { blockAt, recentBlocks, verifyChain } from '../../app/chain.ts';
import type { AppDeps } from '../../app/deps.ts';
import { blockJson, paymentJson, verdictJson } from '../presenters.ts';
import { BlockSummary, TransactionView, Verdict, errors } from '../schemas.ts';

const Height = Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER });

export const blockRoutes: FastifyPluginAsyncTypebox<{ deps: AppDeps }> = async (app, { deps }) => {
  app.get(
    '/api/blocks',
    {
      schema: {
        tags: ['blocks'],
        summary: 'Recent blocks, newest first',
        querystring: Type.Object({
          limit: Type.Integer({ minimum: 1, maximum: 100, default: 10 }),
          before: Type.Optional(Height),
        }),
        response: { 200: Type.Object({ success: Type.Literal(true), blocks: Type.Array(BlockSummary) }), ...errors(400) },
      },
    },
    async (req) => {
      const rows = await recentBlocks(deps, req.query.limit, req.query.before === undefined ? null : BigInt(req.query.before));
      return { success: true as const, blocks: rows.map(blockJson) };
    },
  );

  app.get(
    '/api/blocks/:height',
    {
      schema: {
        tags: ['blocks'],
        summary: "A block with its payments and each bank's verdict",
        params: Type.Object({ height: Height }),
        response: {
          200: Type.Object({
            success: Type.Literal(true),
            block: Type.Intersect([
              BlockSummary,
              Type.Object({ header_hex: Type.String(), verdicts: Type.Array(Verdict), transactions: Type.Array(TransactionView) }),
            ]),
          }),
          ...errors(400, 404),
        },
      },
    },
    async (req) => {
      const d = await blockAt(deps, BigInt(req.params.height));
      return {
        success: true as const,
        block: {
          ...blockJson(d.block),
          header_hex: d.block.headerHex,
          verdicts: d.verdicts.map(verdictJson),
          transactions: d.payments.map(paymentJson),
        },
      };
    },
  );

  app.get(
    '/api/chain/verify',
    {
      schema: {
        tags: ['blocks'],
        summary: 'Re-verifies every block: hashes, links, proof of work, merkle roots',
        response: {
          200: Type.Object({
            success: Type.Literal(true),
            valid: Type.Boolean(),
            height: Type.Integer(),
            bad_height: Type.Optional(Type.Integer()),
            reason: Type.Optional(Type.String()),
          }),
        },
      },
    },
    async () => {
      const v = await verifyChain(deps);
      if (v.valid) return { success: true as const, valid: true, height: Number(v.height) };
      return { success: true as const, valid: false, height: Number(v.height), bad_height: Number(v.badHeight), reason: v.reason };
    },
  );
};
