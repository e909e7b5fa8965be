import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { runOnce, StatementCache, toText } from '../../../src/infra/db/pglite-protocol.ts';
import { embeddedForFile } from '../../helpers/pglite.ts';

describe('toText: parameters as node-postgres sends them', () => {
  test('scalars, dates, bytes, null', () => {
    assert.equal(toText(null), null);
    assert.equal(toText(undefined), null);
    assert.equal(toText(12345678901234567890n), '12345678901234567890');
    assert.equal(toText(1.5), '1.5');
    assert.equal(toText(false), 'false');
    assert.equal(toText(new Date('2026-11-25T10:00:00.123Z')), '2026-11-25T10:00:00.123Z');
    assert.equal(toText(new Uint8Array([0, 255, 16])), '\\x00ff10');
    assert.equal(toText({ a: 1 }), '{"a":1}');
  });
  test('arrays: quoted elements, escapes, NULL, nesting', () => {
    assert.equal(toText(['a', 'b"c', 'd\\e', null]), '{"a","b\\"c","d\\\\e",NULL}');
    assert.equal(toText([1n, 2n]), '{"1","2"}');
    assert.equal(toText([[1], [2]]), '{{"1"},{"2"}}');
    assert.equal(toText([]), '{}');
  });
});

describe('runOnce against the embedded database', () => {
  const pg = embeddedForFile();

  test('a parameterised statement: typed rows and affected rows', async () => {
    await runOnce(pg(), 'CREATE TABLE t (id int PRIMARY KEY, v bigint NOT NULL, s text, at timestamptz)', []);
    const ins = await runOnce(pg(), 'INSERT INTO t VALUES ($1, $2, $3, $4), ($5, $6, $7, $8)', [
      1, 9007199254740993n, 'x"\\y', new Date('2026-01-02T03:04:05.678Z'), 2, 5n, null, null,
    ]);
    assert.equal(ins.affectedRows, 2);
    const r = await runOnce(pg(), 'SELECT id, v, s, at FROM t WHERE id = ANY($1::int[]) ORDER BY id', [[1, 2]]);
    assert.deepEqual(r.rows, [
      { id: 1, v: 9007199254740993n, s: 'x"\\y', at: new Date('2026-01-02T03:04:05.678Z') },
      { id: 2, v: 5n, s: null, at: null },
    ]);
  });

  test('text arrays with quotes, backslashes and NULL round-trip', async () => {
    const words = ['plain', 'with "quotes"', 'back\\slash', '{braces}', 'a,b', null];
    const r = await runOnce(pg(), 'SELECT $1::text[] AS a', [words]);
    assert.deepEqual(r.rows[0], { a: words });
  });

  test('an error is thrown and the connection is usable at once afterwards', async () => {
    await assert.rejects(runOnce(pg(), 'SELECT 1 / $1::int', [0]), /division by zero/);
    await assert.rejects(runOnce(pg(), 'SELECT * FROM no_such_table', []), /does not exist/);
    const r = await runOnce(pg(), 'SELECT $1::int + 1 AS n', [41]);
    assert.deepEqual(r.rows, [{ n: 42 }]);
  });

  test('a transaction spans calls; a failed statement aborts it until ROLLBACK', async () => {
    await runOnce(pg(), 'BEGIN', []);
    await runOnce(pg(), 'UPDATE t SET v = v + $1 WHERE id = 2', [1n]);
    await assert.rejects(runOnce(pg(), 'SELECT 1 / $1::int', [0]));
    await assert.rejects(runOnce(pg(), 'SELECT 1', []), /aborted/);
    await runOnce(pg(), 'ROLLBACK', []);
    const r = await runOnce(pg(), 'SELECT v FROM t WHERE id = 2', []);
    assert.deepEqual(r.rows, [{ v: 5n }]);
  });

  test('parameterless SQL may hold several statements; the last result is returned', async () => {
    const r = await runOnce(pg(), 'CREATE TABLE u (n int); INSERT INTO u VALUES (1), (2); SELECT count(*)::int AS c FROM u', []);
    assert.deepEqual(r.rows, [{ c: 2 }]);
  });

  test('prepared statements: parsed once, then bound by name; kept once parsed, even when the run then fails', async () => {
    const cache = new StatementCache(3);
    const prepared = async () => ((await runOnce(pg(), 'SELECT count(*)::int AS n FROM pg_prepared_statements', [])).rows[0] as { n: number }).n;
    const before = await prepared();
    const q = 'SELECT $1::int * 2 AS n';
    for (let i = 1; i <= 3; i++) assert.deepEqual((await runOnce(pg(), q, [i], cache)).rows, [{ n: 2 * i }]);
    assert.equal(cache.size, 1);
    assert.equal(await prepared(), before + 1, 'one statement prepared for three runs');
    // A run that fails executing, after its parse: the statement exists, is kept and is used by the next run.
    await assert.rejects(runOnce(pg(), 'SELECT 1 / $1::int AS n', [0], cache), /division by zero/);
    assert.equal(cache.size, 2);
    assert.deepEqual((await runOnce(pg(), 'SELECT 1 / $1::int AS n', [1], cache)).rows, [{ n: 1 }]);
    assert.equal(await prepared(), before + 2);
    // A run whose parse fails: nothing prepared, nothing kept.
    await assert.rejects(runOnce(pg(), 'SELECT n FROM no_such_table WHERE n = $1', [1], cache), /does not exist/);
    assert.equal(cache.size, 2);
    assert.equal(await prepared(), before + 2);
    assert.deepEqual((await runOnce(pg(), 'SELECT $1::int + 1 AS n', [1], cache)).rows, [{ n: 2 }]);
    assert.equal(cache.size, 3);
    // Past its bound, statements go unnamed and still run.
    assert.deepEqual((await runOnce(pg(), 'SELECT $1::int + 2 AS n', [1], cache)).rows, [{ n: 3 }]);
    assert.equal(cache.size, 3);
    assert.equal(cache.lookup('SELECT $1::int + 2 AS n'), null);
    // A statement that fails while its prepared form is in use leaves the connection usable.
    await assert.rejects(runOnce(pg(), 'SELECT 1 / $1::int AS n', [0], cache), /division by zero/);
    assert.deepEqual((await runOnce(pg(), q, [21], cache)).rows, [{ n: 42 }]);
  });
});
