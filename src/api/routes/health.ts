/** GET /health/live (the process answers), GET /health/ready (the database answers within 2 s). */
import type { FastifyPluginAsync } from 'fastify';
import { sql } from 'kysely';
import type { Db } from '../../infra/db/database.ts';
import { errorBody } from '../errors.ts';
import type { StoreReadiness } from '../../infra/db/readiness.ts';

export const healthRoutes: FastifyPluginAsync<{ db: Db; readiness: StoreReadiness }> = async (app, { db, readiness }) => {
  app.get('/health/live', { schema: { tags: ['operations'], summary: 'The process answers' } }, async () => ({ success: true, status: 'live' }));
  app.get('/health/ready', { schema: { tags: ['operations'], summary: 'The database answers' } }, async (_req, reply) => {
    if (!readiness.ready) {
      const why = readiness.state === 'migrating' ? 'Migrations are running.' : 'The database is not reachable.';
      return reply.code(503).send(errorBody('SERVICE_UNAVAILABLE', why));
    }
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        sql`SELECT 1`.execute(db),
        new Promise((_r, reject) => {
          timer = setTimeout(() => reject(new Error('timeout')), 2_000);
        }),
      ]);
      return { success: true, status: 'ready' };
    } catch (e) {
      readiness.lost((e as Error)?.message ?? String(e));
      return reply.code(503).send(errorBody('SERVICE_UNAVAILABLE', 'The database is not reachable.'));
    } finally {
      clearTimeout(timer);
    }
  });
};
