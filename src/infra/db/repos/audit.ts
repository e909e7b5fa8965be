/**
 * Appending to and reading the audit log. `appendAudit` runs inside the
 * caller's transaction, so a change and its record commit together or not at
 * all; one statement locks the head, chains the hash (SHA-256 in SQL, the same
 * text as src/domain/audit.ts), inserts the record and moves the head.
 */
import { sql } from 'kysely';
import { canonicalJson, type AuditRecord, type Json } from '../../../domain/audit.ts';
import type { Executor } from '../database.ts';

export interface AuditEntry {
  readonly actor: string;
  readonly related?: string | null;
  readonly action: string;
  readonly payload: { [k: string]: Json | undefined };
}

/** Appends one record (idx_audit_append: lock the head, chain the hash, insert, move the head). */
export async function appendAudit(ex: Executor, e: AuditEntry, at: Date = new Date()): Promise<bigint> {
  const r = await sql<{ seq: bigint }>`
    SELECT idx_audit_append(${e.actor}::text, ${e.related ?? null}::text, ${e.action}::text, ${canonicalJson(e.payload)}::text,
                            ${at.toISOString()}::text) AS seq`.execute(ex);
  const row = r.rows[0];
  if (!row) throw new Error('audit append failed');
  return BigInt(row.seq);
}

export interface StoredAudit extends AuditRecord {
  readonly prevHash: string;
  readonly hash: string;
}

type Row = { seq: bigint; at: Date; actor: string; related: string | null; action: string; payload: string; prev_hash: string; hash: string };

function toStored(r: Row): StoredAudit {
  return {
    seq: BigInt(r.seq),
    at: r.at.toISOString(),
    actor: r.actor,
    related: r.related,
    action: r.action,
    payload: r.payload,
    prevHash: r.prev_hash,
    hash: r.hash,
  };
}

export async function auditPage(ex: Executor, after: bigint, limit: number): Promise<StoredAudit[]> {
  const rows = await ex.selectFrom('audit_log').selectAll().where('seq', '>', after).orderBy('seq').limit(limit).execute();
  return rows.map((r) => toStored(r as unknown as Row));
}

export async function auditOf(ex: Executor, userIdx: string, after: bigint, limit: number): Promise<StoredAudit[]> {
  const rows = await ex
    .selectFrom('audit_log')
    .selectAll()
    .where((eb) => eb.or([eb('actor', '=', userIdx), eb('related', '=', userIdx)]))
    .where('seq', '>', after)
    .orderBy('seq')
    .limit(limit)
    .execute();
  return rows.map((r) => toStored(r as unknown as Row));
}

export async function auditHead(ex: Executor): Promise<{ seq: bigint; hash: string }> {
  const r = await ex.selectFrom('audit_head').select(['seq', 'hash']).where('id', '=', 1).executeTakeFirstOrThrow();
  return { seq: BigInt(r.seq), hash: r.hash };
}
