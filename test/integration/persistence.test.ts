/** A restart keeps every account, payment and block, on both stores; a generated JWT secret survives too. */
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { storeKinds, createPgliteStore, createPostgresStore } from '../helpers/stores.ts';
import { assertConserved, mineOnce, payVia, registerUser, startLedger, tempDir, testConfig } from '../helpers/ledger.ts';
import { parseConfig } from '../../src/infra/config.ts';

for (const kind of await storeKinds()) {
  describe(`restart on ${kind}`, () => {
    test('accounts, payments, blocks and tokens survive a restart', async () => {
      const dataDir = tempDir();
      const config = parseConfig({ DATA_DIR: dataDir, SCRYPT_COST: '1024', DIFFICULTY: '1', LOG_LEVEL: 'silent' });
      const testStore = kind === 'postgres' ? await createPostgresStore() : createPgliteStore(dataDir);
      const first = await startLedger(kind, { config, testStore });
      const a = await registerUser(first, '1000.00');
      const b = await registerUser(first, '1.00');
      const paid = await payVia(first, a, b.userIdx, '100.00');
      const sealed = await mineOnce(first, b.userIdx);
      assert.ok(sealed.accepted);
      const pending = await payVia(first, a, b.userIdx, '10.00');
      await first.stop();
      const secretFile = path.join(dataDir, 'jwt-secret');
      assert.equal(statSync(secretFile).mode & 0o777, 0o600);

      const second = await startLedger(kind, { config, testStore });
      try {
        const me = await second.app.inject({ method: 'GET', url: '/api/users/me', headers: a.auth });
        assert.equal(me.statusCode, 200, 'the old token still verifies: the secret was kept');
        assert.equal(me.json().user.balance, String(((100000 - 10150 - 1015) / 100).toFixed(2)));
        assert.equal(me.json().user.held, '10.15');
        const t1 = await second.app.inject({ method: 'GET', url: `/api/transactions/${paid.json().transaction.tx_id}`, headers: a.auth });
        assert.equal(t1.json().transaction.status, 'confirmed');
        const t2 = await second.app.inject({ method: 'GET', url: `/api/transactions/${pending.json().transaction.tx_id}`, headers: a.auth });
        assert.equal(t2.json().transaction.status, 'pending');
        const v = await second.app.inject({ method: 'GET', url: '/api/chain/verify' });
        assert.deepEqual(v.json(), { success: true, valid: true, height: 1 });
        await assertConserved(second.store.db);
      } finally {
        await second.stop();
        await testStore.drop();
      }
    });
  });
}

describe('settings', () => {
  test('a bad value names the setting', () => {
    assert.throws(() => parseConfig({ PORT: 'abc' }), /PORT/);
    assert.throws(() => parseConfig({ DIFFICULTY: '-1' }), /DIFFICULTY/);
    assert.throws(() => parseConfig({ BATCH_SIZE: '0' }), /BATCH_SIZE/);
    assert.throws(() => parseConfig({ MINING_NICE: '20' }), /MINING_NICE/);
    assert.throws(() => parseConfig({ SYSTEM_MINER: 'maybe' }), /SYSTEM_MINER/);
    assert.throws(() => parseConfig({ MINING_THREADS_ADAPT: 'sometimes' }), /MINING_THREADS_ADAPT/);
    assert.equal(parseConfig({ MINING_THREADS_ADAPT: 'off' }).miningThreadsAdapt, false);
    assert.throws(() => parseConfig({ RATE_LIMIT_MINING_START: 'lots' }), /RATE_LIMIT_MINING_START/);
    assert.throws(() => parseConfig({ DATABASE_URL: 'mysql://x' }), /DATABASE_URL/);
    assert.throws(() => parseConfig({ JWT_SECRET: 'short' }), /JWT_SECRET/);
  });
  test('defaults are the seed’s', () => {
    const c = parseConfig({});
    assert.equal(c.port, 5000);
    assert.equal(c.host, '127.0.0.1');
    assert.equal(c.difficulty, 4);
    assert.equal(c.miningNice, 19);
    assert.equal(c.miningThreadsAdapt, true);
    assert.equal(c.batchSize, 10);
    assert.equal(c.maxMiners, 100);
    assert.equal(c.miningTimeoutSeconds, 300);
    assert.equal(c.systemMiner, true);
    assert.equal(c.systemMinerGraceSeconds, 5);
    assert.deepEqual(
      [c.rateLimits.miningStart.max, c.rateLimits.miningStart.timeWindowMs, c.rateLimits.miningStop.max, c.rateLimits.miningStats.max],
      [10, 86_400_000, 50, 1000],
    );
    assert.equal(testConfig().logLevel, 'silent');
  });
});
