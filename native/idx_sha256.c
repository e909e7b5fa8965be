/*
 * idx_sha256: SHA-256 proof-of-work scanning for idxchain, an N-API addon.
 *
 *   const s = addon.createScanner(forcePortable = false);
 *   s.path                                  // "sha-ni" or "portable"
 *   s.prepare(midstate, tail, nonceWord, target)   // once per job (Uint32Arrays)
 *   s.scan(start, count)                    // -> first nonce whose hash <= target, or -1
 *
 * The job (midstate of the first 64 header bytes, the padded final block with
 * the nonce word zeroed, the nonce word index 0..15 and the 256-bit target, all
 * as big-endian words) is copied into the scanner once, with everything that
 * does not depend on the nonce precomputed; a scan call then passes two numbers.
 * Nonces run start, start+1, ... modulo 2^32; the hashes done are
 * ((found - start) mod 2^32) + 1 when found, else count.
 *
 * Paths: "sha-ni" uses the x86 SHA extensions (checked with CPUID at load),
 * scanning two nonces at once (two independent dependency chains keep the
 * SHA units busy), specialised by the nonce's 4-word group and half so the
 * rounds before the nonce run once per job. "portable" is plain C for CPUs
 * without the extensions (exported so that it can be tested everywhere).
 * addon.path says what this CPU gets by default.
 */
#include <stdint.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#include <immintrin.h>
#define IDX_X86 1
#endif

static const uint32_t K[64] __attribute__((aligned(16))) = {
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

typedef struct {
#ifdef IDX_X86
  __m128i mid0, mid1;  /* midstate as ABEF, CDGH */
  __m128i pre0, pre1;  /* state before the nonce's first rnds2 (pre1 = ABEF after a precomputed half group) */
  __m128i wbase[4];    /* the first 16 message words, nonce lane zero */
  __m128i mask;        /* all ones in the nonce's lane */
#endif
  uint32_t mid[8], tail[16], target[8];
  uint32_t pstate[8];  /* portable: state after the rounds before the nonce word */
  unsigned nw;
  int prepared;
  int use_ni;
  int refs;
} scanner_t;

static int cpu_sha_ni = 0;

static int has_sha_ni(void) {
#ifdef IDX_X86
  unsigned a, b, c, d;
  if (!__get_cpuid(1, &a, &b, &c, &d)) return 0;
  int sse41 = (c >> 19) & 1, ssse3 = (c >> 9) & 1;
  if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return 0;
  return sse41 && ssse3 && ((b >> 29) & 1);
#else
  return 0;
#endif
}

static int meets_target(const uint32_t h[8], const uint32_t t[8]) {
  for (int i = 0; i < 8; i++) {
    if (h[i] < t[i]) return 1;
    if (h[i] > t[i]) return 0;
  }
  return 1;
}

/* ---------------------------------------------------------------- portable */

#define ROTR(x, n) (((x) >> (n)) | ((x) << (32 - (n))))

static void portable_prepare(scanner_t *s) {
  uint32_t a = s->mid[0], b = s->mid[1], c = s->mid[2], d = s->mid[3], e = s->mid[4], f = s->mid[5], g = s->mid[6], h = s->mid[7];
  for (unsigned i = 0; i < s->nw; i++) {
    uint32_t t1 = h + (ROTR(e, 6) ^ ROTR(e, 11) ^ ROTR(e, 25)) + ((e & f) ^ (~e & g)) + K[i] + s->tail[i];
    uint32_t t2 = (ROTR(a, 2) ^ ROTR(a, 13) ^ ROTR(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
    h = g; g = f; f = e; e = d + t1; d = c; c = b; b = a; a = t1 + t2;
  }
  s->pstate[0] = a; s->pstate[1] = b; s->pstate[2] = c; s->pstate[3] = d;
  s->pstate[4] = e; s->pstate[5] = f; s->pstate[6] = g; s->pstate[7] = h;
}

static int64_t portable_scan(const scanner_t *s, uint32_t start, uint64_t count) {
  uint32_t w[64];
  memcpy(w, s->tail, sizeof s->tail);
  const unsigned nw = s->nw;
  uint32_t nonce = start;
  for (uint64_t n = 0; n < count; n++, nonce++) {
    w[nw] = nonce;
    for (int i = 16; i < 64; i++) {
      uint32_t x = w[i - 15], y = w[i - 2];
      w[i] = w[i - 16] + (ROTR(x, 7) ^ ROTR(x, 18) ^ (x >> 3)) + w[i - 7] + (ROTR(y, 17) ^ ROTR(y, 19) ^ (y >> 10));
    }
    uint32_t a = s->pstate[0], b = s->pstate[1], c = s->pstate[2], d = s->pstate[3];
    uint32_t e = s->pstate[4], f = s->pstate[5], g = s->pstate[6], h = s->pstate[7];
    for (unsigned i = nw; i < 64; i++) {
      uint32_t t1 = h + (ROTR(e, 6) ^ ROTR(e, 11) ^ ROTR(e, 25)) + ((e & f) ^ (~e & g)) + K[i] + w[i];
      uint32_t t2 = (ROTR(a, 2) ^ ROTR(a, 13) ^ ROTR(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
      h = g; g = f; f = e; e = d + t1; d = c; c = b; b = a; a = t1 + t2;
    }
    if (s->mid[0] + a > s->target[0]) continue;
    uint32_t hv[8] = {s->mid[0] + a, s->mid[1] + b, s->mid[2] + c, s->mid[3] + d,
                      s->mid[4] + e, s->mid[5] + f, s->mid[6] + g, s->mid[7] + h};
    if (meets_target(hv, s->target)) return (int64_t)nonce;
  }
  return -1;
}

/* ------------------------------------------------------------------ SHA-NI */

#ifdef IDX_X86
#define NI_TARGET __attribute__((target("sha,sse4.1,ssse3")))

NI_TARGET static void ni_prepare(scanner_t *s) {
  __m128i tmp = _mm_loadu_si128((const __m128i *)&s->mid[0]);
  __m128i st1 = _mm_loadu_si128((const __m128i *)&s->mid[4]);
  tmp = _mm_shuffle_epi32(tmp, 0xB1);
  st1 = _mm_shuffle_epi32(st1, 0x1B);
  __m128i st0 = _mm_alignr_epi8(tmp, st1, 8); /* ABEF */
  st1 = _mm_blend_epi16(st1, tmp, 0xF0);      /* CDGH */
  s->mid0 = st0;
  s->mid1 = st1;
  for (int k = 0; k < 4; k++) s->wbase[k] = _mm_loadu_si128((const __m128i *)&s->tail[4 * k]);
  uint32_t m[4] = {0, 0, 0, 0};
  m[s->nw % 4] = 0xffffffffu;
  s->mask = _mm_loadu_si128((const __m128i *)m);
  const unsigned group = s->nw / 4;
  for (unsigned k = 0; k < group; k++) {
    __m128i x = _mm_add_epi32(s->wbase[k], _mm_load_si128((const __m128i *)&K[4 * k]));
    st1 = _mm_sha256rnds2_epu32(st1, st0, x);
    x = _mm_shuffle_epi32(x, 0x0E);
    st0 = _mm_sha256rnds2_epu32(st0, st1, x);
  }
  if (s->nw % 4 >= 2) {
    /* The first two words of the nonce's group do not depend on it either. */
    __m128i x = _mm_add_epi32(s->wbase[group], _mm_load_si128((const __m128i *)&K[4 * group]));
    st1 = _mm_sha256rnds2_epu32(st1, st0, x);
  }
  s->pre0 = st0;
  s->pre1 = st1;
}

/* Full comparison of one candidate (rare: only when the first hash word passes). */
NI_TARGET static int ni_meets(const scanner_t *s, __m128i st0, __m128i st1) {
  st0 = _mm_add_epi32(st0, s->mid0);
  st1 = _mm_add_epi32(st1, s->mid1);
  __m128i a = _mm_shuffle_epi32(st0, 0x1B); /* FEBA */
  __m128i b = _mm_shuffle_epi32(st1, 0xB1); /* DCHG */
  uint32_t h[8];
  _mm_storeu_si128((__m128i *)&h[0], _mm_blend_epi16(a, b, 0xF0)); /* ABCD */
  _mm_storeu_si128((__m128i *)&h[4], _mm_alignr_epi8(b, a, 8));    /* EFGH */
  return meets_target(h, s->target);
}

#define SCHED(w, k) do { \
    __m128i x_ = _mm_sha256msg1_epu32(w[(k) - 4], w[(k) - 3]); \
    x_ = _mm_add_epi32(x_, _mm_alignr_epi8(w[(k) - 1], w[(k) - 2], 4)); \
    w[k] = _mm_sha256msg2_epu32(x_, w[(k) - 1]); \
  } while (0)

#define ROUNDS4(w, k, s0, s1) do { \
    __m128i m_ = _mm_add_epi32(w[k], _mm_load_si128((const __m128i *)&K[4 * (k)])); \
    s1 = _mm_sha256rnds2_epu32(s1, s0, m_); \
    m_ = _mm_shuffle_epi32(m_, 0x0E); \
    s0 = _mm_sha256rnds2_epu32(s0, s1, m_); \
  } while (0)

#define ROUNDS2_HI(w, k, s0, s1) do { \
    __m128i m_ = _mm_add_epi32(w[k], _mm_load_si128((const __m128i *)&K[4 * (k)])); \
    m_ = _mm_shuffle_epi32(m_, 0x0E); \
    s0 = _mm_sha256rnds2_epu32(s0, s1, m_); \
  } while (0)

/*
 * IDX_WAYS nonces per iteration (independent dependency chains keep the SHA
 * unit busy), G = the nonce's word group, HI = the nonce is in the group's
 * second half. Inlined with constants, so the compiler unrolls the 16 - G
 * groups and drops the branches.
 */
#ifndef IDX_WAYS
#define IDX_WAYS 2
#endif
__attribute__((always_inline, target("sha,sse4.1,ssse3"))) static inline int64_t
ni_scan_g(const scanner_t *s, const int G, const int HI, uint32_t start, uint64_t count) {
  const __m128i pre0 = s->pre0, pre1 = s->pre1, mask = s->mask;
  const __m128i base = s->wbase[G];
  const uint32_t t0 = s->target[0];
  const uint32_t m0 = (uint32_t)_mm_extract_epi32(s->mid0, 3); /* A of the midstate */
  uint32_t nonce = start;
  for (uint64_t n = 0; n < count; n += IDX_WAYS, nonce += IDX_WAYS) {
    __m128i w[IDX_WAYS][16], st0[IDX_WAYS], st1[IDX_WAYS];
#pragma GCC unroll 8
    for (int j = 0; j < IDX_WAYS; j++) {
      for (int k = 0; k < 4; k++) w[j][k] = s->wbase[k];
      w[j][G] = _mm_or_si128(base, _mm_and_si128(_mm_set1_epi32((int)(nonce + j)), mask));
      st0[j] = pre0;
      st1[j] = pre1;
    }
#pragma GCC unroll 16
    for (int k = G; k < 16; k++) {
      if (k >= 4) {
#pragma GCC unroll 8
        for (int j = 0; j < IDX_WAYS; j++) SCHED(w[j], k);
      }
      if (HI && k == G) {
#pragma GCC unroll 8
        for (int j = 0; j < IDX_WAYS; j++) ROUNDS2_HI(w[j], k, st0[j], st1[j]);
      } else {
#pragma GCC unroll 8
        for (int j = 0; j < IDX_WAYS; j++) ROUNDS4(w[j], k, st0[j], st1[j]);
      }
    }
    /* ABEF: A (the first hash word) is lane 3. */
    uint32_t h[IDX_WAYS];
    int any = 0;
#pragma GCC unroll 8
    for (int j = 0; j < IDX_WAYS; j++) {
      h[j] = m0 + (uint32_t)_mm_extract_epi32(st0[j], 3);
      any |= h[j] <= t0;
    }
    if (__builtin_expect(any, 0)) {
      for (int j = 0; j < IDX_WAYS && n + j < count; j++)
        if (h[j] <= t0 && ni_meets(s, st0[j], st1[j])) return (int64_t)(uint32_t)(nonce + j);
    }
  }
  return -1;
}

#define NI_VARIANT(G, HI) \
  NI_TARGET static int64_t ni_scan_##G##_##HI(const scanner_t *s, uint32_t start, uint64_t count) { \
    return ni_scan_g(s, G, HI, start, count); \
  }
NI_VARIANT(0, 0) NI_VARIANT(0, 1) NI_VARIANT(1, 0) NI_VARIANT(1, 1)
NI_VARIANT(2, 0) NI_VARIANT(2, 1) NI_VARIANT(3, 0) NI_VARIANT(3, 1)

typedef int64_t (*ni_fn)(const scanner_t *, uint32_t, uint64_t);
static const ni_fn NI_SCAN[8] = {ni_scan_0_0, ni_scan_0_1, ni_scan_1_0, ni_scan_1_1,
                                 ni_scan_2_0, ni_scan_2_1, ni_scan_3_0, ni_scan_3_1};
#endif

static void scanner_prepare(scanner_t *s) {
#ifdef IDX_X86
  if (s->use_ni) {
    ni_prepare(s);
    return;
  }
#endif
  portable_prepare(s);
}

static int64_t scanner_scan(const scanner_t *s, uint32_t start, uint64_t count) {
#ifdef IDX_X86
  /* Nonce words 0..15 are accepted; the 108-byte header's is word 10 (group 2, second half). */
  if (s->use_ni && s->nw < 16) return NI_SCAN[(s->nw / 4) * 2 + (s->nw % 4 >= 2)](s, start, count);
#endif
  return portable_scan(s, start, count);
}

/* --------------------------------------------------------------------- N-API */

/* IDX_SHA256_NO_NAPI: the scanning code alone (a C benchmark harness includes this file). */
#ifndef IDX_SHA256_NO_NAPI
#include <node_api.h>

static uint32_t *u32_arg(napi_env env, napi_value v, size_t want) {
  napi_typedarray_type type;
  size_t length;
  void *data;
  if (napi_get_typedarray_info(env, v, &type, &length, &data, NULL, NULL) != napi_ok) return NULL;
  if (type != napi_uint32_array || length < want) return NULL;
  return (uint32_t *)data;
}

static napi_value Prepare(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  void *data;
  napi_get_cb_info(env, info, &argc, argv, NULL, &data);
  scanner_t *s = (scanner_t *)data;
  uint32_t nw;
  uint32_t *mid = argc >= 4 ? u32_arg(env, argv[0], 8) : NULL;
  uint32_t *tail = argc >= 4 ? u32_arg(env, argv[1], 16) : NULL;
  uint32_t *target = argc >= 4 ? u32_arg(env, argv[3], 8) : NULL;
  if (!mid || !tail || !target || napi_get_value_uint32(env, argv[2], &nw) != napi_ok || nw > 15) {
    napi_throw_type_error(env, NULL, "prepare(midstate: Uint32Array(8), tail: Uint32Array(16), nonceWord: 0..15, target: Uint32Array(8))");
    return NULL;
  }
  memcpy(s->mid, mid, sizeof s->mid);
  memcpy(s->tail, tail, sizeof s->tail);
  memcpy(s->target, target, sizeof s->target);
  s->tail[nw] = 0;
  s->nw = nw;
  scanner_prepare(s);
  s->prepared = 1;
  return NULL;
}

static napi_value Scan(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  void *data;
  napi_get_cb_info(env, info, &argc, argv, NULL, &data);
  const scanner_t *s = (const scanner_t *)data;
  uint32_t start;
  double count;
  if (argc < 2 || napi_get_value_uint32(env, argv[0], &start) != napi_ok || napi_get_value_double(env, argv[1], &count) != napi_ok ||
      !(count >= 0 && count <= 4294967296.0)) {
    napi_throw_type_error(env, NULL, "scan(start: u32, count: 0..2^32)");
    return NULL;
  }
  if (!s->prepared) {
    napi_throw_error(env, NULL, "scan() before prepare()");
    return NULL;
  }
  int64_t found = scanner_scan(s, start, (uint64_t)count);
  napi_value out;
  napi_create_double(env, (double)found, &out);
  return out;
}

static void release(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  scanner_t *s = (scanner_t *)data;
  if (--s->refs == 0) free(s);
}

static napi_value CreateScanner(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  bool portable = false;
  if (argc >= 1) napi_get_value_bool(env, argv[0], &portable);
  scanner_t *s = NULL;
  if (posix_memalign((void **)&s, 64, sizeof *s) != 0 || !s) {
    napi_throw_error(env, NULL, "out of memory");
    return NULL;
  }
  memset(s, 0, sizeof *s);
  s->use_ni = cpu_sha_ni && !portable;
  s->refs = 2;
  napi_value obj, prep, scan, path;
  napi_create_object(env, &obj);
  napi_create_function(env, "prepare", NAPI_AUTO_LENGTH, Prepare, s, &prep);
  napi_create_function(env, "scan", NAPI_AUTO_LENGTH, Scan, s, &scan);
  napi_add_finalizer(env, prep, s, release, NULL, NULL);
  napi_add_finalizer(env, scan, s, release, NULL, NULL);
  napi_create_string_utf8(env, s->use_ni ? "sha-ni" : "portable", NAPI_AUTO_LENGTH, &path);
  napi_set_named_property(env, obj, "prepare", prep);
  napi_set_named_property(env, obj, "scan", scan);
  napi_set_named_property(env, obj, "path", path);
  return obj;
}

static napi_value Init(napi_env env, napi_value exports) {
  cpu_sha_ni = has_sha_ni();
  napi_value fn, path;
  napi_create_function(env, "createScanner", NAPI_AUTO_LENGTH, CreateScanner, NULL, &fn);
  napi_set_named_property(env, exports, "createScanner", fn);
  napi_create_string_utf8(env, cpu_sha_ni ? "sha-ni" : "portable", NAPI_AUTO_LENGTH, &path);
  napi_set_named_property(env, exports, "path", path);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
#endif
