/* Reductions (ReduceSum, ReduceMean, ReduceMax) and the float row normalisations (Softmax,
 * LayerNormalization, RMSNormalization). Integer ReduceSum wraps to i32/i64 (accumulated in
 * u32/u64); integer ReduceMean is IntegerMean, rhu(sum / count) (spec §7.6); float ops follow
 * ONNX (reference `standard_ops`).
 *
 * Reductions take two strided views of x from the lowering: the kept (output) dims and the
 * reduced dims, each collapsed (rank <= 6), so any axis set works without a transpose. The
 * outputs are split over the team; each output walks the reduced view with tsl_iter_t.
 */
#ifndef TSL_K_REDUCE_H
#define TSL_K_REDUCE_H

#include "tsl_k_common.h"
#include "tsl_k_eltwise.h"

#define TSL_RED_INIT_sum(first) 0
#define TSL_RED_STEP_sum(acc, v) ((acc) + (v))
#define TSL_RED_INIT_max(first) (first)
#define TSL_RED_STEP_max(acc, v) ((v) > (acc) ? (v) : (acc))
#define TSL_RED_FINAL_sum(acc, n, tacc) (acc)
#define TSL_RED_FINAL_max(acc, n, tacc) (acc)
/* mean: round half up on integers (tacc = i64), plain division on floats */
#define TSL_RED_INIT_mean TSL_RED_INIT_sum
#define TSL_RED_STEP_mean TSL_RED_STEP_sum
#define TSL_RED_FINAL_mean(acc, n, tacc) TSL_AVG_##tacc(acc, n)

/* tsl_reduce_<op>__<tx>_<tr>_<tacc>(x, out, orank, oshape[], ostr[], rrank, rshape[], rstr[]) */
#define TSL_DEFINE_REDUCE(op, tx, tr, tacc)                                                    \
  static void tsl_reduce_##op##__##tx##_##tr##_##tacc(                                         \
      const tsl_t_##tx *x, tsl_t_##tr *out, int32_t orank, const int32_t *oshape,              \
      const int32_t *ostr, int32_t rrank, const int32_t *rshape, const int32_t *rstr) {        \
    int32_t lo, hi, count = tsl_numel(rrank, rshape);                                          \
    tsl_split(tsl_numel(orank, oshape), 1, &lo, &hi);                                          \
    tsl_iter_t oit;                                                                            \
    tsl_iter_init(&oit, orank, oshape, 1, &ostr, lo, hi);                                      \
    const int32_t ostep = TSL_ITER_STEP(oit, 0);                                               \
    for (TSL_ITER_RUNS(oit, n)) {                                                              \
      for (int32_t k = 0; k < n; k++) {                                                        \
        const tsl_t_##tx *base = x + oit.off[0] + k * ostep;                                   \
        tsl_t_##tacc acc = TSL_RED_INIT_##op((tsl_t_##tacc)base[0]);                           \
        tsl_iter_t rit;                                                                        \
        tsl_iter_init(&rit, rrank, rshape, 1, &rstr, 0, count);                                \
        const int32_t rstep = TSL_ITER_STEP(rit, 0);                                           \
        for (TSL_ITER_RUNS(rit, m)) {                                                          \
          const tsl_t_##tx *p = base + rit.off[0];                                             \
          for (int32_t j = 0; j < m; j++, p += rstep)                                          \
            acc = TSL_RED_STEP_##op(acc, (tsl_t_##tacc)*p);                                    \
        }                                                                                      \
        out[oit.pos + k] = (tsl_t_##tr)TSL_RED_FINAL_##op(acc, count, tacc);                   \
      }                                                                                        \
    }                                                                                          \
  }

/* tsl_softmax__<t>(x, out, outer, L, inner): softmax over the middle axis of an
 * (outer, L, inner) view; rows (outer x inner) are split over the team. */
#define TSL_DEFINE_SOFTMAX(t)                                                                  \
  static void tsl_softmax__##t(const tsl_t_##t *x, tsl_t_##t *out, int32_t outer, int32_t L,   \
                               int32_t inner) {                                                \
    int32_t lo, hi;                                                                            \
    tsl_split(outer * inner, 1, &lo, &hi);                                                     \
    for (int32_t r = lo; r < hi; r++) {                                                        \
      int32_t base = (r / inner) * L * inner + r % inner;                                      \
      const tsl_t_##t *xr = x + base;                                                          \
      tsl_t_##t *orow = out + base;                                                            \
      tsl_t_##t mx = xr[0], s = 0;                                                             \
      for (int32_t j = 1; j < L; j++) mx = xr[j * inner] > mx ? xr[j * inner] : mx;            \
      for (int32_t j = 0; j < L; j++) {                                                        \
        tsl_t_##t e = TSL_MF_##t(exp)(xr[j * inner] - mx);                                     \
        orow[j * inner] = e;                                                                   \
        s += e;                                                                                \
      }                                                                                        \
      tsl_t_##t inv = (tsl_t_##t)1 / s;                                                        \
      for (int32_t j = 0; j < L; j++) orow[j * inner] *= inv;                                  \
    }                                                                                          \
  }

/* tsl_causal_softmax__<t>_<tp>(x, pos, out, rows, L, N): softmax of each row over its visible
 * prefix (graph.causal_softmax). Rows come in blocks of N queries (x is (..., N, L)); query
 * q = r % N sees positions 0..pos[0]+q, the hidden ones are 0, and a row that sees nothing is
 * all 0. pos is read at run time: one program serves every decode step. */
#define TSL_DEFINE_CAUSAL_SOFTMAX(t, tp)                                                       \
  static void tsl_causal_softmax__##t##_##tp(const tsl_t_##t *x, const tsl_t_##tp *pos,        \
                                             tsl_t_##t *out, int32_t rows, int32_t L,          \
                                             int32_t N) {                                      \
    int64_t p0 = (int64_t)pos[0];                                                              \
    int32_t lo, hi;                                                                            \
    tsl_split(rows, 1, &lo, &hi);                                                              \
    for (int32_t r = lo; r < hi; r++) {                                                        \
      const tsl_t_##t *xr = x + r * L;                                                         \
      tsl_t_##t *orow = out + r * L;                                                           \
      int64_t v = p0 + r % N + 1;                                                              \
      int32_t V = v < 0 ? 0 : v > L ? L : (int32_t)v;                                          \
      for (int32_t j = V; j < L; j++) orow[j] = 0;                                             \
      if (V == 0) continue;                                                                    \
      tsl_t_##t mx = xr[0], s = 0;                                                             \
      for (int32_t j = 1; j < V; j++) mx = xr[j] > mx ? xr[j] : mx;                            \
      for (int32_t j = 0; j < V; j++) {                                                        \
        tsl_t_##t e = TSL_MF_##t(exp)(xr[j] - mx);                                             \
        orow[j] = e;                                                                           \
        s += e;                                                                                \
      }                                                                                        \
      tsl_t_##t inv = (tsl_t_##t)1 / s;                                                        \
      for (int32_t j = 0; j < V; j++) orow[j] *= inv;                                          \
    }                                                                                          \
  }

/* tsl_layernorm__<t>(x, scale, bias, out, rows, L, s_scale, s_bias, eps): per row of L,
 * (x - mean) / sqrt(var + eps) * scale + bias (biased variance); scale/bias strides are 1 or 0
 * (broadcast); bias may be null. */
#define TSL_DEFINE_LAYERNORM(t)                                                                \
  static void tsl_layernorm__##t(const tsl_t_##t *x, const tsl_t_##t *scale,                   \
                                 const tsl_t_##t *bias, tsl_t_##t *out, int32_t rows,         \
                                 int32_t L, int32_t ss, int32_t sb, tsl_t_##t eps) {           \
    int32_t lo, hi;                                                                            \
    tsl_split(rows, 1, &lo, &hi);                                                              \
    for (int32_t r = lo; r < hi; r++) {                                                        \
      const tsl_t_##t *xr = x + r * L;                                                         \
      tsl_t_##t mean = 0, var = 0;                                                             \
      for (int32_t j = 0; j < L; j++) mean += xr[j];                                           \
      mean /= (tsl_t_##t)L;                                                                    \
      for (int32_t j = 0; j < L; j++) var += (xr[j] - mean) * (xr[j] - mean);                  \
      tsl_t_##t inv = (tsl_t_##t)1 / TSL_MF_##t(sqrt)(var / (tsl_t_##t)L + eps);               \
      for (int32_t j = 0; j < L; j++) {                                                        \
        tsl_t_##t v = (xr[j] - mean) * inv * scale[j * ss];                                    \
        out[r * L + j] = bias ? v + bias[j * sb] : v;                                          \
      }                                                                                        \
    }                                                                                          \
  }

/* tsl_rmsnorm__<t>(x, scale, out, rows, L, s_scale, eps): x / sqrt(mean(x^2) + eps) * scale. */
#define TSL_DEFINE_RMSNORM(t)                                                                  \
  static void tsl_rmsnorm__##t(const tsl_t_##t *x, const tsl_t_##t *scale, tsl_t_##t *out,     \
                               int32_t rows, int32_t L, int32_t ss, tsl_t_##t eps) {           \
    int32_t lo, hi;                                                                            \
    tsl_split(rows, 1, &lo, &hi);                                                              \
    for (int32_t r = lo; r < hi; r++) {                                                        \
      const tsl_t_##t *xr = x + r * L;                                                         \
      tsl_t_##t ms = 0;                                                                        \
      for (int32_t j = 0; j < L; j++) ms += xr[j] * xr[j];                                     \
      tsl_t_##t inv = (tsl_t_##t)1 / TSL_MF_##t(sqrt)(ms / (tsl_t_##t)L + eps);                \
      for (int32_t j = 0; j < L; j++) out[r * L + j] = xr[j] * inv * scale[j * ss];            \
    }                                                                                          \
  }

#endif /* TSL_K_REDUCE_H */
