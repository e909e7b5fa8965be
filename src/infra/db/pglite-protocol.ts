/**
 * One round trip into PGlite per statement. `PGlite.query` enters the
 * WebAssembly backend six times (parse, describe, bind, describe, execute,
 * sync) and serialises each parameter by the type a describe step inferred;
 * here the whole extended-protocol exchange is one buffer and one call, as a
 * network driver pipelines it, and parameters are sent as text the way
 * node-postgres sends them (the server infers their types from the SQL, which
 * casts where it matters). Parameterless SQL goes as one simple query, which
 * may hold several statements (migrations); the last result is returned.
 */
import type { PGlite, Results } from '@electric-sql/pglite';

type Serialize = typeof import('@electric-sql/pglite').protocol.serialize;
type ParseResults = typeof import('@electric-sql/pglite').parse.parseResults;

export interface ProtocolApi {
  readonly serialize: Serialize;
  readonly parseResults: ParseResults;
}

/** A parameter as text, or null (node-postgres's prepareValue, without its local-time dates). */
export function toText(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string') return v;
  if (typeof v === 'bigint' || typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (v instanceof Date) return v.toISOString();
  if (v instanceof Uint8Array) return `\\x${Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('hex')}`;
  if (Array.isArray(v)) return arrayLiteral(v);
  return JSON.stringify(v);
}

function arrayLiteral(a: readonly unknown[]): string {
  const parts = a.map((e) => {
    if (e === null || e === undefined) return 'NULL';
    if (Array.isArray(e)) return arrayLiteral(e);
    const t = toText(e)!;
    return `"${t.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
  });
  return `{${parts.join(',')}}`;
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

/** Runs one statement (or, without parameters, one simple query string) in a single call. */
export async function runOnce(pg: PGlite, api: ProtocolApi, sql: string, params: readonly unknown[]): Promise<Results> {
  const s = api.serialize;
  const message =
    params.length === 0
      ? s.query(sql)
      : concat([s.parse({ text: sql }), s.bind({ values: params.map(toText) }), s.describe({ type: 'P' }), s.execute({}), s.sync()]);
  // The embedded file system writes through, so there is nothing to sync.
  const messages = await pg.execProtocolStream(message, { syncToFs: false });
  const results = api.parseResults(messages, (pg as unknown as { parsers: Parameters<ParseResults>[1] }).parsers);
  return results.at(-1)!;
}
