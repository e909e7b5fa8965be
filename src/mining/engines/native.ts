/**
 * The native engine: the N-API addon native/idx_sha256.c, built by `npm ci`
 * (scripts/install.mjs runs node-gyp) into build/Release/idx_sha256.node.
 *
 * One addon scanner per engine: the prepared header is handed to it once
 * (prepare: midstate, tail, nonce word, target; everything independent of the
 * nonce is precomputed there), then each scan call passes two numbers. A
 * PreparedHeader is immutable, so switching back and forth between headers
 * (the fair scanner's round robin) only costs one prepare per switch (~1 µs).
 */
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { HashEngine, PreparedHeader, ScanResult } from './types.ts';
import { projectRoot } from '../../infra/root.ts';

/** Which code the addon runs: the SHA extensions, or its portable C loop. */
export type NativePath = 'sha-ni' | 'portable';

interface AddonScanner {
  readonly path: NativePath;
  prepare(midstate: Uint32Array, tail: Uint32Array, nonceWord: number, target: Uint32Array): void;
  /** The first nonce in [start, start + count) (mod 2^32) meeting the target, or -1. */
  scan(start: number, count: number): number;
}

interface Addon {
  /** What this CPU gets by default. */
  readonly path: NativePath;
  createScanner(forcePortable?: boolean): AddonScanner;
}

const ROOT = projectRoot(import.meta.url);
/** The built addon; IDXCHAIN_NATIVE_ADDON overrides it (tests use it to simulate a failed build). */
export const ADDON_PATH = process.env.IDXCHAIN_NATIVE_ADDON ?? path.join(ROOT, 'build', 'Release', 'idx_sha256.node');

let cached: Addon | Error | undefined;

/** Loads the addon once per thread, or returns why it cannot be loaded. */
export function loadAddon(): Addon | Error {
  if (cached !== undefined) return cached;
  if (!existsSync(ADDON_PATH)) {
    cached = new Error(`the native addon was not built (${path.relative(ROOT, ADDON_PATH) || ADDON_PATH} is missing; see the "idxchain install:" line of the npm ci log, or run npm run install)`);
    return cached;
  }
  try {
    const addon = createRequire(import.meta.url)(ADDON_PATH) as Addon;
    if (typeof addon.createScanner !== 'function') throw new Error('it exports no createScanner (stale build? run npm run install)');
    cached = addon;
  } catch (e) {
    cached = new Error(`the native addon does not load: ${(e as Error).message.split('\n')[0]}`);
  }
  return cached;
}

export interface NativeOptions {
  /** Use the addon's portable C loop even on a CPU with SHA-NI (tests). */
  readonly portable?: boolean;
}

/**
 * The native engine, or an Error saying why not: no addon built, or a CPU
 * without SHA-NI (then the portable C loop is not faster than WebAssembly, so
 * the next engine is used, unless `portable` asks for it explicitly).
 */
export function loadNativeEngine(opts: NativeOptions = {}): HashEngine & { readonly path: NativePath } {
  const addon = loadAddon();
  if (addon instanceof Error) throw addon;
  if (addon.path !== 'sha-ni' && !opts.portable) throw new Error('this CPU has no SHA-NI instructions (cpuid), so the native engine is not used');
  const s = addon.createScanner(opts.portable === true);
  const prepare = s.prepare;
  const scan = s.scan;
  let last: PreparedHeader | null = null;
  return {
    name: 'native',
    path: s.path,
    forget() {
      last = null;
    },
    scan(p: PreparedHeader, start: number, count: number, out: ScanResult): ScanResult {
      if (p !== last) {
        prepare(p.midstate, p.tail, p.nonceWord, p.target);
        last = p;
      }
      start >>>= 0;
      const n = scan(start, count);
      if (n >= 0) {
        out.found = true;
        out.nonce = n;
        out.hashes = ((n - start) >>> 0) + 1;
      } else {
        out.found = false;
        out.nonce = 0;
        out.hashes = count;
      }
      return out;
    },
  };
}
