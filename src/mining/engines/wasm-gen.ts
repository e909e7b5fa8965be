/**
 * The WebAssembly SIMD scan module, written as bytes by a tiny encoder: no
 * build step and no runtime dependency. One module per position of the nonce
 * word (like js.ts), fully unrolled; four consecutive nonces per batch, one
 * per i32x4 lane.
 *
 * The module imports its memory ("e" "m", one page) and exports
 *   scan(start: i32, batches: i32) -> i32
 * which hashes the nonces start + 4b + lane (mod 2^32) for b = 0 .. batches-1
 * and returns the first b in which some lane's first hash word is <= the
 * target's first word (the 8 hash words of its 4 lanes are then at OUT), or
 * -1. The caller (wasm.ts) does the exact 256-bit compare lane by lane and
 * resumes after that batch if no lane qualifies.
 *
 * Everything that does not depend on the nonce is computed once per header
 * by wasm.ts and stored at fixed offsets, each value splatted to 4 lanes.
 */

/** Memory layout, in bytes. */
export const LAYOUT = {
  /** 64 × v128: K[i] + W[i] for nonce-independent words, K[i] for the others. */
  KW: 0,
  /** 64 × v128: the nonce-independent part of nonce-dependent schedule words (i >= 16). */
  WC: 1024,
  /** 8 × v128: the state after the nonce word's round, a and e without the nonce added. */
  ST: 2048,
  /** v128: b ^ c of that state (Maj reuses a ^ b of the round before). */
  BC: 2176,
  /** 8 × v128: the midstate. */
  MID: 2192,
  /** v128: the target's first word. */
  T0: 2320,
  /** 8 × v128 (not splatted): the hash words of the 4 lanes of a candidate batch. */
  OUT: 2336,
  END: 2464,
} as const;

/** Which of the 64 schedule words depend on the nonce at word `nw`. */
export function nonceDependent(nw: number): boolean[] {
  const dep: boolean[] = [];
  for (let i = 0; i < 64; i++) dep[i] = i < 16 ? i === nw : dep[i - 16]! || dep[i - 15]! || dep[i - 7]! || dep[i - 2]!;
  return dep;
}

function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n = Math.floor(n / 128);
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}

function sleb(n: number): number[] {
  const out: number[] = [];
  n |= 0;
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}

const ascii = (s: string) => [...uleb(s.length), ...Array.from(s, (ch) => ch.charCodeAt(0))];
const section = (id: number, body: number[]) => [id, ...uleb(body.length), ...body];
const vec = (items: number[][]) => [...uleb(items.length), ...items.flat()];

// Opcodes. SIMD ones follow the 0xfd prefix as a LEB128 u32.
const I32 = 0x7f, V128 = 0x7b, VOID = 0x40;
const BLOCK = 0x02, LOOP = 0x03, IF = 0x04, END = 0x0b, BR = 0x0c, BR_IF = 0x0d, RETURN = 0x0f;
const LOCAL_GET = 0x20, LOCAL_SET = 0x21, LOCAL_TEE = 0x22, I32_CONST = 0x41, I32_GE_U = 0x4f, I32_ADD = 0x6a;
const V_LOAD = 0x00, V_STORE = 0x0b, V_CONST = 0x0c, I32X4_SPLAT = 0x11, I32X4_LE_U = 0x3e;
const V_AND = 0x4e, V_OR = 0x50, V_XOR = 0x51, V_BITSELECT = 0x52, V_ANY_TRUE = 0x53;
const I32X4_SHL = 0xab, I32X4_SHR_U = 0xad, I32X4_ADD = 0xae;

// Locals: params start (0) and batches (1); then one i32 and the v128s.
const L_START = 0, L_BATCHES = 1, L_B = 2, L_NONCE = 3, L_STATE = 4, L_T1 = 12, L_X = 13, L_W = 15;
const V128_LOCALS = L_W + 64 - L_NONCE;

/** The scan function's body for a nonce at word `nw` (0..12 for 68..116-byte headers). */
function body(nw: number): number[] {
  const dep = nonceDependent(nw);
  const c: number[] = [];
  const op = (...b: number[]) => void c.push(...b);
  const simd = (o: number, ...imm: number[]) => op(0xfd, ...uleb(o), ...imm);
  const get = (l: number) => op(LOCAL_GET, ...uleb(l));
  const set = (l: number) => op(LOCAL_SET, ...uleb(l));
  const tee = (l: number) => op(LOCAL_TEE, ...uleb(l));
  const i32 = (n: number) => op(I32_CONST, ...sleb(n));
  const load = (off: number) => (i32(0), simd(V_LOAD, 4, ...uleb(off)));
  const vconst = (lanes: number[]) => simd(V_CONST, ...lanes.flatMap((x) => [x & 0xff, (x >>> 8) & 0xff, (x >>> 16) & 0xff, (x >>> 24) & 0xff]));
  const add = () => simd(I32X4_ADD);
  const xor = () => simd(V_XOR);
  const shr = (l: number, n: number) => (get(l), i32(n), simd(I32X4_SHR_U));
  const rotr = (l: number, n: number) => (shr(l, n), get(l), i32(32 - n), simd(I32X4_SHL), simd(V_OR));
  /** rotr(x, r0) ^ rotr(x, r1) ^ (rotr or shr)(x, r2) */
  const sigma = (l: number, r0: number, r1: number, r2: number, lastIsShift: boolean) => {
    rotr(l, r0);
    rotr(l, r1);
    xor();
    if (lastIsShift) shr(l, r2);
    else rotr(l, r2);
    xor();
  };
  const w = (i: number) => (i === nw ? L_NONCE : L_W + i);

  // nonce lanes: start, start + 1, start + 2, start + 3
  get(L_START);
  simd(I32X4_SPLAT);
  vconst([0, 1, 2, 3]);
  add();
  set(L_NONCE);
  op(BLOCK, VOID, LOOP, VOID);
  get(L_B);
  get(L_BATCHES);
  op(I32_GE_U, BR_IF, 1);

  // The state after round nw: a and e are constants plus the nonce, the rest constants.
  const r = [0, 1, 2, 3, 4, 5, 6, 7].map((j) => L_STATE + j);
  for (let j = 0; j < 8; j++) {
    if (j === 0 || j === 4) get(L_NONCE);
    load(LAYOUT.ST + 16 * j);
    if (j === 0 || j === 4) add();
    set(r[j]!);
  }
  let bc = L_X, ab = L_X + 1;
  load(LAYOUT.BC);
  set(bc);

  for (let i = nw + 1; i < 64; i++) {
    if (i >= 16 && dep[i]) {
      load(LAYOUT.WC + 16 * i);
      if (dep[i - 16]) {
        get(w(i - 16));
        add();
      }
      if (dep[i - 15]) {
        sigma(w(i - 15), 7, 18, 3, true);
        add();
      }
      if (dep[i - 7]) {
        get(w(i - 7));
        add();
      }
      if (dep[i - 2]) {
        sigma(w(i - 2), 17, 19, 10, true);
        add();
      }
      set(w(i));
    }
    const [a, b, cc, d, e, f, g, h] = r as [number, number, number, number, number, number, number, number];
    // t1 = h + S1(e) + Ch(e, f, g) + K[i] + W[i]
    get(h);
    sigma(e, 6, 11, 25, false);
    add();
    get(f);
    get(g);
    get(e);
    simd(V_BITSELECT);
    add();
    load(LAYOUT.KW + 16 * i);
    add();
    if (dep[i]) {
      get(w(i));
      add();
    }
    tee(L_T1);
    // e' = d + t1, into d's local
    get(d);
    add();
    set(d);
    // a' = t1 + S0(a) + Maj(a, b, c), into h's local; Maj = b ^ ((a ^ b) & (b ^ c))
    sigma(a, 2, 13, 22, false);
    get(a);
    get(b);
    xor();
    tee(ab);
    get(bc);
    simd(V_AND);
    get(b);
    xor();
    add();
    get(L_T1);
    add();
    set(h);
    r.unshift(r.pop()!);
    [ab, bc] = [bc, ab];
    void cc;
  }

  // Quick reject on the first hash word: does any lane have mid[0] + a <= target[0]?
  load(LAYOUT.MID);
  get(r[0]!);
  add();
  load(LAYOUT.T0);
  simd(I32X4_LE_U);
  simd(V_ANY_TRUE);
  op(IF, VOID);
  for (let j = 0; j < 8; j++) {
    i32(0);
    load(LAYOUT.MID + 16 * j);
    get(r[j]!);
    add();
    simd(V_STORE, 4, ...uleb(LAYOUT.OUT + 16 * j));
  }
  get(L_B);
  op(RETURN, END);
  get(L_NONCE);
  vconst([4, 4, 4, 4]);
  add();
  set(L_NONCE);
  get(L_B);
  i32(1);
  op(I32_ADD);
  set(L_B);
  op(BR, 0, END, END);
  i32(-1);
  op(END);
  return [...vec([[1, I32], [V128_LOCALS, V128]].map(([n, t]) => [...uleb(n!), t!])), ...c];
}

/** The module's bytes for a nonce at word `nw`. */
export function scanModuleBytes(nw: number): Uint8Array {
  if (!Number.isInteger(nw) || nw < 0 || nw > 15) throw new RangeError(`no nonce word ${nw}`);
  const fn = body(nw);
  return Uint8Array.from([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, vec([[0x60, 2, I32, I32, 1, I32]])),
    ...section(2, vec([[...ascii('e'), ...ascii('m'), 0x02, 0x00, 1]])),
    ...section(3, vec([[0]])),
    ...section(7, vec([[...ascii('scan'), 0x00, 0]])),
    ...section(10, vec([[...uleb(fn.length), ...fn]])),
  ]);
}
