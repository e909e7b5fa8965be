/**
 * The WebAssembly SIMD engine: four nonces at a time, one per i32x4 lane (V8
 * lowers the ops to SSE/AVX). The module (wasm-gen.ts) is generated per
 * position of the nonce word, compiled synchronously once per thread and
 * cached; each engine owns one memory page and one instance per nonce word.
 *
 * Per header (cached while the same PreparedHeader is scanned again) this
 * file computes what does not depend on the nonce: the constant schedule
 * words with K added, the rounds before the nonce word and the nonce word's
 * own round up to the nonce term, and writes them, splatted, into memory.
 * The module hashes the rest and stops at a batch whose first hash word is
 * <= the target's; the exact 256-bit compare is done here, lane 0 first, so
 * the result is the sequential scan's first hit.
 */
import { K } from './prepare.ts';
import { LAYOUT, nonceDependent, scanModuleBytes } from './wasm-gen.ts';
import type { HashEngine, PreparedHeader, ScanResult } from './types.ts';

type ScanFn = (start: number, batches: number) => number;

/** The part of the WebAssembly JS API used here (the project's tsconfig has no "dom" lib). */
interface WasmApi {
  readonly Module: new (bytes: Uint8Array) => object;
  readonly Instance: new (module: object, imports: object) => { readonly exports: Record<string, unknown> };
  readonly Memory: new (descriptor: { initial: number; maximum?: number }) => { readonly buffer: ArrayBuffer };
}
/** Undefined in a runtime without WebAssembly (node --jitless). */
const wasmApi = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;

const modules = new Map<number, object>();

/** The compiled module for nonce word `nw`, or a clear Error when this runtime cannot run it. */
function moduleFor(nw: number): object {
  let m = modules.get(nw);
  if (m) return m;
  if (typeof wasmApi !== 'object' || wasmApi === null) throw new Error('this runtime has no WebAssembly (e.g. node --jitless)');
  try {
    m = new wasmApi.Module(scanModuleBytes(nw));
  } catch (e) {
    throw new Error(`this runtime cannot compile the WebAssembly SIMD module (no SIMD support?): ${(e as Error).message}`);
  }
  modules.set(nw, m);
  return m;
}

const rotr = (x: number, n: number) => (x >>> n) | (x << (32 - n));
const s0 = (x: number) => rotr(x, 7) ^ rotr(x, 18) ^ (x >>> 3);
const s1 = (x: number) => rotr(x, 17) ^ rotr(x, 19) ^ (x >>> 10);
const S0 = (x: number) => rotr(x, 2) ^ rotr(x, 13) ^ rotr(x, 22);
const S1 = (x: number) => rotr(x, 6) ^ rotr(x, 11) ^ rotr(x, 25);

export function createWasmEngine(): HashEngine {
  // Compile one module first, so a runtime without SIMD fails here, not at the first scan.
  moduleFor(10);
  const memory = new wasmApi!.Memory({ initial: 1, maximum: 1 });
  const view = new DataView(memory.buffer, 0, LAYOUT.END);
  const imports = { e: { m: memory } };
  const scans = new Map<number, ScanFn>();
  const deps = new Map<number, boolean[]>();
  const w = new Int32Array(64);
  let last: PreparedHeader | null = null;

  const splat = (off: number, v: number) => {
    for (let l = 0; l < 16; l += 4) view.setInt32(off + l, v, true);
  };

  /** Writes everything of `p` that does not depend on the nonce into memory. */
  const prepare = (p: PreparedHeader, dep: boolean[]) => {
    const nw = p.nonceWord;
    for (let i = 0; i < 16; i++) w[i] = i === nw ? 0 : p.tail[i]! | 0;
    for (let i = 16; i < 64; i++) w[i] = dep[i] ? 0 : (w[i - 16]! + s0(w[i - 15]!) + w[i - 7]! + s1(w[i - 2]!)) | 0;
    const m = p.midstate;
    let a = m[0]! | 0, b = m[1]! | 0, c = m[2]! | 0, d = m[3]! | 0, e = m[4]! | 0, f = m[5]! | 0, g = m[6]! | 0, h = m[7]! | 0;
    for (let i = 0; i < nw; i++) {
      const t1 = (h + S1(e) + ((e & f) ^ (~e & g)) + K[i]! + w[i]!) | 0;
      const t2 = (S0(a) + ((a & b) ^ (a & c) ^ (b & c))) | 0;
      [h, g, f, e, d, c, b, a] = [g, f, e, (d + t1) | 0, c, b, a, (t1 + t2) | 0];
    }
    // Round nw without its nonce term: a' = nonce + (p + t2), e' = nonce + (d + p).
    const pn = (h + S1(e) + ((e & f) ^ (~e & g)) + K[nw]!) | 0;
    const t2 = (S0(a) + ((a & b) ^ (a & c) ^ (b & c))) | 0;
    const st = [(pn + t2) | 0, a, b, c, (d + pn) | 0, e, f, g];
    for (let j = 0; j < 8; j++) splat(LAYOUT.ST + 16 * j, st[j]!);
    splat(LAYOUT.BC, a ^ b);
    for (let i = nw + 1; i < 64; i++) {
      splat(LAYOUT.KW + 16 * i, dep[i] ? K[i]! : (K[i]! + w[i]!) | 0);
      if (i >= 16 && dep[i]) {
        const part = (dep[i - 16] ? 0 : w[i - 16]!) + (dep[i - 15] ? 0 : s0(w[i - 15]!)) + (dep[i - 7] ? 0 : w[i - 7]!) + (dep[i - 2] ? 0 : s1(w[i - 2]!));
        splat(LAYOUT.WC + 16 * i, part | 0);
      }
    }
    for (let j = 0; j < 8; j++) splat(LAYOUT.MID + 16 * j, p.midstate[j]! | 0);
    splat(LAYOUT.T0, p.target[0]! | 0);
  };

  /** Exact compare of lane `l` of the candidate batch at OUT with the target. */
  const meets = (l: number, target: Uint32Array) => {
    for (let j = 0; j < 8; j++) {
      const hw = view.getUint32(LAYOUT.OUT + 16 * j + 4 * l, true);
      const tw = target[j]!;
      if (hw !== tw) return hw < tw;
    }
    return true;
  };

  return {
    name: 'wasm',
    forget() {
      last = null;
    },
    scan(p: PreparedHeader, start: number, count: number, out: ScanResult): ScanResult {
      const nw = p.nonceWord;
      let fn = scans.get(nw);
      if (!fn) {
        const instance = new wasmApi!.Instance(moduleFor(nw), imports);
        fn = instance.exports.scan as ScanFn;
        scans.set(nw, fn);
        deps.set(nw, nonceDependent(nw));
      }
      if (p !== last) {
        prepare(p, deps.get(nw)!);
        last = p;
      }
      start >>>= 0;
      const batches = Math.ceil(count / 4);
      let done = 0;
      while (done < batches) {
        const b = fn((start + done * 4) | 0, batches - done);
        if (b < 0) break;
        const base = (done + b) * 4;
        for (let l = 0; l < 4 && base + l < count; l++) {
          if (meets(l, p.target)) {
            out.found = true;
            out.nonce = (start + base + l) >>> 0;
            out.hashes = base + l + 1;
            return out;
          }
        }
        done += b + 1;
      }
      out.found = false;
      out.nonce = 0;
      out.hashes = count;
      return out;
    },
  };
}
