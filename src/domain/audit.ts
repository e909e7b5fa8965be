/**
 * The audit log's hash chain. Each record's hash is SHA-256 over the previous
 * record's hash and its own canonical content; the payload is canonical JSON
 * (keys sorted, no spaces, bigints as strings). The SQL that appends records
 * (src/infra/db/repos/audit.ts) computes the same hash; `auditHash` is the
 * reference the verifier uses.
 */
import { createHash } from 'node:crypto';

export const AUDIT_GENESIS_HASH = '0'.repeat(64);

export type Json = null | boolean | number | string | bigint | Json[] | { [k: string]: Json | undefined };

/** Canonical JSON: object keys sorted, undefined members dropped, bigint as decimal strings. */
export function canonicalJson(v: Json): string {
  if (v === null) return 'null';
  switch (typeof v) {
    case 'bigint':
      return JSON.stringify(v.toString());
    case 'number':
      if (!Number.isFinite(v)) throw new RangeError('not a finite number');
      return JSON.stringify(v);
    case 'string':
    case 'boolean':
      return JSON.stringify(v);
    case 'object': {
      if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
      const keys = Object.keys(v).filter((k) => v[k] !== undefined).sort();
      return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(v[k] as Json)}`).join(',')}}`;
    }
    default:
      throw new TypeError(`not JSON: ${typeof v}`);
  }
}

export interface AuditRecord {
  readonly seq: bigint;
  /** ISO 8601 with milliseconds, UTC. */
  readonly at: string;
  readonly actor: string;
  readonly related: string | null;
  readonly action: string;
  /** Canonical JSON text. */
  readonly payload: string;
}

/** The exact text hashed: previous hash, then the record's fields, newline-separated. */
export function auditContent(prevHash: string, r: AuditRecord): string {
  return `${prevHash}\n${r.seq}\n${r.at}\n${r.actor}\n${r.related ?? ''}\n${r.action}\n${r.payload}`;
}

export function auditHash(prevHash: string, r: AuditRecord): string {
  return createHash('sha256').update(auditContent(prevHash, r), 'utf8').digest('hex');
}
