/**
 * Route schemas compiled on first use instead of all at start-up. Fastify
 * compiles a validator for every part of every route and a serializer for
 * every response while it gets ready: ~90 compilations, a third of the
 * server's start-up on two cores. Wrapped here, each compiles the first
 * time its route is called (a few milliseconds, once); a route never called
 * never compiles. The schemas are the same; test/integration/route-schemas.test.ts
 * compiles every one of them eagerly, so a bad schema still fails the tests
 * rather than a first request.
 */
import SerializerSelector from '@fastify/fast-json-stringify-compiler';
import type { FastifyValidationResult } from 'fastify/types/schema.js';

/** What Fastify calls to validate: true or false, the reasons in `.errors` (Ajv's contract). */
type ValidateFn = FastifyValidationResult;

export function lazyValidator(compile: () => ValidateFn): ValidateFn {
  let fn: ValidateFn | null = null;
  const validate = ((data: unknown) => {
    fn ??= compile();
    const ok = fn(data);
    validate.errors = fn.errors;
    return ok;
  }) as ValidateFn;
  return validate;
}

type Serialize = (data: unknown) => string;
type BuildSerializer = (externalSchemas: unknown, serializerOpts: unknown) => (route: { schema?: unknown }) => Serialize;

/** Fastify's own serializer factory (fast-json-stringify), each route's serializer built on its first reply. */
export function lazySerializerFactory(): BuildSerializer {
  const eager = (SerializerSelector as unknown as () => BuildSerializer)();
  return (externalSchemas, serializerOpts) => {
    const build = eager(externalSchemas, serializerOpts);
    return (route) => {
      let fn: Serialize | null = null;
      return (data) => (fn ??= build(route))(data);
    };
  };
}
