/**
 * The pure TypeScript engine. For each position of the nonce word it builds,
 * once, a fully unrolled scan function: message words and rounds that do not
 * depend on the nonce are computed once per job outside the nonce loop; the
 * rest runs on Int32 locals, with no allocation per nonce.
 */
import { K } from './prepare.ts';
import type { HashEngine, PreparedHeader, ScanResult } from './types.ts';

type ScanFn = (tail: Uint32Array, mid: Uint32Array, target: Uint32Array, start: number, count: number, out: ScanResult) => ScanResult;

const rotr = (x: string, n: number) => `((${x} >>> ${n}) | (${x} << ${32 - n}))`;

/** Generates the scan function for a nonce at word `nw` of the final block. */
function generate(nw: number): ScanFn {
  const lines: string[] = [];
  const inner: string[] = [];
  // Which schedule words depend on the nonce.
  const dep: boolean[] = [];
  for (let i = 0; i < 64; i++) dep[i] = i < 16 ? i === nw : dep[i - 16]! || dep[i - 15]! || dep[i - 7]! || dep[i - 2]!;
  for (let i = 0; i < 16; i++) if (i !== nw) lines.push(`const w${i} = tail[${i}] | 0;`);
  const sched = (i: number) =>
    `(w${i - 16} + (${rotr(`w${i - 15}`, 7)} ^ ${rotr(`w${i - 15}`, 18)} ^ (w${i - 15} >>> 3)) + w${i - 7} + (${rotr(`w${i - 2}`, 17)} ^ ${rotr(`w${i - 2}`, 19)} ^ (w${i - 2} >>> 10))) | 0`;
  for (let i = 16; i < 64; i++) if (!dep[i]) lines.push(`const w${i} = ${sched(i)};`);
  // Rounds before the nonce word: once per call.
  lines.push('let a = mid[0] | 0, b = mid[1] | 0, c = mid[2] | 0, d = mid[3] | 0, e = mid[4] | 0, f = mid[5] | 0, g = mid[6] | 0, h = mid[7] | 0;');
  const round = (i: number, to: string[]) => {
    to.push(
      `t1 = (h + (${rotr('e', 6)} ^ ${rotr('e', 11)} ^ ${rotr('e', 25)}) + ((e & f) ^ (~e & g)) + ${K[i]! | 0} + w${i}) | 0;`,
      `t2 = ((${rotr('a', 2)} ^ ${rotr('a', 13)} ^ ${rotr('a', 22)}) + ((a & b) ^ (a & c) ^ (b & c))) | 0;`,
      'h = g; g = f; f = e; e = (d + t1) | 0; d = c; c = b; b = a; a = (t1 + t2) | 0;',
    );
  };
  lines.push('let t1 = 0, t2 = 0;');
  for (let i = 0; i < nw; i++) round(i, lines);
  lines.push('const pa = a, pb = b, pc = c, pd = d, pe = e, pf = f, pg = g, ph = h;');
  lines.push('const m0 = mid[0] | 0, m1 = mid[1] | 0, m2 = mid[2] | 0, m3 = mid[3] | 0, m4 = mid[4] | 0, m5 = mid[5] | 0, m6 = mid[6] | 0, m7 = mid[7] | 0;');
  lines.push('const t0 = target[0] >>> 0;');
  lines.push('let nonce = start >>> 0;');
  inner.push(`const w${nw} = nonce | 0;`);
  inner.push('a = pa; b = pb; c = pc; d = pd; e = pe; f = pf; g = pg; h = ph;');
  for (let i = nw; i < 64; i++) {
    if (i >= 16 && dep[i]) inner.push(`const w${i} = ${sched(i)};`);
    round(i, inner);
  }
  inner.push(
    'const h0 = (m0 + a) >>> 0;',
    'if (h0 <= t0) {',
    '  const hs = [h0, (m1 + b) >>> 0, (m2 + c) >>> 0, (m3 + d) >>> 0, (m4 + e) >>> 0, (m5 + f) >>> 0, (m6 + g) >>> 0, (m7 + h) >>> 0];',
    '  let ok = true;',
    '  for (let i = 0; i < 8; i++) { if (hs[i] < target[i]) break; if (hs[i] > target[i]) { ok = false; break; } }',
    '  if (ok) { out.found = true; out.nonce = nonce; out.hashes = n + 1; return out; }',
    '}',
    'nonce = (nonce + 1) >>> 0;',
  );
  lines.push(`for (let n = 0; n < count; n++) {\n${inner.join('\n')}\n}`);
  lines.push('out.found = false; out.nonce = 0; out.hashes = count; return out;');
  return new Function('tail', 'mid', 'target', 'start', 'count', 'out', lines.join('\n')) as ScanFn;
}

export function createJsEngine(): HashEngine {
  const byWord = new Map<number, ScanFn>();
  return {
    name: 'js',
    scan(p: PreparedHeader, start: number, count: number, out: ScanResult): ScanResult {
      let fn = byWord.get(p.nonceWord);
      if (!fn) {
        fn = generate(p.nonceWord);
        byWord.set(p.nonceWord, fn);
      }
      return fn(p.tail, p.midstate, p.target, start, count, out);
    },
  };
}
