/**
 * Every route's schemas, compiled eagerly: the server compiles them lazily,
 * on a route's first call (start-up time, src/api/lazy-compile.ts), so a
 * schema that does not compile, or is not valid JSON Schema, is found here.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { RouteOptions } from 'fastify';
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import fastJsonStringify from 'fast-json-stringify';
import { startLedger, type TestLedger } from '../helpers/ledger.ts';

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

describe('route schemas', () => {
  let ledger: TestLedger;
  const routes: RouteOptions[] = [];
  before(async () => {
    ledger = await startLedger('pglite', { onRoute: (r) => void routes.push(r) });
  });
  after(async () => {
    await ledger.stop();
  });

  test('every request schema is valid JSON Schema and compiles; every response schema serializes', () => {
    const ajv = new Ajv({ strict: false, validateSchema: true, coerceTypes: 'array', useDefaults: true, removeAdditional: true });
    addFormats(ajv);
    for (const s of Object.values(ledger.app.getSchemas())) ajv.addSchema(s as object);
    const external = ledger.app.getSchemas() as Record<string, object>;
    let requests = 0;
    let responses = 0;
    for (const r of routes) {
      const schema = r.schema as Record<string, unknown> | undefined;
      if (!schema) continue;
      for (const part of ['body', 'querystring', 'params', 'headers'] as const) {
        if (!schema[part]) continue;
        assert.ok(ajv.validateSchema(schema[part] as object), `${r.method} ${r.url} ${part}: ${ajv.errorsText()}`);
        assert.doesNotThrow(() => ajv.compile(schema[part] as object), `${r.method} ${r.url} ${part}`);
        requests++;
      }
      for (const [status, s] of Object.entries((schema.response ?? {}) as Record<string, object>)) {
        assert.doesNotThrow(() => fastJsonStringify(s as never, { schema: external as never }), `${r.method} ${r.url} ${status}`);
        responses++;
      }
    }
    assert.ok(requests >= 15, `request schemas checked: ${requests}`);
    assert.ok(responses >= 30, `response schemas checked: ${responses}`);
  });

  test('a lazily compiled validator refuses the same bad input every time, with its reason', async () => {
    for (let i = 0; i < 2; i++) {
      const res = await ledger.app.inject({ method: 'POST', url: '/api/auth/register', payload: { pan_card: 42 } });
      assert.equal(res.statusCode, 400);
      assert.equal(res.json().code, 'VALIDATION_ERROR');
      assert.match(res.json().error, /^Invalid request: body must have required property/);
    }
  });
});
