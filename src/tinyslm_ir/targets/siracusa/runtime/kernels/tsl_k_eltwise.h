/* Element-wise kernels: binary ops with broadcasting, where, unary ops, clip, multiply by a
 * constant. Semantics: ONNX/numpy (DESIGN §6), integer rules of spec §8 (quantlib-integer-ops.md):
 * Add/Sub/Mul are exact then wrapped to the result type (computed in u32/u64, `tc`), integer Div
 * truncates toward zero (computed exactly in i64, or unsigned when both operands are), compares
 * give b1 bytes.
 *
 * Broadcasting kernels take the lowering's collapsed view (rank <= 6): `shape` of the (contiguous)
 * result and per operand its element strides, 0 where the operand is broadcast. The flat result
 * range is split over the team; each core walks its range with tsl_iter_t.
 */
#ifndef TSL_K_ELTWISE_H
#define TSL_K_ELTWISE_H

#include "tsl_k_common.h"

static inline int32_t tsl_numel(int32_t rank, const int32_t *shape) {
  int32_t n = 1;
  for (int32_t d = 0; d < rank; d++) n *= shape[d];
  return n;
}

/* Binary operators on values of the compute type `tc`. */
#define TSL_BIN_add(x, y, tc) ((x) + (y))
#define TSL_BIN_sub(x, y, tc) ((x) - (y))
#define TSL_BIN_mul(x, y, tc) ((x) * (y))
#define TSL_BIN_div(x, y, tc) ((x) / (y)) /* float, or unsigned integers */
/* signed i64 division; INT64_MIN / -1 wraps as two's complement would */
#define TSL_BIN_idiv(x, y, tc) ((y) == -1 ? (tsl_t_i64)(0 - (uint64_t)(x)) : (x) / (y))
#define TSL_BIN_max(x, y, tc) ((x) > (y) ? (x) : (y))
#define TSL_BIN_min(x, y, tc) ((x) < (y) ? (x) : (y))
#define TSL_BIN_eq(x, y, tc) ((x) == (y))
#define TSL_BIN_lt(x, y, tc) ((x) < (y))
#define TSL_BIN_gt(x, y, tc) ((x) > (y))
#define TSL_BIN_pow(x, y, tc) TSL_MF_##tc(pow)((x), (y))

/* tsl_<op>__<ta>_<tb>_<tr>_<tc>(a, b, out, rank, shape[], a_strides[], b_strides[]) */
#define TSL_DEFINE_BINARY(op, ta, tb, tr, tc)                                                   \
  static void tsl_##op##__##ta##_##tb##_##tr##_##tc(                                          \
      const tsl_t_##ta *a, const tsl_t_##tb *b, tsl_t_##tr *out, int32_t rank,                \
      const int32_t *shape, const int32_t *sa, const int32_t *sb) {                           \
    TSL_BROADCAST2_LOOP(ta, tb, tr, a, b, out, rank, shape, sa, sb,                          \
      tsl_t_##tc x = (tsl_t_##tc)*pa, y = (tsl_t_##tc)*pb;                                     \
      po[k] = TSL_CVT_##tr(TSL_BIN_##op(x, y, tc));                                            \
    );                                                                                         \
  }

/* tsl_where__<ta>_<tb>_<tr>(cond, a, b, out, rank, shape[], c_strides[], a_strides[],
 * b_strides[]): out = cond ? a : b, both converted to the promoted result type. */
#define TSL_DEFINE_WHERE(ta, tb, tr)                                                           \
  static void tsl_where__##ta##_##tb##_##tr(                                                   \
      const tsl_t_b1 *c, const tsl_t_##ta *a, const tsl_t_##tb *b, tsl_t_##tr *out,           \
      int32_t rank, const int32_t *shape, const int32_t *sc, const int32_t *sa,               \
      const int32_t *sb) {                                                                     \
    int32_t lo, hi;                                                                            \
    tsl_split(tsl_numel(rank, shape), 1, &lo, &hi);                                            \
    const int32_t *str[3] = {sc, sa, sb};                                                      \
    tsl_iter_t it;                                                                             \
    tsl_iter_init(&it, rank, shape, 3, str, lo, hi);                                           \
    const int32_t dc = TSL_ITER_STEP(it, 0), da = TSL_ITER_STEP(it, 1);                        \
    const int32_t db = TSL_ITER_STEP(it, 2);                                                   \
    for (TSL_ITER_RUNS(it, n)) {                                                               \
      const tsl_t_b1 *pc = c + it.off[0];                                                      \
      const tsl_t_##ta *pa = a + it.off[1];                                                    \
      const tsl_t_##tb *pb = b + it.off[2];                                                    \
      tsl_t_##tr *po = out + it.pos;                                                           \
      for (int32_t k = 0; k < n; k++, pc += dc, pa += da, pb += db)                            \
        po[k] = *pc ? TSL_CVT_##tr(*pa) : TSL_CVT_##tr(*pb);                                   \
    }                                                                                          \
  }

/* Unary operators on a value of the compute type `tc`. Integer neg/abs use tc = i64 and wrap
 * through u64, so -(-128) is 128 before the conversion to the result type wraps it. */
#define TSL_UN_relu(x, tc) ((x) > 0 ? (x) : (tsl_t_##tc)0)
#define TSL_UN_neg(x, tc) ((tsl_t_i64)(0 - (uint64_t)(x)))
#define TSL_UN_abs(x, tc) ((x) < 0 ? (tsl_t_i64)(0 - (uint64_t)(x)) : (x))
#define TSL_UN_fneg(x, tc) (-(x))
#define TSL_UN_fabs(x, tc) TSL_MF_##tc(fabs)(x)
#define TSL_UN_exp(x, tc) TSL_MF_##tc(exp)(x)
#define TSL_UN_log(x, tc) TSL_MF_##tc(log)(x)
#define TSL_UN_sqrt(x, tc) TSL_MF_##tc(sqrt)(x)
#define TSL_UN_tanh(x, tc) TSL_MF_##tc(tanh)(x)
#define TSL_UN_erf(x, tc) TSL_MF_##tc(erf)(x)
#define TSL_UN_reciprocal(x, tc) ((tsl_t_##tc)1 / (x))
/* numerically stable logistic function */
#define TSL_UN_sigmoid(x, tc)                                                                  \
  ((x) >= 0 ? (tsl_t_##tc)1 / ((tsl_t_##tc)1 + TSL_MF_##tc(exp)(-(x)))                         \
            : TSL_MF_##tc(exp)(x) / ((tsl_t_##tc)1 + TSL_MF_##tc(exp)(x)))
/* ONNX Gelu: exact erf form, and the tanh approximation */
#define TSL_UN_gelu(x, tc)                                                                     \
  ((tsl_t_##tc)0.5 * (x) * ((tsl_t_##tc)1 + TSL_MF_##tc(erf)((x) * (tsl_t_##tc)0.70710678118654752440)))
#define TSL_UN_gelu_tanh(x, tc)                                                                \
  ((tsl_t_##tc)0.5 * (x) *                                                                     \
   ((tsl_t_##tc)1 + TSL_MF_##tc(tanh)((tsl_t_##tc)0.79788456080286535588 *                     \
                                      ((x) + (tsl_t_##tc)0.044715 * (x) * (x) * (x)))))

/* tsl_<op>__<tx>_<tr>_<tc>(x, out, n): out[i] = op(x[i]) over contiguous buffers. Also Cast
 * (op `cast`, the conversion TSL_CVT_<tr> alone). */
#define TSL_UN_cast(x, tc) (x)
#define TSL_DEFINE_UNARY(op, tx, tr, tc)                                                       \
  static void tsl_##op##__##tx##_##tr##_##tc(const tsl_t_##tx *x, tsl_t_##tr *out,            \
                                              int32_t n) {                                     \
    int32_t lo, hi;                                                                            \
    tsl_split(n, 1, &lo, &hi);                                                                 \
    for (int32_t i = lo; i < hi; i++) {                                                        \
      tsl_t_##tc v = (tsl_t_##tc)x[i];                                                         \
      out[i] = TSL_CVT_##tr(TSL_UN_##op(v, tc));                                               \
    }                                                                                          \
  }

/* tsl_clip__<tx>(x, out, n, lo, hi): clamp to [lo, hi], bounds in the element type (the
 * lowering rounds fractional integer bounds inward and passes +-inf / the type range when a
 * bound is absent). */
#define TSL_DEFINE_CLIP(tx)                                                                    \
  static void tsl_clip__##tx(const tsl_t_##tx *x, tsl_t_##tx *out, int32_t n, tsl_t_##tx lo,   \
                             tsl_t_##tx hi) {                                                  \
    int32_t a, b;                                                                              \
    tsl_split(n, 1, &a, &b);                                                                   \
    for (int32_t i = a; i < b; i++) {                                                          \
      tsl_t_##tx v = x[i];                                                                     \
      v = v < lo ? lo : v;                                                                     \
      out[i] = v > hi ? hi : v;                                                                \
    }                                                                                          \
  }

/* tsl_mulconst__<tx>_<tr>_<tc>(x, out, n, k): out = x * k wrapped to tr, with tc = u32 or u64
 * and k given modulo 2^width. TrueIntegerDiv (spec §5) is x * floor(Delta*eta/(y*eta+eps)). */
#define TSL_DEFINE_MULCONST(tx, tr, tc)                                                        \
  static void tsl_mulconst__##tx##_##tr##_##tc(const tsl_t_##tx *x, tsl_t_##tr *out,          \
                                                int32_t n, tsl_t_##tc k) {                     \
    int32_t lo, hi;                                                                            \
    tsl_split(n, 1, &lo, &hi);                                                                 \
    for (int32_t i = lo; i < hi; i++) out[i] = (tsl_t_##tr)((tsl_t_##tc)x[i] * k);            \
  }

#endif /* TSL_K_ELTWISE_H */
