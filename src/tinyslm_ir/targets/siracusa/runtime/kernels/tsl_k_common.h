/* tinyslm-ir kernel library: element types, work split and the strided N-D iterator.
 *
 * Every kernel is a template macro instantiated per element-type code (i8 u8 i16 u16 i32 u32
 * i64 u64 f32 f64 b1); `tsl_t_<code>` is the C storage type of a code (b1 = one byte, 0/1).
 * Kernels split their outermost useful loop over tsl_team_size() cores by tsl_core_id(); they
 * are correct for any team size, including 1 outside a fork. Integer arithmetic that may wrap
 * is done in unsigned types (two's complement, no signed-overflow UB); conversions to narrower
 * signed types rely on GCC's documented modulo behaviour.
 */
#ifndef TSL_K_COMMON_H
#define TSL_K_COMMON_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>

#include "tsl_rt.h"

typedef int8_t tsl_t_i8;
typedef uint8_t tsl_t_u8;
typedef int16_t tsl_t_i16;
typedef uint16_t tsl_t_u16;
typedef int32_t tsl_t_i32;
typedef uint32_t tsl_t_u32;
typedef int64_t tsl_t_i64;
typedef uint64_t tsl_t_u64;
typedef float tsl_t_f32;
typedef double tsl_t_f64;
typedef uint8_t tsl_t_b1;

/* Conversion of a computed value to a result code: plain C conversion (wrapping for
 * integers, truncation toward zero for float -> int), except that bool is `v != 0`. */
#define TSL_CVT_i8(v) ((tsl_t_i8)(v))
#define TSL_CVT_u8(v) ((tsl_t_u8)(v))
#define TSL_CVT_i16(v) ((tsl_t_i16)(v))
#define TSL_CVT_u16(v) ((tsl_t_u16)(v))
#define TSL_CVT_i32(v) ((tsl_t_i32)(v))
#define TSL_CVT_u32(v) ((tsl_t_u32)(v))
#define TSL_CVT_i64(v) ((tsl_t_i64)(v))
#define TSL_CVT_u64(v) ((tsl_t_u64)(v))
#define TSL_CVT_f32(v) ((tsl_t_f32)(v))
#define TSL_CVT_f64(v) ((tsl_t_f64)(v))
#define TSL_CVT_b1(v) ((tsl_t_b1)((v) != 0))

/* libm function of a float code: expf for f32, exp for f64. */
#define TSL_MF_f32(fn) fn##f
#define TSL_MF_f64(fn) fn

#define TSL_MAX_RANK 6

/* Core `core`'s share [*lo, *hi) of `total` items over `team` cores, in chunks that are
 * multiples of `align`. */
static inline void tsl_split_of(int32_t team, int32_t core, int32_t total, int32_t align,
                                int32_t *lo, int32_t *hi) {
  int32_t units = (total + align - 1) / align;
  int32_t per = (units + team - 1) / team;
  int32_t a = core * per * align, b = a + per * align;
  *lo = a < total ? a : total;
  *hi = b < total ? b : total;
}

/* This core's share [*lo, *hi) of `total` items, in chunks that are multiples of `align`. */
static inline void tsl_split(int32_t total, int32_t align, int32_t *lo, int32_t *hi) {
  tsl_split_of((int32_t)tsl_team_size(), (int32_t)tsl_core_id(), total, align, lo, hi);
}

/* Make GCC forget what it knows of int32 `v` (an empty asm: no code). After a clip to a
 * narrow range with constant bounds GCC re-sign-extends the merged value before a byte or
 * halfword store, two instructions per output that the store discards. */
#define TSL_OPAQUE(v) __asm__("" : "+r"(v))

/* clip(v, lo, hi) for lo <= hi: one unsigned compare (and its branch) for the in-range v
 * that nearly every output is; the result is opaque to GCC (TSL_OPAQUE) so that its
 * narrowing store is not preceded by a sign extension. */
static inline int32_t tsl_clip32(int32_t v, int32_t lo, int32_t hi) {
  if (__builtin_expect((uint32_t)v - (uint32_t)lo > (uint32_t)hi - (uint32_t)lo, 0))
    v = v < lo ? lo : hi;
  TSL_OPAQUE(v);
  return v;
}

/* floor(a / b) for b > 0 (C division truncates). */
static inline int64_t tsl_floordiv64(int64_t a, int64_t b) {
  int64_t q = a / b;
  return (a % b != 0 && a < 0) ? q - 1 : q;
}

/* Mean of a sum s over n items: rhu(s / n) = floor((2s + n) / 2n) on integers (accumulator
 * code i64; IntegerMean, spec §7.6), plain division on floats. */
#define TSL_AVG_i64(s, n) tsl_floordiv64(2 * (s) + (n), 2 * (int64_t)(n))
#define TSL_AVG_f32(s, n) ((s) / (float)(n))
#define TSL_AVG_f64(s, n) ((s) / (double)(n))

/* Arithmetic shift right floor(a / 2^s) for any s >= 0 (shifts past 63 give 0 or -1). */
static inline int64_t tsl_shr64(int64_t a, int64_t s) { return a >> (s < 63 ? s : 63); }

/* Exact floor(sqrt(v)) of a non-negative integer (bitwise method, no floats), in 64 bits
 * and, for v < 2^32, in 32 bits: half the iterations, and no 64-bit arithmetic on RV32. */
#define TSL_DEFINE_ISQRT(name, T, top)                                                         \
  static inline T name(T v) {                                                                  \
    T r = 0, bit = (T)1 << (top);                                                              \
    while (bit > v) bit >>= 2;                                                                 \
    while (bit) {                                                                              \
      if (v >= r + bit) {                                                                      \
        v -= r + bit;                                                                          \
        r = (r >> 1) + bit;                                                                    \
      } else {                                                                                 \
        r >>= 1;                                                                               \
      }                                                                                        \
      bit >>= 2;                                                                               \
    }                                                                                          \
    return r;                                                                                  \
  }
TSL_DEFINE_ISQRT(tsl_isqrt64, uint64_t, 62)
TSL_DEFINE_ISQRT(tsl_isqrt32, uint32_t, 30)

/* Strided N-D iterator over a flat index range [lo, hi) of a row-major `shape`, for up to four
 * operands with their own element strides (0 = broadcast). tsl_iter_run returns the length of
 * the next run along the innermost axis (0 when done), with `off[k]` the element offset of
 * operand k and `pos` the flat index at the run's start. Divisions happen only in
 * tsl_iter_init; moving to the next row is a carry over the outer indices. */
typedef struct {
  int32_t rank, nops, pos, hi, next_pos;
  const int32_t *shape;
  const int32_t *str[4];
  int32_t idx[TSL_MAX_RANK];
  int32_t off[4];
} tsl_iter_t;

static inline void tsl_iter_offsets(tsl_iter_t *it) {
  for (int32_t k = 0; k < it->nops; k++) {
    int32_t o = 0;
    for (int32_t d = 0; d < it->rank; d++) o += it->idx[d] * it->str[k][d];
    it->off[k] = o;
  }
}

static inline void tsl_iter_init(tsl_iter_t *it, int32_t rank, const int32_t *shape,
                                 int32_t nops, const int32_t *const *strides, int32_t lo,
                                 int32_t hi) {
  it->rank = rank;
  it->nops = nops;
  it->shape = shape;
  it->next_pos = lo;
  it->hi = hi;
  for (int32_t k = 0; k < nops; k++) it->str[k] = strides[k];
  int32_t flat = lo < hi ? lo : 0;
  for (int32_t d = 0; d < rank && lo >= hi; d++) it->idx[d] = 0;
  for (int32_t d = rank - 1; d >= 0 && lo < hi; d--) {
    it->idx[d] = flat ? flat % shape[d] : 0; /* no division when starting at 0 */
    flat = flat ? flat / shape[d] : 0;
  }
  tsl_iter_offsets(it);
}

static inline int32_t tsl_iter_run(tsl_iter_t *it) {
  if (it->next_pos >= it->hi) return 0;
  int32_t last = it->rank - 1;
  int32_t n = it->shape[last] - it->idx[last];
  if (n > it->hi - it->next_pos) n = it->hi - it->next_pos;
  it->pos = it->next_pos;
  return n;
}

/* Advance past the run of length n returned by tsl_iter_run. */
static inline void tsl_iter_next(tsl_iter_t *it, int32_t n) {
  int32_t last = it->rank - 1;
  it->next_pos = it->pos + n;
  it->idx[last] += n;
  if (it->idx[last] < it->shape[last]) {
    for (int32_t k = 0; k < it->nops; k++) it->off[k] += n * it->str[k][last];
    return;
  }
  int32_t d = last;
  it->idx[d] = 0;
  while (d > 0) {
    d--;
    if (++it->idx[d] < it->shape[d]) break;
    it->idx[d] = 0;
  }
  tsl_iter_offsets(it);
}

/* The innermost stride of operand k. */
#define TSL_ITER_STEP(it, k) ((it).str[k][(it).rank - 1])

/* Loop over the runs of an iterator: `for (TSL_ITER_RUNS(it, n)) { ... }`. */
#define TSL_ITER_RUNS(it, n) int32_t n; ((n) = tsl_iter_run(&(it))) > 0; tsl_iter_next(&(it), (n))

/* The element loop of a two-operand broadcasting kernel over this core's share of the output:
 * `body` runs once per element k of each contiguous run, with `pa`/`pb` pointing at the two
 * operands' elements and `po[k]` the output (strides in elements; 0 broadcasts). */
#define TSL_BROADCAST2_LOOP(ta, tb, tr, a, b, out, rank, shape, sa, sb, ...)                 \
  do {                                                                                       \
    int32_t lo_, hi_;                                                                        \
    tsl_split(tsl_numel(rank, shape), 1, &lo_, &hi_);                                        \
    const int32_t *str_[2] = {sa, sb};                                                       \
    tsl_iter_t it;                                                                           \
    tsl_iter_init(&it, rank, shape, 2, str_, lo_, hi_);                                      \
    const int32_t da = TSL_ITER_STEP(it, 0), db = TSL_ITER_STEP(it, 1);                      \
    for (TSL_ITER_RUNS(it, n)) {                                                             \
      const tsl_t_##ta *pa = (a) + it.off[0];                                                \
      const tsl_t_##tb *pb = (b) + it.off[1];                                                \
      tsl_t_##tr *po = (out) + it.pos;                                                       \
      for (int32_t k = 0; k < n; k++, pa += da, pb += db) {                                  \
        __VA_ARGS__                                                                          \
      }                                                                                      \
    }                                                                                        \
  } while (0)

#endif /* TSL_K_COMMON_H */
