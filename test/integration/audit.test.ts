/** The tamper-evident audit log, on both stores. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { storeKinds } from '../helpers/stores.ts';
import { mineOnce, payVia, registerUser, startLedger, type TestLedger } from '../helpers/ledger.ts';
import { appendAudit, auditHead } from '../../src/infra/db/repos/audit.ts';
import { verifyAudit } from '../../src/app/audit.ts';

const AUDITOR_KEY = 'auditor-key-for-tests-0123456789abcdef';

for (const kind of await storeKinds()) {
  describe(`audit log on ${kind}`, () => {
    let L: TestLedger;
    const auditor = { authorization: `Bearer ${AUDITOR_KEY}` };
    before(async () => {
      L = await startLedger(kind, { env: { AUDITOR_KEY, RATE_LIMIT_POOL_STATUS: '1 per minute' } });
    });
    after(async () => {
      await L.stop();
      await L.testStore.drop();
    });

    const verify = async () => (await L.app.inject({ method: 'GET', url: '/api/audit/verify', headers: auditor })).json();
    const count = async (action: string) =>
      Number((await sql<{ n: bigint }>`SELECT count(*)::bigint AS n FROM audit_log WHERE action = ${action}`.execute(L.store.db)).rows[0]!.n);
    const rows = async (table: string, where = 'TRUE') =>
      Number((await sql<{ n: bigint }>`SELECT count(*)::bigint AS n FROM ${sql.table(table)} WHERE ${sql.raw(where)}`.execute(L.store.db)).rows[0]!.n);

    test('a mixed workload: every change has its record, and the chain verifies', async () => {
      const a = await registerUser(L, '1000.00');
      const b = await registerUser(L, '1.00');
      await payVia(L, a, b.userIdx, '10.00');
      await payVia(L, a, b.userIdx, '999999.00'); // refused
      await L.app.inject({ method: 'POST', url: '/api/auth/login', payload: { pan_card: a.pan, rbi_number: 'wrong', bank_name: 'SBI' } });
      await L.app.inject({ method: 'POST', url: '/api/mining/start', headers: b.auth });
      await L.app.inject({ method: 'POST', url: '/api/mining/stop', headers: b.auth });
      await mineOnce(L, b.userIdx);
      await L.app.inject({ method: 'GET', url: '/api/mining/pool-status' });
      await L.app.inject({ method: 'GET', url: '/api/mining/pool-status' }); // rate limited
      await new Promise((r) => setTimeout(r, 50));
      assert.equal(await count('user.registered'), await rows('users'));
      assert.equal(await count('payment.accepted'), await rows('transactions'));
      assert.equal(await count('block.sealed'), await rows('blocks'));
      assert.ok((await count('payment.refused')) >= 1);
      assert.ok((await count('auth.login_failed')) >= 1);
      assert.ok((await count('auth.login')) >= 2);
      assert.equal(await count('mining.started'), 1);
      assert.equal(await count('mining.stopped'), 1);
      assert.equal(await count('settings'), 1);
      assert.ok((await count('rate_limit.hit')) >= 1);
      const v = await verify();
      assert.equal(v.valid, true, JSON.stringify(v));
      assert.equal(v.count, (await auditHead(L.store.db)).seq === BigInt(v.count) ? v.count : -1);
      const settings = await sql<{ payload: string }>`SELECT payload FROM audit_log WHERE action = 'settings'`.execute(L.store.db);
      assert.ok(!settings.rows[0]!.payload.includes('test-secret'), 'no secret in the settings record');
      const failed = await sql<{ payload: string }>`SELECT payload FROM audit_log WHERE action = 'auth.login_failed'`.execute(L.store.db);
      assert.ok(!failed.rows[0]!.payload.includes(a.pan), 'the PAN is masked');
      const mine = (await L.app.inject({ method: 'GET', url: '/api/users/me/audit', headers: b.auth })).json();
      assert.ok(mine.records.length >= 3);
      assert.ok(mine.records.every((r: { actor: string; related: string | null }) => r.actor === b.userIdx || r.related === b.userIdx));
      const page = (await L.app.inject({ method: 'GET', url: '/api/audit?after=1&limit=2', headers: auditor })).json();
      assert.deepEqual(page.records.map((r: { seq: number }) => r.seq), [2, 3]);
      assert.equal(page.next_after, 3);
    });

    test('UPDATE, DELETE and TRUNCATE by the application are refused', async () => {
      await assert.rejects(sql`UPDATE audit_log SET actor = 'x' WHERE seq = 1`.execute(L.store.db), /append-only/);
      await assert.rejects(sql`DELETE FROM audit_log WHERE seq = 1`.execute(L.store.db), /append-only/);
      await assert.rejects(sql`TRUNCATE audit_log`.execute(L.store.db), /append-only/);
      assert.equal((await verify()).valid, true);
    });

    test('a record and its change roll back together', async () => {
      const before = await auditHead(L.store.db);
      await assert.rejects(
        L.store.db.transaction().execute(async (tx) => {
          await appendAudit(tx, { actor: 'system', action: 'test', payload: {} });
          throw new Error('the change failed');
        }),
        /the change failed/,
      );
      assert.deepEqual(await auditHead(L.store.db), before);
      assert.equal((await verify()).valid, true);
    });

    test('editing, deleting or swapping records makes verify name the first bad sequence number', async () => {
      const db = L.store.db;
      // An operator with the owner's rights can switch the guard off; the chain still tells.
      await sql`ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update_delete`.execute(db);
      try {
        const orig = (await sql<{ payload: string }>`SELECT payload FROM audit_log WHERE seq = 3`.execute(db)).rows[0]!.payload;
        await sql`UPDATE audit_log SET payload = ${orig.replace('}', ',"x":1}')} WHERE seq = 3`.execute(db);
        assert.deepEqual((await verifyAudit({ db })).valid ? null : await verifyAudit({ db }), { valid: false, count: 2n, badSeq: 3n, reason: 'hash mismatch' });
        await sql`UPDATE audit_log SET payload = ${orig} WHERE seq = 3`.execute(db);
        assert.equal((await verifyAudit({ db })).valid, true);

        const saved = (await sql<Record<string, unknown>>`SELECT * FROM audit_log WHERE seq = 4`.execute(db)).rows[0]!;
        await sql`DELETE FROM audit_log WHERE seq = 4`.execute(db);
        const gap = await verifyAudit({ db });
        assert.equal(!gap.valid && gap.badSeq, 4n);
        assert.equal(!gap.valid && gap.reason, 'gap');
        await sql`INSERT INTO audit_log (seq, at, actor, related, action, payload, prev_hash, hash)
                  VALUES (${saved.seq as bigint}, ${saved.at as Date}, ${saved.actor as string}, ${saved.related as string | null}, ${saved.action as string},
                          ${saved.payload as string}, ${saved.prev_hash as string}, ${saved.hash as string})`.execute(db);
        assert.equal((await verifyAudit({ db })).valid, true);

        await sql`UPDATE audit_log AS a SET actor = b.actor, action = b.action, payload = b.payload, related = b.related
                  FROM audit_log AS b WHERE (a.seq, b.seq) IN ((5, 6), (6, 5))`.execute(db);
        const swapped = await verifyAudit({ db });
        assert.equal(!swapped.valid && swapped.badSeq, 5n);
      } finally {
        await sql`ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_update_delete`.execute(db);
      }
    });

    test('auditor endpoints refuse users and anonymous callers', async () => {
      const u = await registerUser(L, '1.00');
      for (const headers of [{}, u.auth, { authorization: 'Bearer wrong' }]) {
        for (const url of ['/api/audit', '/api/audit/verify']) {
          const r = await L.app.inject({ method: 'GET', url, headers });
          assert.equal(r.statusCode, 401, url);
          assert.equal(r.json().code, 'UNAUTHORIZED');
        }
      }
    });
  });
}
