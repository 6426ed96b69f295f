/* Batched GEMM: out = alpha * (A @ B) + beta * C (ONNX MatMul and Gemm; spec §8: exact integer
 * products, wrapped to the i32/i64 result, so integers accumulate in u32/u64).
 *
 * tsl_gemm__<ta>_<tb>_<tc>_<tr>(A, B, C, out, nb, bshape[], bsa[], bsb[], M, N, K,
 *                               sam, sak, sbk, sbn, scm, scn, alpha, beta)
 *   A(m, k) = A[a_batch + m*sam + k*sak], B(k, n) = B[b_batch + k*sbk + n*sbn], with the batch
 *   offsets from the nb batch dims (bshape, element strides bsa/bsb, 0 = broadcast); C is null
 *   or an unbatched (M, N) view with strides scm/scn (0 = broadcast); out is contiguous
 *   (batch, M, N). alpha/beta have the result's scalar type (int32_t, int64_t, float, double).
 *
 * Work split: the batch*M rows over the team, or the N columns (in multiples of 4) when there
 * are fewer rows than cores (GEMV). Register blocking: 2 rows x 4 columns per iteration, each
 * loaded B value reused by 2 rows and each A value by 4 columns (4 x 4 spills on RV32); 1 row x 8 columns for GEMV.
 * On RV32IMC (no SIMD) a byte load (lb) is one instruction while extracting a byte from a
 * loaded word costs two, so operands are loaded per element and reused from registers.
 */
#ifndef TSL_K_GEMM_H
#define TSL_K_GEMM_H

#include "tsl_k_common.h"

typedef uint32_t tsl_acc_i32;
typedef uint64_t tsl_acc_i64;
typedef float tsl_acc_f32;
typedef double tsl_acc_f64;

#define TSL_GEMM_NAME(ta, tb, tc, tr) tsl_gemm__##ta##_##tb##_##tc##_##tr
#define TSL_GEMM_HELPER(name, ta, tb, tc, tr) tsl_gemm_##name##__##ta##_##tb##_##tc##_##tr

#define TSL_DEFINE_GEMM(ta, tb, tc, tr)                                                        \
  /* out(m, n) from the accumulator: alpha * acc + beta * C(m, n) */                           \
  static inline void TSL_GEMM_HELPER(store, ta, tb, tc, tr)(                                  \
      tsl_t_##tr *o, tsl_acc_##tr acc, const tsl_t_##tc *c, tsl_acc_##tr alpha,              \
      tsl_acc_##tr beta) {                                                                     \
    tsl_acc_##tr v = alpha * acc;                                                              \
    if (c) v += beta * (tsl_acc_##tr)(*c);                                                     \
    *o = (tsl_t_##tr)v;                                                                        \
  }                                                                                            \
  /* Micro-kernels, kept out of line so that the accumulators own the registers (inlined    \
   * into the caller's loop nest, GCC spills them on RV32). Row-major operands (sak = sbn = 1) \
   * take the immediate-offset loads. */                                                       \
  static __attribute__((noinline)) void TSL_GEMM_HELPER(tile2x4, ta, tb, tc, tr)(             \
      const tsl_t_##ta *pa, int32_t sam, int32_t sak, const tsl_t_##tb *pb, int32_t sbk,      \
      int32_t sbn, int32_t K, tsl_acc_##tr acc[2][4]) {                                        \
    tsl_acc_##tr c00 = 0, c01 = 0, c02 = 0, c03 = 0, c10 = 0, c11 = 0, c12 = 0, c13 = 0;       \
    const tsl_t_##ta *pa1 = pa + sam;                                                          \
    if (sak == 1 && sbn == 1) {                                                                \
      for (int32_t k = 0; k < K; k++, pb += sbk) {                                             \
        tsl_acc_##tr b0 = pb[0], b1 = pb[1], b2 = pb[2], b3 = pb[3];                           \
        tsl_acc_##tr a = pa[k];                                                                \
        c00 += a * b0; c01 += a * b1; c02 += a * b2; c03 += a * b3;                            \
        a = pa1[k];                                                                            \
        c10 += a * b0; c11 += a * b1; c12 += a * b2; c13 += a * b3;                            \
      }                                                                                        \
    } else {                                                                                   \
      for (int32_t k = 0; k < K; k++, pa += sak, pa1 += sak, pb += sbk) {                      \
        tsl_acc_##tr b0 = pb[0], b1 = pb[sbn], b2 = pb[2 * sbn], b3 = pb[3 * sbn];             \
        tsl_acc_##tr a = *pa;                                                                  \
        c00 += a * b0; c01 += a * b1; c02 += a * b2; c03 += a * b3;                            \
        a = *pa1;                                                                              \
        c10 += a * b0; c11 += a * b1; c12 += a * b2; c13 += a * b3;                            \
      }                                                                                        \
    }                                                                                          \
    acc[0][0] = c00; acc[0][1] = c01; acc[0][2] = c02; acc[0][3] = c03;                        \
    acc[1][0] = c10; acc[1][1] = c11; acc[1][2] = c12; acc[1][3] = c13;                        \
  }                                                                                            \
  static __attribute__((noinline)) void TSL_GEMM_HELPER(tile1x8, ta, tb, tc, tr)(             \
      const tsl_t_##ta *pa, int32_t sak, const tsl_t_##tb *pb, int32_t sbk, int32_t sbn,      \
      int32_t K, tsl_acc_##tr acc[8]) {                                                        \
    tsl_acc_##tr c0 = 0, c1 = 0, c2 = 0, c3 = 0, c4 = 0, c5 = 0, c6 = 0, c7 = 0;               \
    if (sbn == 1) {                                                                            \
      for (int32_t k = 0; k < K; k++, pa += sak, pb += sbk) {                                  \
        tsl_acc_##tr a = *pa;                                                                  \
        c0 += a * (tsl_acc_##tr)pb[0]; c1 += a * (tsl_acc_##tr)pb[1];                          \
        c2 += a * (tsl_acc_##tr)pb[2]; c3 += a * (tsl_acc_##tr)pb[3];                          \
        c4 += a * (tsl_acc_##tr)pb[4]; c5 += a * (tsl_acc_##tr)pb[5];                          \
        c6 += a * (tsl_acc_##tr)pb[6]; c7 += a * (tsl_acc_##tr)pb[7];                          \
      }                                                                                        \
    } else {                                                                                   \
      for (int32_t k = 0; k < K; k++, pa += sak, pb += sbk) {                                  \
        tsl_acc_##tr a = *pa;                                                                  \
        c0 += a * (tsl_acc_##tr)pb[0]; c1 += a * (tsl_acc_##tr)pb[sbn];                        \
        c2 += a * (tsl_acc_##tr)pb[2 * sbn]; c3 += a * (tsl_acc_##tr)pb[3 * sbn];              \
        c4 += a * (tsl_acc_##tr)pb[4 * sbn]; c5 += a * (tsl_acc_##tr)pb[5 * sbn];              \
        c6 += a * (tsl_acc_##tr)pb[6 * sbn]; c7 += a * (tsl_acc_##tr)pb[7 * sbn];              \
      }                                                                                        \
    }                                                                                          \
    acc[0] = c0; acc[1] = c1; acc[2] = c2; acc[3] = c3;                                        \
    acc[4] = c4; acc[5] = c5; acc[6] = c6; acc[7] = c7;                                        \
  }                                                                                            \
  /* rows [m0, m1) x columns [n0, n1) of one batch */                                          \
  static inline void TSL_GEMM_HELPER(block, ta, tb, tc, tr)(                                  \
      const tsl_t_##ta *A, const tsl_t_##tb *B, const tsl_t_##tc *C, tsl_t_##tr *out,          \
      int32_t m0, int32_t m1, int32_t n0, int32_t n1, int32_t N, int32_t K, int32_t sam,      \
      int32_t sak, int32_t sbk, int32_t sbn, int32_t scm, int32_t scn, tsl_acc_##tr alpha,    \
      tsl_acc_##tr beta) {                                                                     \
    int32_t m = m0;                                                                            \
    for (; m + 2 <= m1; m += 2) {                                                              \
      int32_t n = n0;                                                                          \
      for (; n + 4 <= n1; n += 4) {                                                            \
        tsl_acc_##tr acc[2][4];                                                                \
        TSL_GEMM_HELPER(tile2x4, ta, tb, tc, tr)(A + m * sam, sam, sak, B + n * sbn, sbk, sbn,  \
                                                 K, acc);                                      \
        for (int32_t i = 0; i < 2; i++)                                                        \
          for (int32_t j = 0; j < 4; j++)                                                      \
            TSL_GEMM_HELPER(store, ta, tb, tc, tr)(                                            \
                out + (m + i) * N + n + j, acc[i][j],                                          \
                C ? C + (m + i) * scm + (n + j) * scn : 0, alpha, beta);                       \
      }                                                                                        \
      for (; n < n1; n++)                                                                      \
        for (int32_t i = 0; i < 2; i++) {                                                      \
          tsl_acc_##tr acc = 0;                                                                \
          const tsl_t_##ta *pa = A + (m + i) * sam;                                            \
          const tsl_t_##tb *pb = B + n * sbn;                                                  \
          for (int32_t k = 0; k < K; k++, pa += sak, pb += sbk)                                \
            acc += (tsl_acc_##tr)*pa * (tsl_acc_##tr)*pb;                                      \
          TSL_GEMM_HELPER(store, ta, tb, tc, tr)(out + (m + i) * N + n, acc,                   \
                                                 C ? C + (m + i) * scm + n * scn : 0, alpha,   \
                                                 beta);                                        \
        }                                                                                      \
    }                                                                                          \
    for (; m < m1; m++) {                                                                      \
      int32_t n = n0;                                                                          \
      for (; n + 8 <= n1; n += 8) {                                                            \
        tsl_acc_##tr acc[8];                                                                   \
        TSL_GEMM_HELPER(tile1x8, ta, tb, tc, tr)(A + m * sam, sak, B + n * sbn, sbk, sbn, K,    \
                                                 acc);                                         \
        for (int32_t j = 0; j < 8; j++)                                                        \
          TSL_GEMM_HELPER(store, ta, tb, tc, tr)(out + m * N + n + j, acc[j],                  \
                                                 C ? C + m * scm + (n + j) * scn : 0, alpha,   \
                                                 beta);                                        \
      }                                                                                        \
      for (; n < n1; n++) {                                                                    \
        tsl_acc_##tr acc = 0;                                                                  \
        const tsl_t_##ta *pa = A + m * sam;                                                    \
        const tsl_t_##tb *pb = B + n * sbn;                                                    \
        for (int32_t k = 0; k < K; k++, pa += sak, pb += sbk)                                  \
          acc += (tsl_acc_##tr)*pa * (tsl_acc_##tr)*pb;                                        \
        TSL_GEMM_HELPER(store, ta, tb, tc, tr)(out + m * N + n, acc,                           \
                                               C ? C + m * scm + n * scn : 0, alpha, beta);    \
      }                                                                                        \
    }                                                                                          \
  }                                                                                            \
  static void TSL_GEMM_NAME(ta, tb, tc, tr)(                                                   \
      const tsl_t_##ta *A, const tsl_t_##tb *B, const tsl_t_##tc *C, tsl_t_##tr *out,          \
      int32_t nb, const int32_t *bshape, const int32_t *bsa, const int32_t *bsb, int32_t M,   \
      int32_t N, int32_t K, int32_t sam, int32_t sak, int32_t sbk, int32_t sbn, int32_t scm,  \
      int32_t scn, tsl_t_##tr alpha, tsl_t_##tr beta) {                                        \
    int32_t rows = tsl_numel_gemm(nb, bshape) * M;                                             \
    int32_t rlo = 0, rhi = rows, nlo = 0, nhi = N;                                             \
    if (rows >= (int32_t)tsl_team_size())                                                      \
      tsl_split(rows, 1, &rlo, &rhi);                                                          \
    else                                                                                       \
      tsl_split(N, 4, &nlo, &nhi);                                                             \
    if (nlo >= nhi) return;                                                                    \
    for (int32_t r = rlo; r < rhi;) {                                                          \
      int32_t b = r / M, m0 = r % M, m1 = M;                                                   \
      if (r - m0 + M > rhi) m1 = rhi - (r - m0);                                               \
      int32_t oa = 0, ob = 0;                                                                  \
      for (int32_t d = nb - 1, rest = b; d >= 0; d--) {                                        \
        oa += (rest % bshape[d]) * bsa[d];                                                     \
        ob += (rest % bshape[d]) * bsb[d];                                                     \
        rest /= bshape[d];                                                                     \
      }                                                                                        \
      const tsl_t_##ta *Ab = A + oa;                                                           \
      const tsl_t_##tb *Bb = B + ob;                                                           \
      tsl_t_##tr *Ob = out + b * M * N;                                                        \
      TSL_GEMM_HELPER(block, ta, tb, tc, tr)(Ab, Bb, C, Ob, m0, m1, nlo, nhi, N, K, sam, sak,  \
                                             sbk, sbn, scm, scn, alpha, beta);                 \
      r += m1 - m0;                                                                            \
    }                                                                                          \
  }

static inline int32_t tsl_numel_gemm(int32_t nb, const int32_t *bshape) {
  int32_t n = 1;
  for (int32_t d = 0; d < nb; d++) n *= bshape[d];
  return n;
}

#endif /* TSL_K_GEMM_H */
