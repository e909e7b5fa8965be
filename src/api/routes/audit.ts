/**
 * Auditors (bearer AUDITOR_KEY): GET /api/audit, GET /api/audit/verify.
 * Users: GET /api/users/me/audit (records where they act or are the other party).
 */
import { timingSafeEqual, createHash } from 'node:crypto';
import { Type } from 'typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { IdxError } from '../../domain/errors.ts';
import { verifyAudit } from '../../app/audit.ts';
import type { AppDeps } from '../../app/deps.ts';
import { auditOf, auditPage, type StoredAudit } from '../../infra/db/repos/audit.ts';
import { requireUser, userOf } from '../plugins/auth.ts';
import { errors } from '../schemas.ts';

const Record = Type.Object({
  seq: Type.Integer(),
  at: Type.String(),
  actor: Type.String(),
  related: Type.Union([Type.String(), Type.Null()]),
  action: Type.String(),
  payload: Type.Unknown(),
  prev_hash: Type.String(),
  hash: Type.String(),
});

const Page = Type.Object({
  after: Type.Integer({ minimum: 0, default: 0, description: 'Return records with seq greater than this.' }),
  limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
});

function recordJson(r: StoredAudit) {
  return {
    seq: Number(r.seq),
    at: r.at,
    actor: r.actor,
    related: r.related,
    action: r.action,
    payload: JSON.parse(r.payload) as unknown,
    prev_hash: r.prevHash,
    hash: r.hash,
  };
}

const digest = (s: string) => createHash('sha256').update(s).digest();

export const auditRoutes: FastifyPluginAsyncTypebox<{ deps: AppDeps; auditorKey: string }> = async (app, { deps, auditorKey }) => {
  const expected = digest(auditorKey);
  const requireAuditor = async (req: FastifyRequest) => {
    const h = req.headers.authorization;
    const given = typeof h === 'string' && h.startsWith('Bearer ') ? h.slice(7) : '';
    if (!timingSafeEqual(digest(given), expected)) {
      throw new IdxError('UNAUTHORIZED', 'Auditor endpoints need "Authorization: Bearer <AUDITOR_KEY>".');
    }
  };

  app.get(
    '/api/audit',
    {
      preHandler: requireAuditor,
      schema: {
        tags: ['audit'],
        summary: 'Page through the audit log (auditors)',
        security: [{ bearer: [] }],
        querystring: Page,
        response: { 200: Type.Object({ success: Type.Literal(true), records: Type.Array(Record), next_after: Type.Union([Type.Integer(), Type.Null()]) }), ...errors(400, 401) },
      },
    },
    async (req) => {
      const rows = await auditPage(deps.db, BigInt(req.query.after), req.query.limit);
      const last = rows.at(-1);
      return { success: true as const, records: rows.map(recordJson), next_after: rows.length === req.query.limit && last ? Number(last.seq) : null };
    },
  );

  app.get(
    '/api/audit/verify',
    {
      preHandler: requireAuditor,
      schema: {
        tags: ['audit'],
        summary: 'Verify the whole hash chain (auditors)',
        security: [{ bearer: [] }],
        response: {
          200: Type.Object({
            success: Type.Literal(true),
            valid: Type.Boolean(),
            count: Type.Integer(),
            head: Type.Optional(Type.String()),
            bad_seq: Type.Optional(Type.Integer()),
            reason: Type.Optional(Type.String()),
          }),
          ...errors(401),
        },
      },
    },
    async () => {
      const v = await verifyAudit(deps);
      return v.valid
        ? { success: true as const, valid: true, count: Number(v.count), head: v.head }
        : { success: true as const, valid: false, count: Number(v.count), bad_seq: Number(v.badSeq), reason: v.reason };
    },
  );

  app.get(
    '/api/users/me/audit',
    {
      preHandler: requireUser,
      schema: {
        tags: ['audit'],
        summary: 'Your own audit records',
        security: [{ bearer: [] }],
        querystring: Page,
        response: { 200: Type.Object({ success: Type.Literal(true), records: Type.Array(Record) }), ...errors(400, 401) },
      },
    },
    async (req) => {
      const rows = await auditOf(deps.db, userOf(req), BigInt(req.query.after), req.query.limit);
      return { success: true as const, records: rows.map(recordJson) };
    },
  );
};
