/**
 * Engine selection: each candidate engine is verified against node:crypto on
 * pinned vectors before use; the default is the fastest that verifies
 * (native, then wasm, then js); HASH_ENGINE forces one and fails clearly when
 * it is unavailable.
 */
import { createHash } from 'node:crypto';
import { prepareHeader } from './prepare.ts';
import { createJsEngine } from './js.ts';
import { loadNativeEngine } from './native.ts';
import { createWasmEngine } from './wasm.ts';
import type { EngineName, HashEngine, ScanResult } from './types.ts';

export const ENGINE_ORDER: readonly EngineName[] = ['native', 'wasm', 'js'];

/** Creates an engine or throws an Error saying why it is unavailable. */
export function createEngine(name: EngineName): HashEngine {
  switch (name) {
    case 'js':
      return createJsEngine();
    case 'native':
      return loadNativeEngine();
    case 'wasm':
      return createWasmEngine();
    default:
      throw new Error(`unknown hash engine "${String(name)}"`);
  }
}

function headerFor(i: number): Uint8Array {
  const h = new Uint8Array(108);
  for (let j = 0; j < h.length; j++) h[j] = (j * 31 + i * 17 + 7) & 0xff;
  return h;
}

/** Checks an engine against node:crypto: the first nonce meeting an easy target, and no false positive. */
export function verifyEngine(engine: HashEngine): void {
  const out: ScanResult = { found: false, nonce: 0, hashes: 0 };
  for (let i = 0; i < 4; i++) {
    const header = headerFor(i);
    const target = new Uint32Array(8).fill(0xffffffff);
    target[0] = 0x00ffffff; // first byte zero: ~1 in 256
    const start = (0xfffffff0 + i * 1000) >>> 0; // crosses the 32-bit wrap for i = 0
    engine.scan(prepareHeader(header, target), start, 5000, out);
    let expected = -1;
    for (let n = 0; n < 5000; n++) {
      const nonce = (start + n) >>> 0;
      new DataView(header.buffer).setUint32(104, nonce);
      if (createHash('sha256').update(header).digest()[0] === 0) {
        expected = nonce;
        break;
      }
    }
    if (expected < 0) throw new Error('vector without a solution');
    if (!out.found || out.nonce !== expected) {
      throw new Error(`${engine.name} engine disagrees with node:crypto (got ${out.found ? out.nonce : 'none'}, expected ${expected})`);
    }
  }
  const never = prepareHeader(headerFor(9), new Uint32Array(8));
  engine.scan(never, 0, 1000, out);
  if (out.found || out.hashes !== 1000) throw new Error(`${engine.name} engine reports a false solution or a wrong count`);
}

export interface Selection {
  readonly engine: HashEngine;
  readonly name: EngineName;
  /** Why engines before the chosen one were skipped. */
  readonly notes: string[];
}

export function selectEngine(forced?: EngineName): Selection {
  if (forced) {
    let engine: HashEngine;
    try {
      engine = createEngine(forced);
      verifyEngine(engine);
    } catch (e) {
      throw new Error(`HASH_ENGINE=${forced} is not available: ${(e as Error).message}`);
    }
    return { engine, name: forced, notes: [] };
  }
  const notes: string[] = [];
  for (const name of ENGINE_ORDER) {
    try {
      const engine = createEngine(name);
      verifyEngine(engine);
      return { engine, name, notes };
    } catch (e) {
      notes.push(`${name}: ${(e as Error).message}`);
    }
  }
  throw new Error(`no hash engine verifies: ${notes.join('; ')}`);
}

export function availableEngines(): EngineName[] {
  return ENGINE_ORDER.filter((n) => {
    try {
      verifyEngine(createEngine(n));
      return true;
    } catch {
      return false;
    }
  });
}
