/** The `idxchain` command line against a real server on a free port: every command, its JSON and its errors. */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { statSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { startLedger, tempDir, type TestLedger } from '../helpers/ledger.ts';

const run = promisify(execFile);
const BIN = path.resolve('bin/idxchain.mjs');

describe('idxchain command line', () => {
  let L: TestLedger;
  let url: string;
  const home = tempDir('idx-cli-');
  before(async () => {
    L = await startLedger('pglite', { env: { RATE_LIMIT_LEADERBOARD: '3 per minute' } });
    await L.app.listen({ port: 0, host: '127.0.0.1' });
    url = `http://127.0.0.1:${(L.app.server.address() as { port: number }).port}`;
  });
  after(async () => {
    await L.stop();
  });

  const cli = async (args: string[], env: Record<string, string> = {}) => {
    try {
      const r = await run(process.execPath, [BIN, ...args], { env: { ...process.env, IDXCHAIN_HOME: home, ...env } });
      return { code: 0, stdout: r.stdout, stderr: r.stderr };
    } catch (e) {
      const x = e as { code: number; stdout: string; stderr: string };
      return { code: x.code, stdout: x.stdout, stderr: x.stderr };
    }
  };

  test('register, login (token kept 0600), me, pay, tx, status, leaderboard — with --json before or after the command', async () => {
    const a = await cli(['--url', url, '--json', 'register', '--pan', 'CLIAA1234A', '--rbi', 's1', '--name', 'Cli A', '--balance', '1000']);
    assert.equal(a.code, 0, a.stderr);
    const b = await cli(['register', '--pan', 'CLIBB1234B', '--rbi', 's2', '--name', 'Cli B', '--balance', '5', '--url', url, '--json']);
    const bIdx = JSON.parse(b.stdout).user.user_idx as string;
    const login = await cli(['login', '--pan', 'CLIAA1234A', '--rbi', 's1', '--bank', 'hdfc', '--url', url]);
    assert.equal(login.code, 0, login.stderr);
    assert.match(login.stdout, /Logged in as IDX_/);
    assert.equal(statSync(path.join(home, 'credentials.json')).mode & 0o777, 0o600);
    const pay = await cli(['--url', url, 'pay', bIdx, '100.00', '--idempotency-key', 'k1', '--json']);
    assert.equal(pay.code, 0, pay.stderr);
    const t = JSON.parse(pay.stdout).transaction;
    assert.equal(t.amount, '100.00');
    const again = await cli(['--url', url, 'pay', bIdx, '100.00', '--idempotency-key', 'k1', '--json']);
    assert.equal(JSON.parse(again.stdout).transaction.tx_id, t.tx_id, 'a retry does not pay twice');
    const tx = await cli(['--url', url, 'tx', t.tx_id]);
    assert.match(tx.stdout, /pending/);
    const me = await cli(['--url', url, 'me', '--json']);
    assert.equal(JSON.parse(me.stdout).user.held, '101.50');
    const status = await cli(['--url', url, 'status', '--json']);
    assert.equal(JSON.parse(status.stdout).pool.is_running, true);
    const lb = await cli(['--url', url, 'leaderboard', '--sort', 'fees', '--limit', '5']);
    assert.equal(lb.code, 0, lb.stderr);
    for (const cmd of ['register', 'login', 'me', 'pay', 'tx', 'status', 'leaderboard']) {
      const h = await cli([cmd, '--help']);
      assert.equal(h.code, 0);
      assert.match(h.stdout, /Usage: idxchain/);
    }
  });

  test('idxchain mine: two remote miners (one on two threads) and an in-server miner race, one block per height, while payments flow', async () => {
    const { registerUser, payVia, assertConserved } = await import('../helpers/ledger.ts');
    const { waitFor } = await import('../helpers/wait.ts');
    // Blocks of ~2^24 hashes and one payment per block: rounds last long enough for shares, and there are many races.
    const R = await startLedger('pglite', { env: { DIFFICULTY: '6', BATCH_SIZE: '1' } });
    try {
      await R.app.listen({ port: 0, host: '127.0.0.1' });
      const rurl = `http://127.0.0.1:${(R.app.server.address() as { port: number }).port}`;
      const m1 = await registerUser(R, '1.00');
      const m2 = await registerUser(R, '1.00');
      const local = await registerUser(R, '1.00');
      const payer = await registerUser(R, '10000.00');
      await R.app.inject({ method: 'POST', url: '/api/mining/start', headers: local.auth });
      const miners = [
        cli(['--url', rurl, 'mine', '--duration', '6', '--json', '--threads', '2'], { IDXCHAIN_TOKEN: m1.token }),
        cli(['--url', rurl, 'mine', '--duration', '6', '--json', '--engine', 'js'], { IDXCHAIN_TOKEN: m2.token }),
      ];
      await waitFor('both remote miners in the pool', async () => R.pool.isMining(m1.userIdx) && R.pool.isMining(m2.userIdx));
      const ids: string[] = [];
      for (let i = 0; i < 12; i++) ids.push((await payVia(R, payer, local.userIdx, '10.00')).json().transaction.tx_id);
      const results = await Promise.all(miners);
      for (const r of results) {
        assert.equal(r.code, 0, r.stderr);
        const s = JSON.parse(r.stdout);
        assert.deepEqual(Object.keys(s).sort(), ['blocks_won', 'fees_earned', 'hash_rate', 'hashes', 'shares_accepted', 'shares_rejected']);
        assert.ok(s.hashes > 0 && s.hash_rate > 0, r.stdout);
      }
      assert.ok(JSON.parse(results[0]!.stdout).shares_accepted > 0, `the two-thread miner has accepted shares: ${results[0]!.stdout}`);
      await waitFor('every payment confirmed', async () => {
        for (const id of ids) {
          const t = await R.app.inject({ method: 'GET', url: `/api/transactions/${id}`, headers: payer.auth });
          if (t.json().transaction.status !== 'confirmed') return false;
        }
        return true;
      }, 60_000);
      const blocks = (await R.app.inject({ method: 'GET', url: '/api/blocks?limit=100' })).json().blocks as Array<{ height: number }>;
      assert.ok(blocks.length >= 12);
      assert.equal(new Set(blocks.map((b) => b.height)).size, blocks.length, 'one block per height');
      await assertConserved(R.store.db);
      assert.equal((await R.app.inject({ method: 'GET', url: '/api/chain/verify' })).json().valid, true);
      await R.app.inject({ method: 'POST', url: '/api/mining/stop', headers: local.auth });
    } finally {
      await R.stop();
    }
  });

  test('idxchain audit verify and export', async () => {
    const key = 'cli-auditor-key-0123456789abcdef0123456789';
    const L2 = await startLedger('pglite', { env: { AUDITOR_KEY: key } });
    try {
      await L2.app.listen({ port: 0, host: '127.0.0.1' });
      const u2 = `http://127.0.0.1:${(L2.app.server.address() as { port: number }).port}`;
      const v = await cli(['--url', u2, 'audit', 'verify', '--json'], { AUDITOR_KEY: key });
      assert.equal(v.code, 0, v.stderr);
      assert.equal(JSON.parse(v.stdout).valid, true);
      const e = await cli(['--url', u2, 'audit', 'export'], { AUDITOR_KEY: key });
      const lines = e.stdout.trim().split('\n').map((l) => JSON.parse(l));
      assert.ok(lines.length >= 1 && lines[0].seq === 1);
      const denied = await cli(['--url', u2, 'audit', 'verify'], { AUDITOR_KEY: 'wrong-key-wrong-key-wrong-key-00000' });
      assert.equal(denied.code, 4);
    } finally {
      await L2.stop();
    }
  });

  test('errors a person understands, with non-zero exit codes', async () => {
    const unreachable = await cli(['--url', 'http://127.0.0.1:1', 'status']);
    assert.equal(unreachable.code, 3);
    assert.match(unreachable.stderr, /Cannot reach the server/);
    const notLoggedIn = await cli(['--url', url, 'me'], { IDXCHAIN_HOME: tempDir('idx-cli-empty-') });
    assert.equal(notLoggedIn.code, 2);
    assert.match(notLoggedIn.stderr, /Not logged in/);
    const bad = await cli(['--url', url, 'me'], { IDXCHAIN_TOKEN: 'a.b.c' });
    assert.equal(bad.code, 4);
    assert.match(bad.stderr, /Unauthorized/);
    const amount = await cli(['--url', url, 'pay', 'IDX_' + 'f'.repeat(32), '1.001']);
    assert.equal(amount.code, 1);
    assert.match(amount.stderr, /INVALID_AMOUNT/);
    const usage = await cli(['leaderboard', '--sort', 'wins']);
    assert.notEqual(usage.code, 0);
    let limited = null;
    for (let i = 0; i < 5; i++) {
      const r = await cli(['--url', url, 'leaderboard']);
      if (r.code === 5) limited = r;
    }
    assert.ok(limited, 'the rate limit shows');
    assert.match(limited.stderr, /Rate limited: .* Try again in \d+ s\./);
  });
});
