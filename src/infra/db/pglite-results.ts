/**
 * The embedded store's answers read straight from the wire: one pass over the
 * backend's bytes (RowDescription, DataRow, CommandComplete, ErrorResponse)
 * into the rows the app reads. PGlite's own reader turned every field into a
 * fresh ArrayBuffer, a message object and then a row object, and the rows
 * were then cloned across threads: ~15% of the database thread under load.
 * Now the thread hands over the bytes (transferred, not copied) and this runs
 * where they are used.
 *
 * Values are typed as PGlite types them (its default parsers), except BIGINT,
 * which is a bigint (as on PostgreSQL, postgres-pool.ts): int2/int4/oid and
 * floats numbers, bool, json/jsonb parsed, date/timestamp/timestamptz Dates,
 * bytea bytes, arrays of the built-in types arrays; anything else (numeric
 * among them) its text. A result is the last statement's rows and command,
 * with `affectedRows` summed over the statements, as PGlite's parseResults.
 */

export interface StatementResult {
  readonly command?: string;
  readonly affectedRows?: number;
  readonly rows: unknown[];
}

const BOOL = 16;
const BYTEA = 17;
/** BIGINT: read as a bigint on both stores (postgres-pool.ts gives node-postgres the same). */
export const INT8_OID = 20;
const INT2 = 21;
const INT4 = 23;
const OID = 26;
const JSON_OID = 114;
const FLOAT4 = 700;
const FLOAT8 = 701;
const BOX_ARRAY = 1020;
const DATE = 1082;
const TIMESTAMP = 1114;
const TIMESTAMPTZ = 1184;
const JSONB = 3802;

/** The built-in array types (pg_type, typcategory 'A', oid < 10000) and their element types. */
const ARRAY_OF: ReadonlyMap<number, number> = new Map([
  [143, 142], [199, 114], [210, 71], [270, 75], [271, 5069], [272, 81], [273, 83], [629, 628], [651, 650], [719, 718],
  [775, 774], [791, 790], [1000, 16], [1001, 17], [1002, 18], [1003, 19], [1005, 21], [1006, 22], [1007, 23], [1008, 24],
  [1009, 25], [1010, 27], [1011, 28], [1012, 29], [1013, 30], [1014, 1042], [1015, 1043], [1016, 20], [1017, 600],
  [1018, 601], [1019, 602], [1020, 603], [1021, 700], [1022, 701], [1027, 604], [1028, 26], [1034, 1033], [1040, 829],
  [1041, 869], [1115, 1114], [1182, 1082], [1183, 1083], [1185, 1184], [1187, 1186], [1231, 1700], [1263, 2275],
  [1270, 1266], [1561, 1560], [1563, 1562], [2201, 1790], [2207, 2202], [2208, 2203], [2209, 2204], [2210, 2205],
  [2211, 2206], [2949, 2970], [2951, 2950], [3221, 3220], [3643, 3614], [3644, 3642], [3645, 3615], [3735, 3734],
  [3770, 3769], [3807, 3802], [3905, 3904], [3907, 3906], [3909, 3908], [3911, 3910], [3913, 3912], [3927, 3926],
  [4073, 4072], [4090, 4089], [4097, 4096], [4192, 4191], [5039, 5038], [6150, 4451], [6151, 4532], [6152, 4533],
  [6153, 4534], [6155, 4535], [6157, 4536],
]);

type Parse = ((text: string) => unknown) | null;

function dateOf(v: string): unknown {
  return v === 'infinity' ? Infinity : v === '-infinity' ? -Infinity : new Date(v);
}

function bytesOf(v: string): Uint8Array {
  return Uint8Array.from(Buffer.from(v.slice(2), 'hex'));
}

/** How a value of type `oid` is read from its text; null: it stays text. */
function scalar(oid: number): Parse {
  switch (oid) {
    case INT8_OID:
      return BigInt;
    case INT2:
    case INT4:
    case OID:
    case FLOAT4:
    case FLOAT8:
      return Number;
    case BOOL:
      return (v) => v === 't';
    case JSON_OID:
    case JSONB:
      return JSON.parse;
    case DATE:
    case TIMESTAMP:
    case TIMESTAMPTZ:
      return dateOf;
    case BYTEA:
      return bytesOf;
    default:
      return null;
  }
}

function parserOf(oid: number): Parse {
  const elem = ARRAY_OF.get(oid);
  if (elem === undefined) return scalar(oid);
  const p = scalar(elem);
  return (v) => parseArray(v, p, oid === BOX_ARRAY ? ';' : ',');
}

/**
 * An array literal (`{1,NULL,"a \\"b\\""}`, nested for more dimensions), read as
 * PGlite's arrayParser reads it (the same walk, written out).
 */
export function parseArray(text: string, parse: Parse, delimiter = ','): unknown {
  const st = { i: 0, char: '', str: '', quoted: false, last: 0, prev: '' };
  const item = (s: string): unknown => (s === 'NULL' && !st.quoted ? null : parse ? parse(s) : s);
  const level = (): unknown[] => {
    const out: unknown[] = [];
    for (; st.i < text.length; st.i++) {
      const c = (st.char = text[st.i]!);
      if (st.quoted) {
        if (c === '\\') st.str += text[++st.i];
        else if (c === '"') {
          out.push(parse ? parse(st.str) : st.str);
          st.str = '';
          st.quoted = text[st.i + 1] === '"';
          st.last = st.i + 2;
        } else st.str += c;
      } else if (c === '"') st.quoted = true;
      else if (c === '{') {
        st.last = ++st.i;
        out.push(level());
      } else if (c === '}') {
        if (st.last < st.i) out.push(item(text.slice(st.last, st.i)));
        st.quoted = false;
        st.last = st.i + 1;
        break;
      } else if (c === delimiter && st.prev !== '}' && st.prev !== '"') {
        out.push(item(text.slice(st.last, st.i)));
        st.last = st.i + 1;
      }
      st.prev = st.char; // after a nested array: its closing brace
    }
    if (st.last < st.i) {
      const rest = text.slice(st.last, st.i + 1);
      out.push(parse ? parse(rest) : rest);
    }
    return out;
  };
  return level()[0];
}

interface Columns {
  readonly names: string[];
  readonly parse: Parse[];
}

/** pg-protocol's names for an ErrorResponse's fields. */
const ERROR_FIELDS: Readonly<Record<string, string>> = {
  S: 'severity', C: 'code', D: 'detail', H: 'hint', P: 'position', p: 'internalPosition', q: 'internalQuery', W: 'where',
  s: 'schema', t: 'table', c: 'column', d: 'dataType', n: 'constraint', F: 'file', L: 'line', R: 'routine',
};

function errorOf(buf: Buffer, start: number, end: number): Error {
  const fields: Record<string, string> = {};
  let message = 'unknown database error';
  let at = start;
  while (at < end && buf[at] !== 0) {
    const key = String.fromCharCode(buf[at]!);
    const stop = buf.indexOf(0, at + 1);
    const text = buf.toString('utf8', at + 1, stop);
    if (key === 'M') message = text;
    else if (ERROR_FIELDS[key]) fields[ERROR_FIELDS[key]] = text;
    at = stop + 1;
  }
  return Object.assign(new Error(message), { name: 'error', length: end - start + 4 }, fields);
}

/** The statement's result, or throws its error (message and PostgreSQL fields: code, detail, constraint...). */
export function readResponse(bytes: Uint8Array): StatementResult {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let columns: Columns = { names: [], parse: [] };
  let rows: unknown[] = [];
  let last: StatementResult = { affectedRows: 0, rows: [] };
  let affected = 0;
  let error: Error | null = null;
  let at = 0;
  while (at + 5 <= buf.length) {
    const type = buf[at]!;
    const end = at + 1 + buf.readInt32BE(at + 1);
    let p = at + 5;
    if (type === 0x44 /* D: DataRow */) {
      const n = buf.readInt16BE(p);
      p += 2;
      const row: Record<string, unknown> = {};
      for (let k = 0; k < n; k++) {
        const len = buf.readInt32BE(p);
        p += 4;
        if (len < 0) row[columns.names[k]!] = null;
        else {
          const text = buf.toString('utf8', p, p + len);
          const parse = columns.parse[k];
          row[columns.names[k]!] = parse ? parse(text) : text;
          p += len;
        }
      }
      rows.push(row);
    } else if (type === 0x54 /* T: RowDescription */) {
      const n = buf.readInt16BE(p);
      p += 2;
      const names: string[] = [];
      const parse: Parse[] = [];
      for (let k = 0; k < n; k++) {
        const stop = buf.indexOf(0, p);
        names.push(buf.toString('utf8', p, stop));
        p = stop + 1 + 6; // table oid, column number
        parse.push(parserOf(buf.readInt32BE(p)));
        p += 12; // type oid, size, modifier, format
      }
      columns = { names, parse };
    } else if (type === 0x43 /* C: CommandComplete */) {
      const text = buf.toString('utf8', p, end - 1);
      const words = text.split(' ');
      const command = words[0]!;
      const count = parseInt(words[words.length - 1]!, 10);
      if (command === 'INSERT' || command === 'UPDATE' || command === 'DELETE' || command === 'COPY' || command === 'MERGE') affected += count;
      last = { command, affectedRows: affected, rows };
      rows = [];
      columns = { names: [], parse: [] };
    } else if (type === 0x45 /* E: ErrorResponse */) error ??= errorOf(buf, p, end);
    at = end;
  }
  if (error) throw error;
  return last;
}

/** Whether the backend parsed the statement (its ParseComplete is in the answer): a named statement now exists. */
export function parsedIn(bytes: Uint8Array): boolean {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let at = 0; at + 5 <= bytes.length; at = at + 1 + view.getInt32(at + 1)) if (bytes[at] === 0x31 /* 1 */) return true;
  return false;
}
