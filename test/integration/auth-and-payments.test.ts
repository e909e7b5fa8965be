/** Register, login, payments, holds, idempotency and their bad inputs, on both stores. */
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import { storeKinds } from '../helpers/stores.ts';
import { assertConserved, nextPan, payVia, registerUser, startLedger, type TestLedger } from '../helpers/ledger.ts';

for (const kind of await storeKinds()) {
  describe(`auth and payments on ${kind}`, () => {
    let L: TestLedger;
    before(async () => {
      L = await startLedger(kind);
    });
    after(async () => {
      await L.stop();
      await L.testStore.drop();
    });
    afterEach(async () => {
      await assertConserved(L.store.db);
    });

    const me = async (token: string) =>
      (await L.app.inject({ method: 'GET', url: '/api/users/me', headers: { authorization: `Bearer ${token}` } })).json();

    test('register returns the seed shape and a user_idx that does not reveal the PAN', async () => {
      const pan = nextPan();
      const r = await L.app.inject({
        method: 'POST',
        url: '/api/auth/register',
        payload: { pan_card: pan, rbi_number: '1001', full_name: 'Miner One', initial_balance: 10000 },
      });
      assert.equal(r.statusCode, 201);
      const body = r.json();
      assert.equal(body.success, true);
      assert.deepEqual(Object.keys(body.user).sort(), ['balance', 'full_name', 'user_idx']);
      assert.match(body.user.user_idx, /^IDX_[0-9a-f]{32}$/);
      assert.equal(body.user.balance, '10000.00');
      assert.ok(!body.user.user_idx.includes(pan));
      const again = await L.app.inject({
        method: 'POST',
        url: '/api/auth/register',
        payload: { pan_card: pan, rbi_number: '1002', full_name: 'Other', initial_balance: 5 },
      });
      assert.equal(again.statusCode, 409);
      assert.equal(again.json().code, 'PAN_ALREADY_REGISTERED');
    });

    test('register refuses bad input with a clear 4xx and creates nobody', async () => {
      const base = { pan_card: nextPan(), rbi_number: '1', full_name: 'X', initial_balance: '10.00' };
      const cases: Array<[Record<string, unknown>, string]> = [
        [{ ...base, pan_card: 'abcde1234f' }, 'INVALID_PAN'],
        [{ ...base, pan_card: 'ABCDE12345' }, 'INVALID_PAN'],
        [{ ...base, initial_balance: '10.001' }, 'INVALID_AMOUNT'],
        [{ ...base, initial_balance: -5 }, 'INVALID_AMOUNT'],
        [{ ...base, initial_balance: 0 }, 'INVALID_AMOUNT'],
        [{ ...base, initial_balance: '1e5' }, 'INVALID_AMOUNT'],
        [{ ...base, initial_balance: '10000000000000.01' }, 'INVALID_AMOUNT'],
        [{ ...base, initial_balance: true }, 'VALIDATION_ERROR'],
        [{ ...base, full_name: 123 }, 'VALIDATION_ERROR'],
        [{ ...base, rbi_number: undefined }, 'VALIDATION_ERROR'],
        [{ ...base, full_name: '' }, 'VALIDATION_ERROR'],
      ];
      for (const [payload, code] of cases) {
        const r = await L.app.inject({ method: 'POST', url: '/api/auth/register', payload });
        assert.equal(r.statusCode, 400, `${JSON.stringify(payload)} -> ${r.body}`);
        assert.equal(r.json().success, false);
        assert.equal(r.json().code, code, JSON.stringify(payload));
      }
      const login = await L.app.inject({
        method: 'POST',
        url: '/api/auth/login',
        payload: { pan_card: base.pan_card, rbi_number: '1', bank_name: 'SBI' },
      });
      assert.equal(login.statusCode, 401, 'nobody was created');
    });

    test('login: wrong secret and unknown PAN give the same 401; bad bank is 400; bank is case-insensitive', async () => {
      const u = await registerUser(L, '100.00', 'sbi');
      const wrong = await L.app.inject({ method: 'POST', url: '/api/auth/login', payload: { pan_card: u.pan, rbi_number: 'nope', bank_name: 'HDFC' } });
      const unknown = await L.app.inject({ method: 'POST', url: '/api/auth/login', payload: { pan_card: 'ZZZZZ9999Z', rbi_number: 'nope', bank_name: 'HDFC' } });
      assert.equal(wrong.statusCode, 401);
      assert.equal(unknown.statusCode, 401);
      assert.deepEqual(wrong.json(), unknown.json());
      assert.equal(wrong.json().code, 'INVALID_CREDENTIALS');
      const bank = await L.app.inject({ method: 'POST', url: '/api/auth/login', payload: { pan_card: u.pan, rbi_number: u.rbi, bank_name: 'CITI' } });
      assert.equal(bank.statusCode, 400);
      assert.equal(bank.json().code, 'INVALID_BANK');
      const ok = await L.app.inject({ method: 'POST', url: '/api/auth/login', payload: { pan_card: u.pan, rbi_number: u.rbi, bank_name: 'kotak' } });
      assert.equal(ok.statusCode, 200);
      assert.equal(typeof ok.json().token, 'string');
      assert.equal(ok.json().user_idx, u.userIdx);
      assert.ok(ok.json().expires_in > 0);
    });

    test('a payment holds amount + fee at once and shows as pending to both sides only', async () => {
      const a = await registerUser(L, '10000.00');
      const b = await registerUser(L, '1.00');
      const c = await registerUser(L, '1.00');
      const r = await payVia(L, a, b.userIdx, '1000.00');
      assert.equal(r.statusCode, 201, r.body);
      const t = r.json().transaction;
      assert.match(t.tx_id, /^TX_[0-9a-f]{32}$/);
      assert.equal(t.sender_idx, a.userIdx);
      assert.equal(t.receiver_idx, b.userIdx);
      assert.equal(t.amount, '1000.00');
      assert.equal(t.fee_total, '15.00');
      assert.equal(t.fee_miner, '5.00');
      assert.equal(t.fee_banks, '10.00');
      assert.equal(t.status, 'pending');
      assert.equal(t.block_height, null);
      const ma = await me(a.token);
      assert.equal(ma.user.balance, '8985.00');
      assert.equal(ma.user.held, '1015.00');
      assert.equal(ma.user.recent_transactions[0].tx_id, t.tx_id);
      const mb = await me(b.token);
      assert.equal(mb.user.balance, '1.00', 'the receiver is credited only when the block seals');
      for (const [user, code] of [[a, 200], [b, 200], [c, 404]] as const) {
        const g = await L.app.inject({ method: 'GET', url: `/api/transactions/${t.tx_id}`, headers: user.auth });
        assert.equal(g.statusCode, code);
        if (code === 200) assert.equal(g.json().transaction.tx_id, t.tx_id);
        else assert.equal(g.json().code, 'NOT_FOUND');
      }
    });

    test('refused payments change nothing: overdraft, self, unknown receiver, bad amounts, no token', async () => {
      const a = await registerUser(L, '100.00');
      const b = await registerUser(L, '100.00');
      const before = await me(a.token);
      const cases: Array<[unknown, unknown, number, string]> = [
        [b.userIdx, '98.53', 422, 'INSUFFICIENT_FUNDS'], // 98.53 + 1.48 > 100
        [a.userIdx, '1.00', 400, 'SELF_PAYMENT'],
        ['IDX_' + 'f'.repeat(32), '1.00', 404, 'RECEIVER_NOT_FOUND'],
        ['nobody', '1.00', 400, 'INVALID_USER_IDX'],
        [b.userIdx, '1.001', 400, 'INVALID_AMOUNT'],
        [b.userIdx, '0', 400, 'INVALID_AMOUNT'],
        [b.userIdx, -1, 400, 'INVALID_AMOUNT'],
        [b.userIdx, '1e2', 400, 'INVALID_AMOUNT'],
        [b.userIdx, 'NaN', 400, 'INVALID_AMOUNT'],
        [b.userIdx, null, 400, 'VALIDATION_ERROR'],
        [b.userIdx, { v: 1 }, 400, 'VALIDATION_ERROR'],
      ];
      for (const [to, amount, status, code] of cases) {
        const r = await L.app.inject({ method: 'POST', url: '/api/transactions', headers: a.auth, payload: { receiver_idx: to, amount } });
        assert.equal(r.statusCode, status, `${String(to)} ${JSON.stringify(amount)} -> ${r.body}`);
        assert.equal(r.json().code, code);
      }
      const exact = await payVia(L, a, b.userIdx, '98.52'); // 98.52 + 1.48 = 100.00
      assert.equal(exact.statusCode, 201, exact.body);
      const after = await me(a.token);
      assert.equal(after.user.balance, '0.00');
      assert.equal(before.user.recent_transactions.length + 1, after.user.recent_transactions.length);
      const anon = await L.app.inject({ method: 'POST', url: '/api/transactions', payload: { receiver_idx: b.userIdx, amount: 1 } });
      assert.equal(anon.statusCode, 401);
      assert.equal(anon.json().code, 'UNAUTHORIZED');
    });

    test('Idempotency-Key: same key and body return the first result; another body is 409', async () => {
      const a = await registerUser(L, '1000.00');
      const b = await registerUser(L, '1.00');
      const first = await payVia(L, a, b.userIdx, '10.00', 'key-1');
      const again = await payVia(L, a, b.userIdx, '10.00', 'key-1');
      assert.equal(first.statusCode, 201);
      assert.equal(again.statusCode, 201);
      assert.equal(again.headers['idempotent-replayed'], 'true');
      assert.deepEqual(again.json(), first.json());
      const other = await payVia(L, a, b.userIdx, '11.00', 'key-1');
      assert.equal(other.statusCode, 409);
      assert.equal(other.json().code, 'IDEMPOTENCY_KEY_REUSED');
      const concurrent = await Promise.all(Array.from({ length: 8 }, () => payVia(L, a, b.userIdx, '5.00', 'key-2')));
      const ids = new Set(concurrent.map((r) => r.json().transaction.tx_id));
      assert.equal(ids.size, 1, 'concurrent retries make one payment');
      const m = await me(a.token);
      assert.equal(m.user.balance, '984.77');
      assert.equal(m.user.held, '15.23'); // 10.15 + 5.08 (5.00 + 0.075 -> 0.08)
    });

    test('concurrent overdrafts never go below zero', async () => {
      const a = await registerUser(L, '100.00');
      const b = await registerUser(L, '1.00');
      const results = await Promise.all(Array.from({ length: 20 }, () => payVia(L, a, b.userIdx, '10.00')));
      const ok = results.filter((r) => r.statusCode === 201).length;
      assert.equal(ok, 9, '9 x 10.15 fits in 100.00, a 10th does not');
      assert.ok(results.every((r) => r.statusCode === 201 || r.json().code === 'INSUFFICIENT_FUNDS'));
      assert.equal((await me(a.token)).user.balance, '8.65');
    });

    test('tokens: alg none, tampered, wrong secret and malformed headers are 401', async () => {
      const u = await registerUser(L, '1.00');
      const [h, p, s] = u.token.split('.') as [string, string, string];
      const none = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url');
      const claims = JSON.parse(Buffer.from(p, 'base64url').toString());
      const tampered = Buffer.from(JSON.stringify({ ...claims, sub: 'IDX_' + 'a'.repeat(32) })).toString('base64url');
      const bad = [`${none}.${p}.`, `${h}.${tampered}.${s}`, `${h}.${p}.${s.slice(0, -2)}xx`, 'garbage', ''];
      for (const t of bad) {
        const r = await L.app.inject({ method: 'GET', url: '/api/users/me', headers: { authorization: `Bearer ${t}` } });
        assert.equal(r.statusCode, 401, t);
        assert.equal(r.json().code, 'UNAUTHORIZED');
      }
      const basic = await L.app.inject({ method: 'GET', url: '/api/users/me', headers: { authorization: `Basic ${u.token}` } });
      assert.equal(basic.statusCode, 401);
    });
  });
}
