/**
 * Audit log verification: appends N records (default 1,000,000) to a fresh
 * store in batches, then times the full chain verification.
 *   npm run bench -- audit [--records 1000000] [--json]   (DATABASE_URL: on PostgreSQL)
 */
import { sql } from 'kysely';
import { openStore, migrate } from '../src/infra/db/database.ts';
import { verifyAudit } from '../src/app/audit.ts';
import { AUDIT_GENESIS_HASH, auditHash, canonicalJson } from '../src/domain/audit.ts';
import { cpuModel, flag, output, round } from './lib.ts';
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export async function run(args: string[]): Promise<void> {
  const n = flag(args, '--records', 1_000_000);
  let dropDb: (() => Promise<void>) | null = null;
  let url = process.env.DATABASE_URL ?? null;
  if (url) {
    const name = `idx_bench_${randomBytes(4).toString('hex')}`;
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
    const u = new URL(url);
    u.pathname = `/${name}`;
    url = u.toString();
    dropDb = async () => {
      const c = new pg.Client({ connectionString: process.env.DATABASE_URL });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    };
  }
  const store = await openStore(url ? { kind: 'postgres', url } : { kind: 'pglite', dataDir: null });
  try {
    await migrate(store.db);
    const t0 = performance.now();
    let prev = AUDIT_GENESIS_HASH;
    const at = new Date('2026-11-25T00:00:00.000Z').toISOString();
    const BATCH = 2000;
    for (let start = 1; start <= n; start += BATCH) {
      const rows: Array<{ seq: number; at: string; actor: string; related: null; action: string; payload: string; prev_hash: string; hash: string }> = [];
      for (let seq = start; seq < Math.min(n + 1, start + BATCH); seq++) {
        const payload = canonicalJson({ tx_id: `TX_${seq.toString(16).padStart(32, '0')}`, amount: '1.00' });
        const rec = { seq: BigInt(seq), at, actor: 'IDX_' + 'a'.repeat(32), related: null, action: 'payment.accepted', payload };
        const hash = auditHash(prev, rec);
        rows.push({ seq, at, actor: rec.actor, related: null, action: rec.action, payload, prev_hash: prev, hash });
        prev = hash;
      }
      await store.db.insertInto('audit_log').values(rows).execute();
    }
    await sql`UPDATE audit_head SET seq = ${n}, hash = ${prev} WHERE id = 1`.execute(store.db);
    const loadSeconds = (performance.now() - t0) / 1000;
    const t1 = performance.now();
    const v = await verifyAudit({ db: store.db });
    const verifySeconds = (performance.now() - t1) / 1000;
    const result = { bench: 'audit', store: store.kind, records: n, valid: v.valid, load_seconds: round(loadSeconds), verify_seconds: round(verifySeconds), records_per_second: Math.round(n / verifySeconds), cpu: cpuModel() };
    output(args, result, [result]);
  } finally {
    await store.close();
    if (dropDb) await dropDb();
  }
}
