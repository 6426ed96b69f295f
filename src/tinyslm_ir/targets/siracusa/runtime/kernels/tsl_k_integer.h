/* The QuantLib/Deeploy integer operators, bit-exact with shared/specs/quantlib-integer-ops.md
 * (and the reference `integer_ops`): RequantShift §1, iSoftmax §2, iRMSNorm §3, iHardswish §4,
 * iNoNorm §7.1, iLayerNorm §7.2, iGELU §7.3, ITAMax §7.4, ITAPartialMax §7.5, IntegerDiv §7.7.
 * (TrueIntegerDiv §5 is tsl_mulconst in tsl_k_eltwise.h.) Exact values are computed in int64
 * (or in the i32 `tc` the lowering proves sufficient); where the spec holds a value in unsigned
 * 32 bits (iSoftmax, ITAMax, ITAPartialMax) it is a uint32_t here too. Results are clipped to
 * their level range where the spec says so, else wrapped to the result type.
 * Row ops (last axis, length L) split rows over the team; element-wise ones the flat range.
 */
#ifndef TSL_K_INTEGER_H
#define TSL_K_INTEGER_H

#include "tsl_k_common.h"
#include "tsl_k_eltwise.h"

static inline int64_t tsl_clip64(int64_t v, int32_t lo, int32_t hi) {
  return v < lo ? lo : (v > hi ? hi : v);
}

/* trunc(p / s) for s > 0, in 32 bits when p fits (a 64-bit division is a libcall on RV32). */
static inline int64_t tsl_tdiv_small(int64_t p, int64_t s) {
  if (p >= INT32_MIN && p <= INT32_MAX && s <= INT32_MAX) return (int32_t)p / (int32_t)s;
  return p / s;
}

/* For a requantization v = x*m + d (d including the rounding half) with scalar m and d:
 * the window x + off < span (unsigned) of the x for which int32 holds v exactly; span = 0
 * when none is. An int64 multiply-add, shift and compare is some twenty instructions on RV32,
 * its int32 form five, and real operands are far below the types' bounds, so kernels whose
 * types need int64 take int32 element by element. The division is 32-bit: once per call. */
static inline void tsl_rq_window(int64_t m, int64_t d, uint32_t *off, uint32_t *span) {
  const int64_t room = INT32_MAX - (d < 0 ? -d : d);
  const uint64_t am = (uint64_t)(m < 0 ? -m : m);
  uint32_t lim = am == 0 ? INT32_MAX : am > (uint64_t)room ? 0 : (uint32_t)room / (uint32_t)am;
  *off = room < 0 ? 0 : lim;
  *span = room < 0 ? 0 : 2 * lim + 1;
}

/* clip(v, lo, hi) of an int64 v: the int32 clip once the high word shows that v fits int32,
 * two instructions instead of a 64-bit compare against each bound. */
static inline int32_t tsl_clip64_32(int64_t v, int32_t lo, int32_t hi) {
  int32_t l = (int32_t)v;
  if (__builtin_expect((int32_t)(v >> 32) != l >> 31, 0)) l = v < 0 ? lo : hi;
  return tsl_clip32(l, lo, hi);
}

/* tsl_requant__<tx>_<tm>_<ta>_<tr>_<tc>(x, mul, add, out, rank, shape[], sx[], sm[], sa[],
 *                                      div, shift, lo, hi)
 * out = clip(floor((x*mul + add + div/2) / div), lo, hi); `shift` = log2(div) when div is a
 * power of two, else -1. tc (i32 or i64) holds x*mul + add + div/2 exactly (the lowering's bound
 * from the operand types). mul/add broadcast through their strides (scalar, numpy broadcast
 * or per channel along axis 1, resolved by the lowering). With scalar mul and add and signed
 * x of at most 32 bits, an int64 tc still takes int32 where tsl_rq_window allows. */
#define TSL_DEFINE_REQUANT(tx, tm, ta, tr, tc)                                                 \
  static void tsl_requant__##tx##_##tm##_##ta##_##tr##_##tc(                                   \
      const tsl_t_##tx *x, const tsl_t_##tm *mul, const tsl_t_##ta *add, tsl_t_##tr *out,     \
      int32_t rank, const int32_t *shape, const int32_t *sx, const int32_t *sm,               \
      const int32_t *sa, tsl_t_##tc div, int32_t shift, int32_t lo, int32_t hi) {              \
    int32_t a, b;                                                                              \
    tsl_split(tsl_numel(rank, shape), 1, &a, &b);                                              \
    const int32_t *str[3] = {sx, sm, sa};                                                      \
    tsl_iter_t it;                                                                             \
    tsl_iter_init(&it, rank, shape, 3, str, a, b);                                             \
    const int32_t dx = TSL_ITER_STEP(it, 0), dm = TSL_ITER_STEP(it, 1);                        \
    const int32_t da = TSL_ITER_STEP(it, 2);                                                   \
    const tsl_t_##tc half = div / 2;                                                           \
    int32_t scalar = sizeof(tsl_t_##tx) <= 4 && (tsl_t_##tx)-1 < 0;                            \
    for (int32_t d = 0; d < rank; d++) scalar &= sm[d] == 0 && sa[d] == 0;                     \
    uint32_t off = 0, span = 0;                                                                \
    if (scalar) tsl_rq_window((int64_t)*mul, (int64_t)*add + (int64_t)half, &off, &span);     \
    const int32_t m32 = (int32_t)*mul, d32 = (int32_t)((int64_t)*add + (int64_t)half);       \
    for (TSL_ITER_RUNS(it, n)) {                                                               \
      const tsl_t_##tx *px = x + it.off[0];                                                    \
      const tsl_t_##tm *pm = mul + it.off[1];                                                  \
      const tsl_t_##ta *pa = add + it.off[2];                                                  \
      tsl_t_##tr *po = out + it.pos;                                                           \
      if (shift >= 0) {                                                                        \
        for (int32_t k = 0; k < n; k++, px += dx, pm += dm, pa += da) {                        \
          if (sizeof(tsl_t_##tc) > 4 &&                                                        \
              __builtin_expect((uint32_t)(int32_t)*px + off < span, 1)) {                      \
            /* clipped in int32 too, not as the int64 it would be converted to */             \
            int32_t v = ((int32_t)*px * m32 + d32) >> shift;                                   \
            po[k] = (tsl_t_##tr)tsl_clip32(v, lo, hi);                                         \
            continue;                                                                          \
          }                                                                                    \
          tsl_t_##tc v = ((tsl_t_##tc)*px * (tsl_t_##tc)*pm + (tsl_t_##tc)*pa + half) >> shift; \
          v = v < lo ? lo : v;                                                                 \
          po[k] = (tsl_t_##tr)(v > hi ? hi : v);                                               \
        }                                                                                      \
      } else {                                                                                 \
        for (int32_t k = 0; k < n; k++, px += dx, pm += dm, pa += da) {                        \
          int64_t acc = (int64_t)*px * (int64_t)*pm + (int64_t)*pa + half;                     \
          po[k] = (tsl_t_##tr)tsl_clip64(tsl_floordiv64(acc, div), lo, hi);                    \
        }                                                                                      \
      }                                                                                        \
    }                                                                                          \
  }

/* tsl_add_rq__<ta>_<tsa>_<tb>_<tsb>_<tm>_<td>_<tr>(a, sa, b, sb, mul, add, out, n, shift,
 *                                                  lo, hi)
 * graph.add_rq: s = a*sa + b*sb in int32, wrapping as the unfused int32 Mul and Add do, then
 * out = clip((s*mul + add + 2^shift/2) >> shift, lo, hi) in int64; sa, sb, mul, add are
 * scalars, a, b and out n contiguous elements. */
#define TSL_DEFINE_ADD_RQ(ta, tsa, tb, tsb, tm, td, tr)                                        \
  static void tsl_add_rq__##ta##_##tsa##_##tb##_##tsb##_##tm##_##td##_##tr(                     \
      const tsl_t_##ta *a, const tsl_t_##tsa *sa, const tsl_t_##tb *b, const tsl_t_##tsb *sb,  \
      const tsl_t_##tm *mul, const tsl_t_##td *add, tsl_t_##tr *out, int32_t n, int32_t shift, \
      int32_t lo, int32_t hi) {                                                                \
    int32_t i, end;                                                                            \
    tsl_split(n, 4, &i, &end);                                                                 \
    const uint32_t fa = (uint32_t)(int64_t)*sa, fb = (uint32_t)(int64_t)*sb;                   \
    const int64_t m = (int64_t)*mul;                                                           \
    const int64_t d = (int64_t)*add + (shift > 0 ? (int64_t)1 << (shift - 1) : 0);            \
    for (; i < end; i++) {                                                                     \
      int32_t s = (int32_t)((uint32_t)(int64_t)a[i] * fa + (uint32_t)(int64_t)b[i] * fb);      \
      out[i] = (tsl_t_##tr)tsl_clip64_32(((int64_t)s * m + d) >> shift, lo, hi);               \
    }                                                                                          \
  }

/* tsl_mul_rq__<ta>_<tb>_<tm>_<td>_<tr>_<tc>(a, b, mul, add, out, n, shift, lo, hi)
 * graph.mul_rq: p = a*b in int32 (wrapping as the unfused int32 Mul does), then
 * out = clip((p*mul + add + 2^shift/2) >> shift, lo, hi) in tc, which the lowering proved
 * holds it; mul and add are scalars, a, b and out n contiguous elements. */
#define TSL_DEFINE_MUL_RQ(ta, tb, tm, td, tr, tc)                                              \
  static void tsl_mul_rq__##ta##_##tb##_##tm##_##td##_##tr##_##tc(                              \
      const tsl_t_##ta *a, const tsl_t_##tb *b, const tsl_t_##tm *mul, const tsl_t_##td *add,  \
      tsl_t_##tr *out, int32_t n, int32_t shift, int32_t lo, int32_t hi) {                     \
    int32_t i, end;                                                                            \
    tsl_split(n, 4, &i, &end);                                                                 \
    const tsl_t_##tc m = (tsl_t_##tc)*mul;                                                     \
    const tsl_t_##tc d = (tsl_t_##tc)*add + (shift > 0 ? (tsl_t_##tc)1 << (shift - 1) : 0);    \
    for (; i < end; i++) {                                                                     \
      int32_t p = (int32_t)((uint32_t)(int64_t)a[i] * (uint32_t)(int64_t)b[i]);                \
      tsl_t_##tc v = ((tsl_t_##tc)p * m + d) >> shift;                                         \
      v = v < lo ? lo : v;                                                                     \
      out[i] = (tsl_t_##tr)(v > hi ? hi : v);                                                  \
    }                                                                                          \
  }

/* The row of iSoftmax (spec §2) shared by isoftmax and icausal_softmax, defined per kernel
 * (`name`) so that either may be instantiated alone: the first V of L entries, the rest 0.
 * Coefficients are taken modulo 2^32: d = max - x, z = floor(d / log2), p = z*log2 - d,
 * e = (A (p + B)^2 + C) >> z in uint32 (0 for z >= 31), s = sum e (uint32),
 * out = floor(e (n-1) / s) with e (n-1) in uint32.
 * d and log2 fit int32 for inputs of up to 16 bits: then everything is 32-bit (a 64-bit
 * division is a libcall of some hundred instructions on RV32; z*log2 - d is only needed
 * modulo 2^32), and rows of up to TSL_ISOFTMAX_KEEP visible entries keep their e values on
 * the stack for the last pass; longer rows recompute e there, still in 32 bits (wider inputs
 * take the 64-bit path). 80 covers a decode step's 65 keys in 320 B of a strict build's
 * 1 KiB core stack (memory_map.STRICT_STACK_SIZE). */
#define TSL_ISOFTMAX_KEEP 80
#define TSL_ISOFTMAX_ROW(name, tx, tr)                                                          \
  static inline uint32_t tsl_##name##_e__##tx##_##tr(int64_t d, uint32_t ca, uint32_t cb,       \
                                                     uint32_t cc, int64_t log2) {               \
    int64_t z = d / log2;                                                                       \
    if (z >= 31) return 0;                                                                      \
    uint32_t q = (uint32_t)z * (uint32_t)log2 - (uint32_t)d + cb;                               \
    return (ca * q * q + cc) >> z;                                                              \
  }                                                                                             \
  static inline uint32_t tsl_##name##_e32__##tx##_##tr(int32_t d, uint32_t ca, uint32_t cb,     \
                                                       uint32_t cc, int32_t log2) {             \
    int32_t z = d / log2;                                                                       \
    if (z >= 31) return 0;                                                                      \
    /* z*log2 - d = -(d % log2) (C division): one rem, where the multiply and subtract    \
     * take five instructions once GCC expands a constant log2 into shifts and adds */       \
    uint32_t q = cb - (uint32_t)(d % log2);                                                     \
    return (ca * q * q + cc) >> z;                                                              \
  }                                                                                             \
  static inline void tsl_##name##_row__##tx##_##tr(const tsl_t_##tx *xr, tsl_t_##tr *out,       \
                                                   int32_t L, int32_t V, uint32_t ca,           \
                                                   uint32_t cb, uint32_t cc, int64_t log2,      \
                                                   uint32_t nm1) {                              \
    uint32_t s = 0;                                                                             \
    if (sizeof(tsl_t_##tx) <= 2 && log2 <= INT32_MAX) {                                         \
      /* the max in an int32 register: no re-extension of a narrow type per element */          \
      /* the loops are unrolled by four: a load per element with the pointer step and the    \
       * loop branch shared (RV32 has no post-increment addressing) */                         \
      int32_t mx = xr[0];                                                                       \
      _Pragma("GCC unroll 4")                                                                   \
      for (int32_t j = 1; j < V; j++) {                                                         \
        int32_t v = xr[j];                                                                      \
        mx = v > mx ? v : mx;                                                                   \
      }                                                                                         \
      const int32_t l2 = (int32_t)log2;                                                         \
      if (V <= TSL_ISOFTMAX_KEEP) {                                                             \
        uint32_t keep[TSL_ISOFTMAX_KEEP];                                                       \
        _Pragma("GCC unroll 4")                                                                 \
        for (int32_t j = 0; j < V; j++) {                                                       \
          keep[j] = tsl_##name##_e32__##tx##_##tr(mx - (int32_t)xr[j], ca, cb, cc, l2);         \
          s += keep[j];                                                                         \
        }                                                                                       \
        /* one multiply, not GCC's shift-and-subtract expansion of a constant n - 1 */         \
        uint32_t f = nm1;                                                                       \
        TSL_OPAQUE(f);                                                                          \
        if (s)                                                                                  \
          _Pragma("GCC unroll 4")                                                               \
          for (int32_t j = 0; j < V; j++) out[j] = (tsl_t_##tr)((keep[j] * f) / s);             \
        else                                                                                    \
          for (int32_t j = 0; j < V; j++) out[j] = 0;                                           \
      } else {                                                                                  \
        for (int32_t j = 0; j < V; j++)                                                         \
          s += tsl_##name##_e32__##tx##_##tr(mx - (int32_t)xr[j], ca, cb, cc, l2);              \
        for (int32_t j = 0; j < V; j++) {                                                       \
          uint32_t e = tsl_##name##_e32__##tx##_##tr(mx - (int32_t)xr[j], ca, cb, cc, l2);      \
          out[j] = (tsl_t_##tr)(s ? (e * nm1) / s : 0);                                         \
        }                                                                                       \
      }                                                                                         \
    } else {                                                                                    \
      tsl_t_##tx mx = xr[0];                                                                    \
      for (int32_t j = 1; j < V; j++) mx = xr[j] > mx ? xr[j] : mx;                             \
      for (int32_t j = 0; j < V; j++)                                                           \
        s += tsl_##name##_e__##tx##_##tr((int64_t)mx - (int64_t)xr[j], ca, cb, cc, log2);       \
      for (int32_t j = 0; j < V; j++) {                                                         \
        uint32_t e = tsl_##name##_e__##tx##_##tr((int64_t)mx - (int64_t)xr[j], ca, cb, cc,      \
                                                 log2);                                         \
        out[j] = (tsl_t_##tr)(s ? (e * nm1) / s : 0);                                           \
      }                                                                                         \
    }                                                                                           \
    for (int32_t j = V; j < L; j++) out[j] = 0;                                                 \
  }

/* tsl_isoftmax__<tx>_<tr>(x, out, rows, L, coeff_a, coeff_b, coeff_c, log2, n_minus_1):
 * every row whole (see TSL_ISOFTMAX_ROW). */
#define TSL_DEFINE_ISOFTMAX(tx, tr)                                                             \
  TSL_ISOFTMAX_ROW(isoftmax, tx, tr)                                                            \
  static void tsl_isoftmax__##tx##_##tr(const tsl_t_##tx *x, tsl_t_##tr *out, int32_t rows,     \
                                        int32_t L, uint32_t ca, uint32_t cb, uint32_t cc,       \
                                        int64_t log2, uint32_t nm1) {                           \
    int32_t lo, hi;                                                                             \
    tsl_split(rows, 1, &lo, &hi);                                                               \
    for (int32_t r = lo; r < hi; r++)                                                           \
      tsl_isoftmax_row__##tx##_##tr(x + r * L, out + r * L, L, L, ca, cb, cc, log2, nm1);       \
  }

/* tsl_icausal_softmax__<tx>_<tr>_<tp>(x, pos, out, rows, L, N, ...): iSoftmax of each row over
 * its visible prefix only. Rows come in blocks of N queries (x is (..., N, L)); query
 * q = r % N sees positions 0..pos[0]+q, so the hidden entries take no part in max and sum
 * and are 0 in the result. pos is read at run time: one program serves every decode step.
 * A tile must start at a block boundary (the tiler keeps N whole) for q to be right. */
#define TSL_DEFINE_ICAUSAL_SOFTMAX(tx, tr, tp)                                                  \
  TSL_ISOFTMAX_ROW(icausal_softmax, tx, tr)                                                     \
  static void tsl_icausal_softmax__##tx##_##tr##_##tp(                                          \
      const tsl_t_##tx *x, const tsl_t_##tp *pos, tsl_t_##tr *out, int32_t rows, int32_t L,     \
      int32_t N, uint32_t ca, uint32_t cb, uint32_t cc, int64_t log2, uint32_t nm1) {           \
    int64_t p0 = (int64_t)pos[0];                                                               \
    int32_t lo, hi;                                                                             \
    tsl_split(rows, 1, &lo, &hi);                                                               \
    for (int32_t r = lo; r < hi; r++) {                                                         \
      int64_t v = p0 + r % N + 1;                                                               \
      int32_t V = v < 0 ? 0 : v > L ? L : (int32_t)v;                                           \
      tsl_icausal_softmax_row__##tx##_##tr(x + r * L, out + r * L, L, V, ca, cb, cc, log2,      \
                                           nm1);                                                \
    }                                                                                           \
  }

/* tsl_irmsnorm__<tx>_<tw>_<tr>_<tacc>(x, w, out, rows, L, sw, log2d, lo, hi): per row,
 * sigma = isqrt(floor(sum x^2 / L) + 1); out = clip(trunc(x*w / sigma) >> log2d, lo, hi).
 * tacc (i32 or i64) holds sum x^2 exactly; w's stride is 1, or 0 for a single weight.
 * Rows go to the team when there are enough; fewer rows (a decode step has one) split their
 * columns instead, every core computing the row's sigma itself (L multiply-adds, cheaper than
 * a barrier). The mean is a shift for a power-of-two L, sigma a 32-bit root when the mean
 * fits, and x*w / sigma a 32-bit division for inputs of up to 16 bits, not both uint16
 * (|x*w| < 2^31 and sigma <= 2^16 + 1 then): RV32 has no 64-bit division instruction. */
#define TSL_DEFINE_IRMSNORM(tx, tw, tr, tacc)                                                  \
  static void tsl_irmsnorm__##tx##_##tw##_##tr##_##tacc(                                       \
      const tsl_t_##tx *x, const tsl_t_##tw *w, tsl_t_##tr *out, int32_t rows, int32_t L,     \
      int32_t sw, int32_t log2d, int32_t lo, int32_t hi) {                                     \
    int32_t a = 0, b = rows, c0 = 0, c1 = L;                                                   \
    if (rows >= (int32_t)tsl_team_size())                                                      \
      tsl_split(rows, 1, &a, &b);                                                              \
    else                                                                                       \
      tsl_split(L, 1, &c0, &c1);                                                               \
    if (c0 >= c1) return;                                                                      \
    /* |x*w| < 2^31 unless both are 32-bit wide or both uint16 */                           \
    const int narrow = sizeof(tsl_t_##tx) <= 2 && sizeof(tsl_t_##tw) <= 2 &&                   \
                       !(sizeof(tsl_t_##tx) == 2 && sizeof(tsl_t_##tw) == 2 &&                 \
                         (tsl_t_##tx)-1 > 0 && (tsl_t_##tw)-1 > 0);                            \
    for (int32_t r = a; r < b; r++) {                                                          \
      const tsl_t_##tx *xr = x + r * L;                                                        \
      tsl_t_##tacc sq = 0;                                                                     \
      if (sizeof(tsl_t_##tx) <= 2 && sizeof(tsl_t_##tacc) == 8) {                              \
        /* x^2 <= 2^30 < 2^32: 32-bit squares and a carry instead of a 64-bit multiply-add, \
         * two squares (<= 2^31) summed before each carry */                                  \
        uint32_t lo = 0, hi = 0;                                                               \
        int32_t j = 0;                                                                         \
        for (; j + 1 < L; j += 2) {                                                            \
          uint32_t v = (uint32_t)(int32_t)xr[j], u = (uint32_t)(int32_t)xr[j + 1];             \
          uint32_t q = v * v + u * u;                                                          \
          lo += q;                                                                             \
          hi += lo < q;                                                                        \
        }                                                                                      \
        if (j < L) {                                                                           \
          uint32_t v = (uint32_t)(int32_t)xr[j], q = v * v;                                    \
          lo += q;                                                                             \
          hi += lo < q;                                                                        \
        }                                                                                      \
        sq = (tsl_t_##tacc)(((uint64_t)hi << 32) | lo);                                        \
      } else {                                                                                 \
        for (int32_t j = 0; j < L; j++) sq += (tsl_t_##tacc)xr[j] * (tsl_t_##tacc)xr[j];       \
      }                                                                                        \
      uint64_t mean = (L & (L - 1)) == 0 ? (uint64_t)sq >> __builtin_ctz((uint32_t)L)         \
                                         : (uint64_t)(sq / L);                                 \
      int64_t sigma = mean < UINT32_MAX ? (int64_t)tsl_isqrt32((uint32_t)mean + 1)             \
                                        : (int64_t)tsl_isqrt64(mean + 1);                      \
      if (narrow && log2d < 32) {                                                              \
        /* the quotient, its shift and the clip all in int32 */                               \
        const int32_t sg = (int32_t)sigma;                                                     \
        for (int32_t j = c0; j < c1; j++)                                                      \
          out[r * L + j] = (tsl_t_##tr)tsl_clip32(                                             \
              ((int32_t)xr[j] * (int32_t)w[j * sw] / sg) >> log2d, lo, hi);                    \
        continue;                                                                              \
      }                                                                                        \
      for (int32_t j = c0; j < c1; j++) {                                                      \
        int64_t t = narrow ? (int32_t)xr[j] * (int32_t)w[j * sw] / (int32_t)sigma              \
                           : tsl_tdiv_small((int64_t)xr[j] * (int64_t)w[j * sw], sigma);       \
        out[r * L + j] = (tsl_t_##tr)tsl_clip64(t >> log2d, lo, hi);                           \
      }                                                                                        \
    }                                                                                          \
  }

/* tsl_ilayernorm__<tx>_<tw>_<tb>_<tr>(x, w, bias, out, rows, L, sw, sb, log2d, lo, hi): per row,
 * mu = trunc(sum x / L), d = x - mu, sigma = isqrt(floor(sum d^2 / L) + 1),
 * out = clip((trunc(d*w / sigma) + bias) >> log2d, lo, hi). */
#define TSL_DEFINE_ILAYERNORM(tx, tw, tb, tr)                                                  \
  static void tsl_ilayernorm__##tx##_##tw##_##tb##_##tr(                                       \
      const tsl_t_##tx *x, const tsl_t_##tw *w, const tsl_t_##tb *bias, tsl_t_##tr *out,       \
      int32_t rows, int32_t L, int32_t sw, int32_t sb, int32_t log2d, int32_t lo,             \
      int32_t hi) {                                                                            \
    int32_t a, b;                                                                              \
    tsl_split(rows, 1, &a, &b);                                                                \
    for (int32_t r = a; r < b; r++) {                                                          \
      const tsl_t_##tx *xr = x + r * L;                                                        \
      int64_t sum = 0, sq = 0;                                                                 \
      for (int32_t j = 0; j < L; j++) sum += xr[j];                                            \
      int64_t mu = sum / L;                                                                    \
      for (int32_t j = 0; j < L; j++) sq += (xr[j] - mu) * (xr[j] - mu);                       \
      int64_t sigma = (int64_t)tsl_isqrt64((uint64_t)(sq / L) + 1);                            \
      for (int32_t j = 0; j < L; j++) {                                                        \
        int64_t t = tsl_tdiv_small((xr[j] - mu) * (int64_t)w[j * sw], sigma) + bias[j * sb];   \
        out[r * L + j] = (tsl_t_##tr)tsl_clip64(t >> log2d, lo, hi);                           \
      }                                                                                        \
    }                                                                                          \
  }

/* tsl_inonorm__<tx>_<tw>_<tb>_<tr>(x, w, bias, out, rank, shape[], sx[], sw[], sb[], mul,
 * log2d, lo, hi): out = clip(((x*w + bias) * mul) >> log2d, lo, hi), broadcasting by strides. */
#define TSL_DEFINE_INONORM(tx, tw, tb, tr)                                                     \
  static void tsl_inonorm__##tx##_##tw##_##tb##_##tr(                                          \
      const tsl_t_##tx *x, const tsl_t_##tw *w, const tsl_t_##tb *bias, tsl_t_##tr *out,       \
      int32_t rank, const int32_t *shape, const int32_t *sx, const int32_t *sw,               \
      const int32_t *sb, int64_t mul, int32_t log2d, int32_t lo, int32_t hi) {                 \
    int32_t a, b;                                                                              \
    tsl_split(tsl_numel(rank, shape), 1, &a, &b);                                              \
    const int32_t *str[3] = {sx, sw, sb};                                                      \
    tsl_iter_t it;                                                                             \
    tsl_iter_init(&it, rank, shape, 3, str, a, b);                                             \
    const int32_t dx = TSL_ITER_STEP(it, 0), dw = TSL_ITER_STEP(it, 1);                        \
    const int32_t db = TSL_ITER_STEP(it, 2);                                                   \
    for (TSL_ITER_RUNS(it, n)) {                                                               \
      const tsl_t_##tx *px = x + it.off[0];                                                    \
      const tsl_t_##tw *pw = w + it.off[1];                                                    \
      const tsl_t_##tb *pb = bias + it.off[2];                                                 \
      tsl_t_##tr *po = out + it.pos;                                                           \
      for (int32_t k = 0; k < n; k++, px += dx, pw += dw, pb += db) {                          \
        int64_t v = ((int64_t)*px * (int64_t)*pw + (int64_t)*pb) * mul;                        \
        po[k] = (tsl_t_##tr)tsl_clip64(v >> log2d, lo, hi);                                    \
      }                                                                                        \
    }                                                                                          \
  }

/* tsl_ihardswish__<tx>_<tr>(x, out, n, three, six, one_over_six):
 * out = x * (clip(x + three, 0, six) * one_over_six), wrapped to the result (no clip). */
#define TSL_DEFINE_IHARDSWISH(tx, tr)                                                          \
  static void tsl_ihardswish__##tx##_##tr(const tsl_t_##tx *x, tsl_t_##tr *out, int32_t n,     \
                                          int64_t three, int64_t six, int64_t one_over_six) {  \
    int32_t lo, hi;                                                                            \
    tsl_split(n, 1, &lo, &hi);                                                                 \
    if (sizeof(tsl_t_##tx) <= 2 && sizeof(tsl_t_##tr) <= 4 && three >= -(1 << 30) &&          \
        three <= (1 << 30) && six >= 0 && six <= INT32_MAX) {                                  \
      /* x + three and the clip fit int32, and a result of at most 32 bits needs the        \
       * products modulo 2^32 only: no 64-bit compare or multiply per element */             \
      const int32_t t3 = (int32_t)three, t6 = (int32_t)six;                                    \
      const uint32_t k = (uint32_t)one_over_six;                                               \
      for (int32_t i = lo; i < hi; i++) {                                                      \
        int32_t v = (int32_t)x[i] + t3;                                                        \
        if ((uint32_t)v > (uint32_t)t6) v = v < 0 ? 0 : t6;                                    \
        out[i] = (tsl_t_##tr)((uint32_t)(int32_t)x[i] * ((uint32_t)v * k));                    \
      }                                                                                        \
      return;                                                                                  \
    }                                                                                          \
    for (int32_t i = lo; i < hi; i++) {                                                        \
      int64_t v = (int64_t)x[i] + three;                                                       \
      v = v < 0 ? 0 : (v > six ? six : v);                                                     \
      out[i] = (tsl_t_##tr)((uint64_t)(int64_t)x[i] * ((uint64_t)v * (uint64_t)one_over_six));  \
    }                                                                                          \
  }

/* tsl_igelu__<tx>_<tr>(x, out, n, b, one): q = min(|x|, -b), L = sign(x) (one - (q + b)^2),
 * out = x * floor((one + L) / 2), wrapped to the result. */
#define TSL_DEFINE_IGELU(tx, tr)                                                               \
  static void tsl_igelu__##tx##_##tr(const tsl_t_##tx *x, tsl_t_##tr *out, int32_t n,          \
                                     int64_t b, int64_t one) {                                 \
    int32_t lo, hi;                                                                            \
    tsl_split(n, 1, &lo, &hi);                                                                 \
    for (int32_t i = lo; i < hi; i++) {                                                        \
      int64_t v = x[i], q = v < 0 ? -v : v;                                                    \
      q = q < -b ? q : -b;                                                                     \
      int64_t l = one - (q + b) * (q + b);                                                     \
      l = v < 0 ? -l : (v > 0 ? l : 0);                                                        \
      out[i] = (tsl_t_##tr)((uint64_t)v * (uint64_t)((one + l) >> 1));                         \
    }                                                                                          \
  }

/* rhu(d * bits / 2^bits): ITA's power-of-two exponent for a distance d >= 0 from the max. */
static inline int64_t tsl_ita_shift(int64_t d, int32_t bits) {
  return (2 * d * bits + ((int64_t)1 << bits)) >> (bits + 1);
}

/* tsl_itamax__<tx>_<tr>(x, out, rows, L, n, bits), n = 2^bits: per row, s = ita_shift(max - x),
 * E = sum (n >> s) (uint32), out = floor(n (n-1) / E) >> s. */
#define TSL_DEFINE_ITAMAX(tx, tr)                                                              \
  static void tsl_itamax__##tx##_##tr(const tsl_t_##tx *x, tsl_t_##tr *out, int32_t rows,      \
                                      int32_t L, int64_t n, int32_t bits) {                    \
    int32_t lo, hi;                                                                            \
    tsl_split(rows, 1, &lo, &hi);                                                              \
    for (int32_t r = lo; r < hi; r++) {                                                        \
      const tsl_t_##tx *xr = x + r * L;                                                        \
      tsl_t_##tx mx = xr[0];                                                                   \
      for (int32_t j = 1; j < L; j++) mx = xr[j] > mx ? xr[j] : mx;                            \
      uint32_t total = 0;                                                                      \
      for (int32_t j = 0; j < L; j++)                                                          \
        total += (uint32_t)tsl_shr64(n, tsl_ita_shift((int64_t)mx - xr[j], bits));             \
      int64_t inv = total ? (int64_t)((uint64_t)(n * (n - 1)) / total) : 0;                    \
      for (int32_t j = 0; j < L; j++)                                                          \
        out[r * L + j] = (tsl_t_##tr)tsl_shr64(inv, tsl_ita_shift((int64_t)mx - xr[j], bits)); \
    }                                                                                          \
  }

/* tsl_itapartialmax__<tx>_<tr>(x, out, rows, L, width, n, bits): per row, groups of `width`
 * columns in sequence from P = 0, M = -n/2; a group whose max c exceeds M shifts P right by
 * ita_shift(c - M) and sets M = c; P += sum (n >> ita_shift(M - x)) over the group (uint32).
 * out = floor((n/2 - 1) n / P) >> ita_shift(M - x) with the final M. */
#define TSL_DEFINE_ITAPARTIALMAX(tx, tr)                                                       \
  static void tsl_itapartialmax__##tx##_##tr(const tsl_t_##tx *x, tsl_t_##tr *out,            \
                                             int32_t rows, int32_t L, int32_t width,           \
                                             int64_t n, int32_t bits) {                        \
    int32_t lo, hi;                                                                            \
    tsl_split(rows, 1, &lo, &hi);                                                              \
    for (int32_t r = lo; r < hi; r++) {                                                        \
      const tsl_t_##tx *xr = x + r * L;                                                        \
      int64_t m = -(n / 2);                                                                    \
      uint32_t total = 0;                                                                      \
      for (int32_t g = 0; g < L; g += width) {                                                 \
        int32_t end = g + width < L ? g + width : L;                                           \
        int64_t c = xr[g];                                                                     \
        for (int32_t j = g + 1; j < end; j++) c = xr[j] > c ? xr[j] : c;                       \
        if (c > m) {                                                                           \
          total = (uint32_t)tsl_shr64(total, tsl_ita_shift(c - m, bits));                      \
          m = c;                                                                               \
        }                                                                                      \
        for (int32_t j = g; j < end; j++)                                                      \
          total += (uint32_t)tsl_shr64(n, tsl_ita_shift(m - xr[j], bits));                     \
      }                                                                                        \
      int64_t inv = total ? (int64_t)((uint64_t)((n / 2 - 1) * n) / total) : 0;                \
      for (int32_t j = 0; j < L; j++)                                                          \
        out[r * L + j] = (tsl_t_##tr)tsl_shr64(inv, tsl_ita_shift(m - xr[j], bits));           \
    }                                                                                          \
  }

/* tsl_integer_div__<ta>_<tb>_<tr>(a, b, out, rank, shape[], sa[], sb[], delta_eta, eta, eps):
 * num = Delta*eta*a, den = b*eta + eps, out = trunc((num + sign(num) trunc(den/2)) / den). */
#define TSL_DEFINE_INTEGER_DIV(ta, tb, tr)                                                     \
  static void tsl_integer_div__##ta##_##tb##_##tr(                                             \
      const tsl_t_##ta *a, const tsl_t_##tb *b, tsl_t_##tr *out, int32_t rank,                \
      const int32_t *shape, const int32_t *sa, const int32_t *sb, int64_t delta_eta,          \
      int64_t eta, int64_t eps) {                                                              \
    TSL_BROADCAST2_LOOP(ta, tb, tr, a, b, out, rank, shape, sa, sb,                          \
      int64_t num = delta_eta * (int64_t)*pa, den = (int64_t)*pb * eta + eps;                  \
      int64_t half = den / 2;                                                                  \
      num += num > 0 ? half : (num < 0 ? -half : 0);                                           \
      po[k] = (tsl_t_##tr)(den ? num / den : 0);                                               \
    );                                                                                         \
  }

#endif /* TSL_K_INTEGER_H */
