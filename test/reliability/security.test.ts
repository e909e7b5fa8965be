/** Attacks: token forgeries, no user enumeration by timing, no secret in the logs. */
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, test } from 'node:test';
import { createSigner } from 'fast-jwt';
import { startLedger, registerUser, payVia, mineOnce } from '../helpers/ledger.ts';

const SECRET = 'test-secret-that-is-long-enough-0123456789';

describe('attacks', () => {
  test('expired, foreign-algorithm, wrong-secret and unknown-user tokens are 401', async () => {
    const L = await startLedger('pglite');
    try {
      const u = await registerUser(L, '1.00');
      const forge = (key: string, payload: object, algorithm: 'HS256' | 'HS512' = 'HS256') => createSigner({ key, algorithm, iss: 'idxchain' })(payload);
      const now = Math.floor(Date.now() / 1000);
      const tokens = {
        expired: forge(SECRET, { sub: u.userIdx, bank: 'SBI', exp: now - 10, iat: now - 100 }),
        hs512: forge(SECRET, { sub: u.userIdx, bank: 'SBI', exp: now + 100 }, 'HS512'),
        wrongSecret: forge('another-secret-that-is-long-enough-01234567', { sub: u.userIdx, bank: 'SBI', exp: now + 100 }),
        unknownUser: forge(SECRET, { sub: 'IDX_' + 'b'.repeat(32), bank: 'SBI', exp: now + 100 }),
        noExp: createSigner({ key: SECRET, algorithm: 'HS256', iss: 'idxchain', noTimestamp: true })({ sub: u.userIdx, bank: 'SBI' }),
      };
      for (const [name, t] of Object.entries(tokens)) {
        const r = await L.app.inject({ method: 'GET', url: '/api/users/me', headers: { authorization: `Bearer ${t}` } });
        assert.equal(r.statusCode, 401, name);
      }
      const ok = forge(SECRET, { sub: u.userIdx, bank: 'SBI', exp: now + 100 });
      assert.equal((await L.app.inject({ method: 'GET', url: '/api/users/me', headers: { authorization: `Bearer ${ok}` } })).statusCode, 200);
    } finally {
      await L.stop();
    }
  });

  test('login takes the same time for a known and an unknown PAN (no enumeration)', async () => {
    const L = await startLedger('pglite', { env: { SCRYPT_COST: '16384' } });
    try {
      const u = await registerUser(L, '1.00');
      const time = async (pan: string) => {
        const t0 = performance.now();
        const r = await L.app.inject({ method: 'POST', url: '/api/auth/login', payload: { pan_card: pan, rbi_number: 'wrong', bank_name: 'SBI' } });
        assert.equal(r.statusCode, 401);
        return performance.now() - t0;
      };
      const known: number[] = [];
      const unknown: number[] = [];
      for (let i = 0; i < 12; i++) {
        known.push(await time(u.pan));
        unknown.push(await time('ZZZZZ9999Z'));
      }
      const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
      const ratio = median(known) / median(unknown);
      // A statistical property, loosely bounded: both paths run one scrypt.
      assert.ok(ratio > 0.5 && ratio < 2, `known ${median(known).toFixed(1)} ms vs unknown ${median(unknown).toFixed(1)} ms`);
    } finally {
      await L.stop();
    }
  });

  test('no token, secret, RBI number or password hash is ever logged', async () => {
    let logs = '';
    const sink = new Writable({
      write(chunk, _enc, cb) {
        logs += String(chunk);
        cb();
      },
    });
    const L = await startLedger('pglite', { logger: { level: 'trace' }, logStream: sink, env: { LOG_LEVEL: 'trace' } });
    try {
      const a = await registerUser(L, '100.00');
      const b = await registerUser(L, '1.00');
      await payVia(L, a, b.userIdx, '1.00');
      await L.app.inject({ method: 'POST', url: '/api/auth/login', payload: { pan_card: a.pan, rbi_number: 'a-wrong-secret-value', bank_name: 'SBI' } });
      await L.app.inject({ method: 'POST', url: '/api/mining/start', headers: a.auth });
      await mineOnce(L, a.userIdx);
      await L.app.inject({ method: 'GET', url: '/api/users/me', headers: a.auth });
      await L.app.inject({ method: 'GET', url: '/api/nope', headers: a.auth });
      assert.ok(logs.length > 1000, 'logs were captured');
      for (const secret of [a.token, b.token, a.rbi, b.rbi, 'a-wrong-secret-value', SECRET, 'scrypt$']) {
        assert.ok(!logs.includes(secret), `a secret appears in the logs: ${secret.slice(0, 12)}…`);
      }
    } finally {
      await L.stop();
    }
  });
});
