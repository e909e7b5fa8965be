import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SingleConnectionPool } from '../../../src/infra/db/pglite-dialect.ts';
import type { StatementRunner, StatementResult } from '../../../src/infra/db/pglite-runner.ts';

/** A stand-in for the embedded database: records what it is sent, answers when told. */
function fakeDb() {
  const sent: string[] = [];
  const pending: Array<{ sql: string; answer: () => void; fail: (e: Error) => void }> = [];
  const runner: StatementRunner = {
    run: (sql) =>
      new Promise<StatementResult>((resolve, reject) => {
        sent.push(sql);
        pending.push({ sql, answer: () => resolve({ rows: [], affectedRows: 0 }), fail: reject });
      }),
    close: async () => {},
  };
  /** Answers the oldest statement not yet answered (the database runs them in order). */
  const answer = async (fail?: Error) => {
    const p = pending.shift();
    assert.ok(p, 'nothing to answer');
    if (fail) p.fail(fail);
    else p.answer();
    await tick();
    return p.sql;
  };
  return { runner, sent, answer, inFlight: () => pending.length };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('SingleConnectionPool', () => {
  test('statements outside transactions are sent two ahead, the rest in arrival order, the sealer first', async () => {
    const db = fakeDb();
    const pool = new SingleConnectionPool(db.runner, 2);
    const q = async (name: string, urgent = false) => {
      const c = await (urgent ? pool.urgent() : pool).connect();
      await c.query(name, []);
      c.release();
    };
    const all = [q('a'), q('b'), q('c'), q('d'), q('seal', true)];
    await tick();
    assert.deepEqual(db.sent, ['a', 'b'], 'two in flight, without waiting for a release');
    assert.equal(pool.busy, true);
    await db.answer();
    assert.deepEqual(db.sent, ['a', 'b', 'seal'], 'the sealer before the ordinary waiters');
    await db.answer();
    await db.answer();
    assert.deepEqual(db.sent, ['a', 'b', 'seal', 'c', 'd']);
    await db.answer();
    await db.answer();
    await Promise.all(all);
    assert.equal(pool.busy, false);
  });

  test('a transaction owns the connection from BEGIN to COMMIT; what was sent before runs before it', async () => {
    const db = fakeDb();
    const pool = new SingleConnectionPool(db.runner, 2);
    const before = await pool.connect();
    const first = before.query('select 1', []);
    const tx = await pool.connect();
    const begun = tx.query('begin', []);
    await tick();
    assert.deepEqual(db.sent, ['select 1', 'begin']);
    const other = await pool.connect();
    const late = other.query('select late', []);
    await db.answer();
    await db.answer();
    await Promise.all([first, begun]);
    assert.deepEqual(db.sent, ['select 1', 'begin'], 'nothing else once BEGIN is sent');
    const inside = tx.query('update inside', []);
    await tick();
    await db.answer();
    await inside;
    const committed = tx.query('commit', []);
    await tick();
    await db.answer();
    await committed;
    assert.deepEqual(db.sent, ['select 1', 'begin', 'update inside', 'commit', 'select late']);
    await db.answer();
    await late;
    for (const h of [before, tx, other]) h.release();
  });

  test('nothing interleaves with a transaction until its COMMIT is answered', async () => {
    const db = fakeDb();
    const pool = new SingleConnectionPool(db.runner, 2);
    const tx = await pool.connect();
    const other = await pool.connect();
    const steps = (async () => {
      await tx.query('begin', []);
      await tx.query('update x', []);
      await tx.query('commit', []);
      tx.release();
    })();
    await tick();
    const late = other.query('select late', []);
    await tick();
    assert.deepEqual(db.sent, ['begin']);
    await db.answer();
    assert.deepEqual(db.sent, ['begin', 'update x']);
    await db.answer();
    assert.deepEqual(db.sent, ['begin', 'update x', 'commit'], 'the waiter is not sent inside the transaction');
    await db.answer();
    await steps;
    assert.deepEqual(db.sent, ['begin', 'update x', 'commit', 'select late']);
    await db.answer();
    await late;
    other.release();
  });

  test('a failed BEGIN opens nothing; a holder released inside its transaction has it rolled back', async () => {
    const db = fakeDb();
    const pool = new SingleConnectionPool(db.runner, 2);
    const a = await pool.connect();
    const failed = assert.rejects(a.query('start transaction isolation level repeatable read', []));
    await tick();
    await db.answer(new Error('no'));
    await failed;
    const b = await pool.connect();
    const ok = b.query('select after', []);
    await tick();
    assert.deepEqual(db.sent.at(-1), 'select after');
    await db.answer();
    await ok;
    const c = await pool.connect();
    const begun = c.query('begin', []);
    await tick();
    await db.answer();
    await begun;
    c.release();
    await tick();
    assert.equal(db.sent.at(-1), 'rollback');
    const d = await pool.connect();
    const waits = d.query('select waits', []);
    await tick();
    assert.equal(db.sent.at(-1), 'rollback', 'nothing before the rollback is answered');
    await db.answer();
    assert.equal(db.sent.at(-1), 'select waits');
    await db.answer();
    await waits;
    for (const h of [a, b, d]) h.release();
    assert.equal(pool.busy, false);
  });

  test('ending the urgent view does not close the database', async () => {
    let closed = 0;
    const pool = new SingleConnectionPool({ ...fakeDb().runner, close: async () => void closed++ });
    await pool.urgent().end();
    assert.equal(closed, 0);
    (await pool.connect()).release();
    await pool.end();
    assert.equal(closed, 1);
  });
});
