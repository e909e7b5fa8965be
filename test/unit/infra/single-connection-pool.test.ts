import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SingleConnectionPool } from '../../../src/infra/db/pglite-dialect.ts';
import type { StatementRunner } from '../../../src/infra/db/pglite-runner.ts';

/** Only the holder order matters here: a stand-in for the embedded database. */
const fake: StatementRunner = { run: async () => ({ rows: [], affectedRows: 0 }), close: async () => {} };

describe('SingleConnectionPool', () => {
  test('one holder at a time, ordinary waiters in arrival order, urgent waiters (the sealer) first', async () => {
    const pool = new SingleConnectionPool(fake);
    const order: string[] = [];
    const first = await pool.connect();
    assert.equal(pool.busy, true);
    const take = (name: string, c: Promise<{ release(): void }>) =>
      c.then((client) => {
        order.push(name);
        return client;
      });
    const b = take('b', pool.connect());
    const c = take('c', pool.connect());
    const urgent = take('seal', pool.urgent().connect());
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(order, [], 'nobody gets it while it is held');
    first.release();
    (await urgent).release();
    (await b).release();
    (await c).release();
    assert.deepEqual(order, ['seal', 'b', 'c']);
    assert.equal(pool.busy, false);
  });

  test("ending the urgent view does not close the database", async () => {
    let closed = 0;
    const pool = new SingleConnectionPool({ ...fake, close: async () => void closed++ });
    await pool.urgent().end();
    assert.equal(closed, 0);
    (await pool.connect()).release();
    await pool.end();
    assert.equal(closed, 1);
  });
});
