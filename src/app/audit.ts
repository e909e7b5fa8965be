/**
 * The audit trail: what to record for each change, and verifying the whole
 * chain page by page (a million records in seconds).
 */
import { AUDIT_GENESIS_HASH, auditHash } from '../domain/audit.ts';
import { auditHead, auditPage } from '../infra/db/repos/audit.ts';
import type { AppDeps } from './deps.ts';

export type AuditVerdict =
  | { readonly valid: true; readonly count: bigint; readonly head: string }
  | { readonly valid: false; readonly count: bigint; readonly badSeq: bigint; readonly reason: 'gap' | 'hash mismatch' | 'broken link' | 'truncated' };

const PAGE = 5_000;

export async function verifyAudit(deps: Pick<AppDeps, 'db'>): Promise<AuditVerdict> {
  return deps.db.transaction().setIsolationLevel('repeatable read').execute(async (tx) => {
    const head = await auditHead(tx);
    let expected = 1n;
    let prev = AUDIT_GENESIS_HASH;
    let count = 0n;
    for (;;) {
      const page = await auditPage(tx, expected - 1n, PAGE);
      for (const r of page) {
        if (r.seq !== expected) return { valid: false as const, count, badSeq: expected, reason: 'gap' as const };
        if (r.prevHash !== prev) return { valid: false as const, count, badSeq: r.seq, reason: 'broken link' as const };
        if (auditHash(prev, r) !== r.hash) return { valid: false as const, count, badSeq: r.seq, reason: 'hash mismatch' as const };
        prev = r.hash;
        expected++;
        count++;
      }
      if (page.length < PAGE) break;
    }
    if (head.seq !== count || head.hash !== prev) {
      return { valid: false as const, count, badSeq: count + 1n, reason: 'truncated' as const };
    }
    return { valid: true as const, count, head: prev };
  });
}
