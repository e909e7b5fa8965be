/**
 * V8's code cache for the start-up bundle's main module (dist/compose.cjs).
 *
 * Loading that module (~4 MB: the server, Fastify, Kysely, TypeBox, Ajv...)
 * parses and compiles it, and building the server compiles every function
 * it calls: ~250 ms of the main thread at each start, beside the database
 * thread opening PGlite on a two-core machine. Node 20 has no compile cache
 * for ES modules, so the bundle's main module is CommonJS, run as a
 * `vm.Script` given the bytecode V8 produced at an earlier start
 * (`cachedData`). After the server listens, `save()` writes what V8 compiled
 * so far (the module and every function the start-up ran) for the next start.
 *
 * The cache's name carries a hash of the module's text: V8 checks only the
 * text's length (and its own version and flags), so a rebuilt module never
 * meets an old cache. V8 does not check the cache's bytes either (a damaged
 * one crashes the process), so the file starts with their SHA-256 and is
 * written to a file of its own, flushed, then renamed into place. A cache
 * that is damaged, or that V8 refuses (another Node, other flags), is
 * compiled without and replaced. Nothing here can stop a start: a cache that
 * cannot be read or written is only slower.
 */
import { createHash, randomUUID } from 'node:crypto';
import { closeSync, fsyncSync, openSync, readdirSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import vm from 'node:vm';

export type CacheState = 'used' | 'rejected' | 'absent';

export interface CachedModule<T> {
  readonly exports: T;
  /** Whether this start ran from a cache: 'used', 'rejected' (damaged, or refused by V8), or 'absent'. */
  readonly cache: CacheState;
  /** The cache file for this module text. */
  readonly cacheFile: string;
  /** Writes the code compiled so far for the next start, unless this start used a cache (once). False when nothing was written. */
  save(): boolean;
}

/** The cache file of a module text: `<file>.<hash of the text>.cache`. */
export function cacheFileFor(file: string, text: Uint8Array): string {
  return `${file}.${sha256(text).toString('hex').slice(0, 16)}.cache`;
}

function sha256(bytes: Uint8Array): Buffer {
  return createHash('sha256').update(bytes).digest();
}

/**
 * Runs a CommonJS module (its own `require`, `module`, `__dirname`) with V8's code cache when there
 * is one. The module may not use `import()`: Node 20 loses a cached script's import() callback, so
 * the build turns each into a `require()` (scripts/build.mjs).
 */
export function loadCommonJs<T>(file: string): CachedModule<T> {
  const text = readFileSync(file);
  const cacheFile = cacheFileFor(file, text);
  const source = text.toString('utf8');
  let stored: Buffer | null;
  try {
    stored = readFileSync(cacheFile);
  } catch {
    stored = null;
  }
  const cachedData = stored === null ? undefined : intact(stored);
  // Node's own CommonJS wrapper, on the module's first line: its line numbers stay as they are.
  const script = new vm.Script(`(function (exports, require, module, __filename, __dirname) { ${source}\n})`, {
    filename: file,
    ...(cachedData ? { cachedData } : {}),
  });
  const cache: CacheState = stored === null ? 'absent' : cachedData === undefined || script.cachedDataRejected ? 'rejected' : 'used';
  const module = { exports: {} as T };
  const wrapper = script.runInThisContext() as (exports: T, require: NodeJS.Require, module: { exports: T }, filename: string, dirname: string) => void;
  wrapper.call(module.exports, module.exports, createRequire(file), module, file, path.dirname(file));
  let saved = cache === 'used';
  return {
    exports: module.exports,
    cache,
    cacheFile,
    save() {
      if (saved) return false;
      saved = true;
      const data = script.createCachedData();
      const tmp = `${cacheFile}.${randomUUID()}.tmp`;
      try {
        const fd = openSync(tmp, 'wx');
        try {
          writeSync(fd, sha256(data));
          writeSync(fd, data);
          fsyncSync(fd);
        } finally {
          closeSync(fd);
        }
        renameSync(tmp, cacheFile);
        removeStale(file, cacheFile);
        return true;
      } catch {
        try {
          rmSync(tmp, { force: true });
        } catch {
          // nothing was written there
        }
        return false; // a read-only install: every start compiles
      }
    },
  };
}

/** The cache's bytes if they are the ones hashed at their head (SHA-256, 32 bytes), else undefined. */
function intact(stored: Buffer): Buffer | undefined {
  if (stored.length <= 32) return undefined;
  const data = stored.subarray(32);
  return sha256(data).equals(stored.subarray(0, 32)) ? data : undefined;
}

/** Caches of earlier texts of the module (a rebuild removes them too; this covers a module replaced by hand). */
function removeStale(file: string, keep: string): void {
  const dir = path.dirname(file);
  const prefix = `${path.basename(file)}.`;
  for (const f of readdirSync(dir)) {
    const p = path.join(dir, f);
    if (p !== keep && f.startsWith(prefix) && (f.endsWith('.cache') || f.endsWith('.tmp'))) rmSync(p, { force: true });
  }
}
