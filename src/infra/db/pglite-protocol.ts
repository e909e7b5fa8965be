/**
 * One round trip into PGlite per statement. `PGlite.query` enters the
 * WebAssembly backend six times (parse, describe, bind, describe, execute,
 * sync) and serialises each parameter by the type a describe step inferred;
 * here the whole extended-protocol exchange is one buffer and one call, as a
 * network driver pipelines it, and parameters are sent as text the way
 * node-postgres sends them (the server infers their types from the SQL, which
 * casts where it matters). Parameterless SQL goes as one simple query, which
 * may hold several statements (migrations); the last result is returned.
 * The messages are written here into one buffer of their own (PGlite's writer
 * allocates per message), PGlite's answer is taken as bytes, unparsed
 * (`execProtocolRawStream`), and read by pglite-results.ts, so on the server
 * the database thread only moves bytes in and out of the backend.
 */
import type { PGlite } from '@electric-sql/pglite';
import { parsedIn, readResponse, type StatementResult } from './pglite-results.ts';

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
    if (this.names.size < this.max && !this.names.has(sql)) this.names.set(sql, name);
  }

  get size(): number {
    return this.names.size;
  }
}

const DESCRIBE_PORTAL = [0x44, 0, 0, 0, 6, 0x50, 0]; // Describe the unnamed portal
const EXECUTE_ALL = [0x45, 0, 0, 0, 9, 0, 0, 0, 0, 0]; // Execute it, every row
const SYNC = [0x53, 0, 0, 0, 4];

/**
 * The messages that run one statement, in one buffer of its own (it can be
 * transferred to another thread). Without parameters: one simple Query. Else
 * Parse (unless `name` is prepared already), Bind with every parameter as
 * text, Describe, Execute, Sync; `name` null: the unnamed statement.
 */
export function encodeStatement(sql: string, params: readonly unknown[], name: { name: string; prepared: boolean } | null): Uint8Array {
  if (params.length === 0) {
    const n = Buffer.byteLength(sql);
    const out = Buffer.from(new ArrayBuffer(n + 6));
    out[0] = 0x51; // Q
    out.writeInt32BE(n + 5, 1);
    out.write(sql, 5);
    return new Uint8Array(out.buffer);
  }
  const values = params.map(toText);
  const statement = name?.name ?? '';
  const lengths = values.map((v) => (v === null ? -1 : Buffer.byteLength(v)));
  const nameLen = Buffer.byteLength(statement);
  const parseLen = name?.prepared ? 0 : 1 + 4 + nameLen + 1 + Buffer.byteLength(sql) + 1 + 2;
  let bindLen = 1 + 4 + 1 + nameLen + 1 + 2 + 2 + 2;
  for (const n of lengths) bindLen += 4 + Math.max(n, 0);
  const out = Buffer.from(new ArrayBuffer(parseLen + bindLen + DESCRIBE_PORTAL.length + EXECUTE_ALL.length + SYNC.length));
  let at = 0;
  const cstring = (s: string) => {
    at += out.write(s, at);
    out[at++] = 0;
  };
  if (parseLen > 0) {
    out[at++] = 0x50; // P
    at = out.writeInt32BE(parseLen - 1, at);
    cstring(statement);
    cstring(sql);
    at = out.writeInt16BE(0, at); // the server infers every parameter's type
  }
  out[at++] = 0x42; // B
  at = out.writeInt32BE(bindLen - 1, at);
  out[at++] = 0; // the unnamed portal
  cstring(statement);
  at = out.writeInt16BE(0, at); // every parameter as text
  at = out.writeInt16BE(values.length, at);
  values.forEach((v, k) => {
    at = out.writeInt32BE(lengths[k]!, at);
    if (v !== null) at += out.write(v, at);
  });
  at = out.writeInt16BE(0, at); // every column as text
  for (const m of [DESCRIBE_PORTAL, EXECUTE_ALL, SYNC]) for (const b of m) out[at++] = b;
  return new Uint8Array(out.buffer);
}

/** Sends one statement's messages and returns the backend's answer, every byte of it, in a buffer of its own. */
export async function exchange(pg: PGlite, message: Uint8Array): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  // The embedded file system writes through, so there is nothing to sync.
  await pg.execProtocolRawStream(message, { syncToFs: false, onRawData: (chunk) => void chunks.push(chunk.slice()) });
  if (chunks.length === 1) return chunks[0]!;
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/**
 * Runs one statement (or, without parameters, one simple query string) as one
 * exchange of messages (`send`: into PGlite here or on its thread), through
 * `cache`'s prepared statements; reads the answer here.
 */
export async function runStatement(send: (message: Uint8Array) => Promise<Uint8Array>, sql: string, params: readonly unknown[], cache?: StatementCache): Promise<StatementResult> {
  const named = params.length === 0 ? null : (cache?.lookup(sql) ?? null);
  const answer = await send(encodeStatement(sql, params, named));
  if (named && !named.prepared && parsedIn(answer)) cache!.remember(sql, named.name);
  return readResponse(answer);
}

/** runStatement into `pg` on this thread. */
export function runOnce(pg: PGlite, sql: string, params: readonly unknown[], cache?: StatementCache): Promise<StatementResult> {
  return runStatement((m) => exchange(pg, m), sql, params, cache);
}
