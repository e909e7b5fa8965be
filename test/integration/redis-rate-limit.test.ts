/** With REDIS_URL, rate-limit counters live in Redis: two instances share them (the machine's Redis). */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { describe, test } from 'node:test';
import { startLedger } from '../helpers/ledger.ts';

const REDIS = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

async function redisUp(): Promise<boolean> {
  const u = new URL(REDIS);
  return new Promise((resolve) => {
    const s = net.connect(Number(u.port || 6379), u.hostname, () => {
      s.end();
      resolve(true);
    });
    s.on('error', () => resolve(false));
  });
}

const up = await redisUp();
if (!up && process.env.CI) throw new Error(`Redis is required in CI but ${REDIS} is unreachable`);

describe('rate limits in Redis', { skip: up ? false : `no Redis at ${REDIS}` }, () => {
  test('two instances share one counter; the 429 carries Retry-After', async () => {
    // A per-run limit text keeps this run's counters apart from earlier runs'.
    const env = { REDIS_URL: REDIS, RATE_LIMIT_POOL_STATUS: `3 per ${1 + (randomBytes(1)[0]! % 50)} minutes` };
    const a = await startLedger('pglite', { env });
    const b = await startLedger('pglite', { env });
    try {
      const ip = `10.${randomBytes(1)[0]}.${randomBytes(1)[0]}.${randomBytes(1)[0]}`;
      const get = (l: typeof a) => l.app.inject({ method: 'GET', url: '/api/mining/pool-status', remoteAddress: ip });
      assert.equal((await get(a)).statusCode, 200);
      assert.equal((await get(b)).statusCode, 200);
      assert.equal((await get(a)).statusCode, 200);
      const limited = await get(b);
      assert.equal(limited.statusCode, 429, 'the fourth request, on the other instance, is over the shared limit');
      assert.equal(limited.json().code, 'RATE_LIMITED');
      assert.ok(Number(limited.headers['retry-after']) > 0);
    } finally {
      await a.stop();
      await b.stop();
    }
  });
});
