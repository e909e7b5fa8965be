/**
 * Migration 009 on the embedded store (which never vacuums): the hash-rate
 * saves of a large pool leave miner_statistics its size, and the leaderboard's
 * top N comes from an index in either order.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { migrate, openStore, type Store } from '../../src/infra/db/database.ts';
import { leaderboard, saveHashRates } from '../../src/infra/db/repos/miners.ts';
import { saveRates } from '../../src/mining/pool/membership.ts';
import { HashRateMeter } from '../../src/mining/pool/hash-rate.ts';

describe('miner_statistics at 2,000 miners (PGlite)', () => {
  let store: Store;
  let ids: string[];
  before(async () => {
    store = await openStore({ kind: 'pglite', dataDir: null });
    await migrate(store.db);
    await sql`INSERT INTO users (user_idx, pan_card, rbi_hash, full_name, balance_paise, initial_balance_paise)
      SELECT 'IDX_' || lpad(to_hex(g), 32, '0'), 'ABCDE' || lpad(g::text, 4, '0') || 'F', 'x', 'n', 100, 100 FROM generate_series(1, 2000) g`.execute(store.db);
    await sql`INSERT INTO miner_statistics (user_idx, total_blocks_mined, total_fees_earned)
      SELECT user_idx, (random() * 50)::int, (random() * 500)::numeric(15, 2) FROM users`.execute(store.db);
    await sql`ANALYZE miner_statistics`.execute(store.db);
    ids = (await sql<{ user_idx: string }>`SELECT user_idx FROM users`.execute(store.db)).rows.map((r) => r.user_idx);
  });
  after(async () => {
    await store.close();
  });

  const size = async () => Number((await sql<{ n: string }>`SELECT pg_relation_size('miner_statistics')::text AS n`.execute(store.db)).rows[0]!.n);

  test('ten saves of every miner’s hash rate leave the table its size (HOT updates on half-full pages)', async () => {
    const before = await size();
    for (let k = 1; k <= 10; k++) await saveHashRates(store.db, new Map(ids.map((u, i) => [u, ((k * 7919 + i) % 100_000).toFixed(2)])));
    const grown = (await size()) / before;
    assert.ok(grown <= 1.2, `the table grew ${grown.toFixed(2)}×`);
    const rate = await sql<{ r: string }>`SELECT hash_rate_per_second::text AS r FROM miner_statistics WHERE user_idx = ${ids[5]!}`.execute(store.db);
    assert.equal(rate.rows[0]!.r, ((10 * 7919 + 5) % 100_000).toFixed(2), 'the last save is what is read');
  });

  test('the pool saves every miner’s rate chunk by chunk, each chunk’s rates read just before its write', async () => {
    let now = 1_000_000;
    const meter = new HashRateMeter(10, () => now);
    ids.forEach((u, i) => meter.add(u, 1_000 + i));
    now += 1_000;
    const asked: number[] = [];
    const ratesOf = meter.ratesOf.bind(meter);
    meter.ratesOf = (miners) => {
      const part = [...miners];
      asked.push(part.length);
      return ratesOf(part);
    };
    const warnings: unknown[] = [];
    await saveRates(store.db, ids, meter, { warn: (o: unknown) => warnings.push(o) } as never, 256);
    assert.deepEqual(warnings, []);
    assert.deepEqual(asked, [...Array<number>(7).fill(256), 2000 - 7 * 256], 'eight chunks of at most 256');
    const r = await sql<{ u: string; r: string }>`SELECT user_idx AS u, hash_rate_per_second::text AS r FROM miner_statistics WHERE user_idx IN (${ids[0]!}, ${ids[1999]!})`.execute(store.db);
    const byId = new Map(r.rows.map((x) => [x.u, x.r]));
    assert.equal(byId.get(ids[0]!), (1_000).toFixed(2));
    assert.equal(byId.get(ids[1999]!), (2_999).toFixed(2), 'the last chunk written too');
  });

  test('the top N in either order is read from an index, and is the same as sorting every row', async () => {
    for (const [sort, order] of [
      ['blocks', sql`total_blocks_mined DESC NULLS LAST, total_fees_earned DESC NULLS LAST, id`],
      ['fees', sql`total_fees_earned DESC NULLS LAST, total_blocks_mined DESC NULLS LAST, id`],
    ] as const) {
      const plan = await sql<{ 'QUERY PLAN': string }>`EXPLAIN SELECT * FROM miner_statistics ORDER BY ${order} LIMIT 100`.execute(store.db);
      assert.match(plan.rows.map((r) => r['QUERY PLAN']).join('\n'), /Index Scan using miner_statistics_by_/);
      const board = await leaderboard(store.db, sort, 100);
      await sql`SET enable_indexscan = off`.execute(store.db);
      const sorted = await sql<{ user_idx: string }>`SELECT user_idx FROM miner_statistics ORDER BY ${order} LIMIT 100`.execute(store.db);
      await sql`RESET enable_indexscan`.execute(store.db);
      assert.deepEqual(
        board.rows.map((r) => r.userIdx),
        sorted.rows.map((r) => r.user_idx),
      );
      assert.equal(board.total, 2000);
    }
  });
});
