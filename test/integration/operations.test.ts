/** /metrics in the Prometheus text format, /health/live and /health/ready, and a database that is down at start-up. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import net from 'node:net';
import { createLedger } from '../../src/compose.ts';
import { mineOnce, payVia, registerUser, startLedger, testConfig, type TestLedger } from '../helpers/ledger.ts';

/** Parses the Prometheus text format into name{labels} -> value. */
function parseProm(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*(?:\{[^}]*\})?) (\S+)/.exec(line);
    assert.ok(m, `not a sample line: ${line}`);
    out.set(m[1]!, Number(m[2]));
  }
  return out;
}

describe('operations', () => {
  let L: TestLedger;
  before(async () => {
    L = await startLedger('pglite');
  });
  after(async () => {
    await L.stop();
  });

  test('/metrics moves after a payment and a block', async () => {
    const a = await registerUser(L, '100.00');
    const b = await registerUser(L, '1.00');
    const before = parseProm((await L.app.inject({ method: 'GET', url: '/metrics' })).body);
    await payVia(L, a, b.userIdx, '1.00');
    const mid = parseProm((await L.app.inject({ method: 'GET', url: '/metrics' })).body);
    assert.equal(mid.get('idxchain_pending_payments'), (before.get('idxchain_pending_payments') ?? 0) + 1);
    const key = 'idxchain_http_requests_total{method="POST",route="/api/transactions",status="201"}';
    assert.equal(mid.get(key), (before.get(key) ?? 0) + 1);
    assert.ok([...mid.keys()].some((k) => k.startsWith('idxchain_http_request_duration_seconds_bucket')));
    assert.ok([...mid.keys()].some((k) => k.startsWith('idxchain_process_nodejs_eventloop_lag')));
    assert.ok(mid.has('idxchain_active_miners'));
    assert.ok(mid.has('idxchain_db_connections_in_use'));
    assert.ok([...mid.keys()].some((k) => k.startsWith('idxchain_hash_rate{engine=')));
    await mineOnce(L, b.userIdx);
    const after = parseProm((await L.app.inject({ method: 'GET', url: '/metrics' })).body);
    assert.equal(after.get('idxchain_pending_payments'), 0);
  });

  test('/health/live and /health/ready answer 200 when the store is up', async () => {
    assert.equal((await L.app.inject({ method: 'GET', url: '/health/live' })).statusCode, 200);
    const r = await L.app.inject({ method: 'GET', url: '/health/ready' });
    assert.equal(r.statusCode, 200);
    assert.equal(r.json().status, 'ready');
  });

  test('PostgreSQL unreachable at start-up: the server runs, answers 503 JSON, and does not crash', async () => {
    const port = await new Promise<number>((resolve) => {
      const s = net.createServer();
      s.listen(0, '127.0.0.1', () => {
        const p = (s.address() as net.AddressInfo).port;
        s.close(() => resolve(p));
      });
    });
    const config = testConfig({ DATABASE_URL: `postgres://postgres@127.0.0.1:${port}/nothing` });
    const ledger = await createLedger({ config, logger: false });
    try {
      const ready = await ledger.app.inject({ method: 'GET', url: '/health/ready' });
      assert.equal(ready.statusCode, 503);
      assert.equal(ready.json().code, 'SERVICE_UNAVAILABLE');
      const live = await ledger.app.inject({ method: 'GET', url: '/health/live' });
      assert.equal(live.statusCode, 200);
      const api = await ledger.app.inject({ method: 'GET', url: '/api/banks' });
      assert.equal(api.statusCode, 503);
      assert.equal(api.json().success, false);
      assert.equal(ledger.readiness.ready, false);
    } finally {
      await ledger.close();
    }
  });
});

describe('npm start', () => {
  test('a bad setting stops start-up with one line naming it, exit code 1', async () => {
    const { spawnSync } = await import('node:child_process');
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/server.ts'], { env: { ...process.env, PORT: 'abc' }, encoding: 'utf8' });
    assert.equal(r.status, 1);
    assert.equal(r.stderr.trim().split('\n').length, 1);
    assert.match(r.stderr, /PORT/);
  });

  test("npm start's node flags (two V8 platform threads) are the ones the benches run the server with", async () => {
    const { readFileSync } = await import('node:fs');
    const { startFlags } = await import('../../bench/lib.ts');
    const start = (JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: { start: string } }).scripts.start;
    assert.deepEqual(startFlags(), ['--v8-pool-size=2']);
    assert.equal(start, ['node', ...startFlags(), 'scripts/start.mjs'].join(' '));
  });

  test('SIGTERM mid-round: the pool stops, the store closes, exit code 0, and nothing is lost', async () => {
    const { startServer, newUser, request } = await import('../../bench/lib.ts');
    const env = { SCRYPT_COST: '1024', DIFFICULTY: '6', SYSTEM_MINER: 'off', MINING_THREADS: '1' };
    const s = await startServer(env);
    const a = await newUser(s.url, '100.00');
    const b = await newUser(s.url, '1.00');
    await request(`${s.url}/api/mining/start`, 'POST', undefined, b.headers);
    const paid = await request(`${s.url}/api/transactions`, 'POST', { receiver_idx: b.userIdx, amount: '1.00' }, a.headers);
    assert.equal(paid.status, 201);
    const code = await new Promise<number | null>((resolve) => {
      s.proc.once('exit', (c) => resolve(c));
      s.proc.kill('SIGTERM');
    });
    assert.equal(code, 0);
    const again = await startServer(env, { dataDir: s.dataDir });
    try {
      const t = await request(`${again.url}/api/transactions/${(paid.body as { transaction: { tx_id: string } }).transaction.tx_id}`, 'GET', undefined, a.headers);
      assert.equal(t.status, 200, 'the payment survived the shutdown');
    } finally {
      await again.stop();
    }
  });
});
