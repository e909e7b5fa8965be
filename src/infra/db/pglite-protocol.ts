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

/**
 * Named prepared statements, per connection: a statement's SQL is parsed and
 * planned by the backend once, and later runs send only Bind and Execute.
 * At most `max` texts are kept (queries built with a variable number of
 * parameters are many texts); beyond that, statements go unnamed. A text is
 * kept only once a run that prepared it succeeded; a failed first run leaves
 * a named statement nobody uses again (each attempt gets a new name).
 */
export class StatementCache {
  private readonly names = new Map<string, string>();
  private next = 0;
  constructor(private readonly max = 256) {}

  /** The name of `sql` if prepared, else a new name to prepare it under (null: do not prepare). */
  lookup(sql: string): { name: string; prepared: boolean } | null {
    const name = this.names.get(sql);
    if (name !== undefined) return { name, prepared: true };
    if (this.names.size >= this.max) return null;
    return { name: `idx_s${++this.next}`, prepared: false };
  }

  remember(sql: string, name: string): void {
    if (this.names.size < this.max) this.names.set(sql, name);
  }

  get size(): number {
    return this.names.size;
  }
}

/** Runs one statement (or, without parameters, one simple query string) in a single call. */
export async function runOnce(pg: PGlite, api: ProtocolApi, sql: string, params: readonly unknown[], cache?: StatementCache): Promise<Results> {
  const s = api.serialize;
  let message: Uint8Array;
  const named = params.length === 0 ? null : (cache?.lookup(sql) ?? null);
  if (params.length === 0) message = s.query(sql);
  else {
    const values = params.map(toText);
    const parts = named?.prepared ? [] : [s.parse({ text: sql, ...(named ? { name: named.name } : {}) })];
    parts.push(s.bind({ values, ...(named ? { statement: named.name } : {}) }), s.describe({ type: 'P' }), s.execute({}), s.sync());
    message = concat(parts);
  }
  // The embedded file system writes through, so there is nothing to sync.
  const messages = await pg.execProtocolStream(message, { syncToFs: false });
  const results = api.parseResults(messages, (pg as unknown as { parsers: Parameters<ParseResults>[1] }).parsers);
  if (named && !named.prepared) cache!.remember(sql, named.name);
  return results.at(-1)!;
}
