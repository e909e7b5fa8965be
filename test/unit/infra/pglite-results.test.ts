import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { types } from '@electric-sql/pglite';
import { runOnce } from '../../../src/infra/db/pglite-protocol.ts';
import { parseArray } from '../../../src/infra/db/pglite-results.ts';
import { embeddedForFile } from '../../helpers/pglite.ts';

/** The answers read from the wire (pglite-results.ts) against PGlite's own reader, on the same statements. */
describe('reading the embedded store’s answers', () => {
  const pg = embeddedForFile();

  const same = async (sql: string, params: unknown[] = []) => {
    const ours = await runOnce(pg(), sql, params);
    const theirs = await pg().query(sql, params);
    assert.deepEqual(ours.rows, theirs.rows, sql);
    return ours;
  };

  test('every type the app reads, typed as PGlite types it (BIGINT as bigint)', async () => {
    await same(`SELECT 1::int2 AS a, 2::int4 AS b, 9007199254740993::int8 AS c, 3::oid AS d, 1.5::float4 AS e, 2.25::float8 AS f,
                       12.50::numeric AS g, true AS h, false AS i, 'x'::text AS j, 'y'::varchar AS k, 'z'::char(3) AS l,
                       '{"a":[1,2]}'::json AS m, '{"b":null}'::jsonb AS n, '2026-12-06'::date AS o,
                       '2026-12-06 10:00:00.123'::timestamp AS p, '2026-12-06 10:00:00.123456+05:30'::timestamptz AS q,
                       '\\x00ff10'::bytea AS r, NULL::text AS s, NULL::int8 AS t, 'infinity'::timestamptz AS u,
                       '-infinity'::date AS v, '3 days'::interval AS w, 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::uuid AS x,
                       '₹ नमस्ते "quoted" \\ back'::text AS y, '' AS z`);
  });

  test('arrays: nested, NULL, quoted, empty, of every parsed type, box with its own delimiter', async () => {
    await same(`SELECT ARRAY[1,2,NULL]::int[] AS a, ARRAY[[1,2],[3,4]]::int8[] AS b, ARRAY['plain','with "q"','b\\s','{x}','a,b',NULL,'NULL','']::text[] AS c,
                       '{}'::int[] AS d, ARRAY[true,false]::bool[] AS e, ARRAY[1.5,NULL]::numeric[] AS f,
                       ARRAY['2026-12-06'::date] AS g, ARRAY['{"a":1}'::jsonb, 'null'::jsonb] AS h,
                       ARRAY['(1,2),(3,4)'::box, '(5,6),(7,8)'::box] AS i, ARRAY[['a','b'],['c','d']]::varchar[] AS j,
                       ARRAY['\\x01'::bytea] AS k, ARRAY[9007199254740993]::int8[] AS l`);
  });

  test('many rows, parameters in every encoding, a column name twice', async () => {
    await same('SELECT g AS n, g::text || $1::text AS s, $2::int8 AS big, 1 AS n FROM generate_series(1, 500) AS g', ['₹€', 1234567890123456789n]);
  });

  test('results: rows and command of the last statement, affected rows summed', async () => {
    const r = await runOnce(pg(), 'CREATE TABLE w (n int); INSERT INTO w VALUES (1), (2); UPDATE w SET n = n + 1; SELECT n FROM w ORDER BY n', []);
    assert.deepEqual(r, { command: 'SELECT', affectedRows: 4, rows: [{ n: 2 }, { n: 3 }] });
    const d = await runOnce(pg(), 'DELETE FROM w WHERE n > $1', [0]);
    assert.deepEqual(d, { command: 'DELETE', affectedRows: 2, rows: [] });
    assert.deepEqual(await runOnce(pg(), '', []), { affectedRows: 0, rows: [] });
  });

  test('an error carries PostgreSQL’s fields, as PGlite’s own does', async () => {
    await runOnce(pg(), 'CREATE TABLE k (id int PRIMARY KEY CONSTRAINT k_pos CHECK (id > 0))', []);
    await runOnce(pg(), 'INSERT INTO k VALUES ($1)', [1]);
    for (const [sql, params] of [
      ['INSERT INTO k VALUES ($1)', [1]],
      ['INSERT INTO k VALUES ($1)', [-1]],
      ['SELECT no_such_column FROM k', []],
    ] as const) {
      const ours = await runOnce(pg(), sql, [...params]).then(() => assert.fail('no error'), (e: Error) => e);
      const theirs = await pg().query(sql, [...params]).then(() => assert.fail('no error'), (e: Error) => e);
      assert.equal(ours.message, theirs.message);
      for (const f of ['severity', 'code', 'detail', 'hint', 'position', 'schema', 'table', 'column', 'constraint', 'routine'] as const)
        assert.equal((ours as unknown as Record<string, unknown>)[f], (theirs as unknown as Record<string, unknown>)[f], `${sql}: ${f}`);
    }
  });

  test('array literals read as PGlite’s arrayParser reads them', () => {
    const literals = ['{}', '{1}', '{1,2,3}', '{{1,2},{3,4}}', '{NULL,"NULL",""}', '{"a\\"b","c\\\\d"}', '{{"x"},{NULL}}', '{a b,c}', '{{},{}}'];
    for (const l of literals) {
      assert.deepEqual(parseArray(l, null), types.arrayParser(l, undefined as never, 1009), l);
      assert.deepEqual(parseArray(l.replace(/[a-z]/g, '7'), Number), types.arrayParser(l.replace(/[a-z]/g, '7'), Number as never, 1007), l);
    }
    assert.deepEqual(parseArray('{(1,2),(0,0);(3,4),(1,1)}', null, ';'), types.arrayParser('{(1,2),(0,0);(3,4),(1,1)}', undefined as never, 1020));
  });
});
