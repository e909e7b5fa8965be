/** The embedded database on a thread of its own: results, errors with their PostgreSQL fields, close. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openOnThread } from '../../../src/infra/db/pglite-runner.ts';
import { isDatabaseDown } from '../../../src/api/errors.ts';

describe('PGlite on its own thread', () => {
  test('runs statements with typed results, reports errors with their fields, and refuses work once closed', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'idx-thread-'));
    const db = await openOnThread(dir);
    try {
      await db.run('CREATE TABLE t (id int PRIMARY KEY, v bigint, at timestamptz)', []);
      const ins = await db.run('INSERT INTO t VALUES ($1, $2, $3)', [1, 2n ** 62n, new Date('2026-11-25T00:00:00Z')]);
      assert.equal(ins.affectedRows, 1);
      const r = await db.run('SELECT id, v, at FROM t', []);
      assert.deepEqual(r.rows, [{ id: 1, v: 2n ** 62n, at: new Date('2026-11-25T00:00:00Z') }]);
      await assert.rejects(db.run('INSERT INTO t VALUES ($1, $2, $3)', [1, 1n, null]), (e: Error & { code?: string; constraint?: string }) => {
        assert.match(e.message, /duplicate key/);
        assert.equal(e.code, '23505');
        assert.equal(e.constraint, 't_pkey');
        return true;
      });
      assert.deepEqual((await db.run('SELECT count(*)::int AS n FROM t', [])).rows, [{ n: 1 }], 'usable after an error');
    } finally {
      await db.close();
    }
    const after = await db.run('SELECT 1', []).catch((e: unknown) => e);
    assert.ok(after instanceof Error && isDatabaseDown(after), 'a closed database reads as down (503)');
    // The data is on disk: the same directory opens again.
    const again = await openOnThread(dir);
    try {
      assert.deepEqual((await again.run('SELECT id FROM t', [])).rows, [{ id: 1 }]);
    } finally {
      await again.close();
    }
  });
});
