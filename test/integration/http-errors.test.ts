/** SPEC §6: every error is JSON {success:false, error, code} with the right status; no stacks. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startLedger, type TestLedger } from '../helpers/ledger.ts';
import { HTTP_STATUS, toHttpError } from '../../src/api/errors.ts';
import { ERROR_CODES, IdxError } from '../../src/domain/errors.ts';

describe('HTTP errors', () => {
  let L: TestLedger;
  before(async () => {
    L = await startLedger('pglite');
  });
  after(async () => {
    await L.stop();
  });

  const isError = (body: unknown, code: string) => {
    const b = body as Record<string, unknown>;
    assert.equal(b.success, false);
    assert.equal(b.code, code);
    assert.equal(typeof b.error, 'string');
    assert.ok(!String(b.error).includes('    at '), 'no stack trace');
  };

  test('unknown route is 404 ROUTE_NOT_FOUND; wrong method is 405 with Allow', async () => {
    const r = await L.app.inject({ method: 'GET', url: '/api/nothing' });
    assert.equal(r.statusCode, 404);
    isError(r.json(), 'ROUTE_NOT_FOUND');
    const m = await L.app.inject({ method: 'DELETE', url: '/api/transactions' });
    assert.equal(m.statusCode, 405);
    isError(m.json(), 'METHOD_NOT_ALLOWED');
    assert.match(String(m.headers.allow), /POST/);
    const p = await L.app.inject({ method: 'PUT', url: '/api/blocks/3' });
    assert.equal(p.statusCode, 405);
  });

  test('malformed JSON, wrong content type, oversized body', async () => {
    const bad = await L.app.inject({ method: 'POST', url: '/api/auth/login', headers: { 'content-type': 'application/json' }, payload: '{"pan_card":' });
    assert.equal(bad.statusCode, 400);
    isError(bad.json(), 'MALFORMED_JSON');
    const text = await L.app.inject({ method: 'POST', url: '/api/auth/login', headers: { 'content-type': 'text/plain' }, payload: 'hello' });
    assert.equal(text.statusCode, 415);
    isError(text.json(), 'UNSUPPORTED_MEDIA_TYPE');
    const big = await L.app.inject({
      method: 'POST',
      url: '/api/auth/register',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ full_name: 'x'.repeat(100_000) }),
    });
    assert.equal(big.statusCode, 413);
    isError(big.json(), 'PAYLOAD_TOO_LARGE');
    const arr = await L.app.inject({ method: 'POST', url: '/api/auth/login', payload: [1, 2] });
    assert.equal(arr.statusCode, 400);
    isError(arr.json(), 'VALIDATION_ERROR');
  });

  test('query and path validation', async () => {
    for (const url of ['/api/blocks?limit=0', '/api/blocks?limit=101', '/api/blocks?limit=abc', '/api/blocks/abc', '/api/blocks/0', '/api/blocks/-1']) {
      const r = await L.app.inject({ method: 'GET', url });
      assert.equal(r.statusCode, 400, url);
      isError(r.json(), 'VALIDATION_ERROR');
    }
    const missing = await L.app.inject({ method: 'GET', url: '/api/blocks/999' });
    assert.equal(missing.statusCode, 404);
    isError(missing.json(), 'NOT_FOUND');
  });

  test('every error code maps to a status, and 5xx hide their detail', () => {
    for (const code of ERROR_CODES) {
      const { status, body } = toHttpError(new IdxError(code, 'msg'));
      assert.equal(status, HTTP_STATUS[code]);
      assert.ok(status >= 400 && status < 600);
      assert.equal(body.code, code);
    }
    const internal = toHttpError(new Error('relation "users" does not exist at /src/secret.ts:1'));
    assert.equal(internal.status, 500);
    assert.equal(internal.body.code, 'INTERNAL_ERROR');
    assert.ok(!internal.body.error.includes('relation'));
    const down = toHttpError(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }));
    assert.equal(down.status, 503);
    assert.equal(down.body.code, 'SERVICE_UNAVAILABLE');
  });

  test('OpenAPI document is served at /docs', async () => {
    const r = await L.app.inject({ method: 'GET', url: '/docs/json' });
    assert.equal(r.statusCode, 200);
    const doc = r.json();
    assert.ok(doc.paths['/api/transactions']);
    assert.ok(doc.paths['/api/auth/register']);
    const ui = await L.app.inject({ method: 'GET', url: '/docs' });
    assert.ok(ui.statusCode === 200 || ui.statusCode === 302);
  });
});
