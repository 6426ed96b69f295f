/* MatMul fused with RequantShift on k_pairs weights (graph.matmul_rq with rhs_pairs): an int8
 * A times an int8 B stored as int32 words, two K rows per word (tinyslm_ir/dialects/
 * graph_layouts.py), requantized in registers and stored as tr.
 *
 * tsl_gemm_rq_pairs__<tm>_<td>_<tr>_<tc>(A, W, mul, add, out, nb, bshape[], bsa[], M, N, K,
 *                                        sm, sd, shift, lo, hi, acc_lim)
 *   W[j*N + n] = B[2j+1][n] + 65536 * B[2j][n]               (j < K/2)
 *   acc(m, n)  = sum_k A[a_batch + m*K + k] * B[k][n]         (exact: the int32 product)
 *   out(m, n)  = clip(((tc)acc * mul[n*sm] + add[n*sd] + 2^shift / 2) >> shift, lo, hi)
 *   B is not batched (a weight); A's batch offsets come from nb dims (element strides bsa).
 *
 * Why it is fast, and exact: with the activation pair packed as a = A[2j] + 65536 A[2j+1],
 * the 32-bit product a*W - 2^15, shifted right by 16, is the pair's dot product minus one,
 * for every int8 input (graph_layouts.py proves it). So two MACs cost a word load, a multiply,
 * an add, a shift and an accumulate (2.5 instructions per MAC) instead of two byte loads, two
 * multiplies and two adds (3); each accumulator starts at K/2 to give back the minus ones.
 * The work split, the batch offsets and the requantized store are tsl_gemm_rq's, shared
 * (tsl_k_gemm_rq.h).
 */
#ifndef TSL_K_GEMM_RQ_PAIRS_H
#define TSL_K_GEMM_RQ_PAIRS_H

#include "tsl_k_common.h"
#include "tsl_k_gemm_rq.h" /* the driver parts, shared */

/* One pair step of one column: the pair's dot product minus one. */
#define TSL_PAIR_DOT(a, w) ((int32_t)((uint32_t)(a) * (uint32_t)(w) - 32768u) >> 16)

/* Out of line and unscheduled, like tsl_gemm_rq's blocks, so the accumulators keep their
 * registers (see TSL_GEMM_RQ_BLOCK). */
#define TSL_GEMM_RQ_PAIRS_BLOCK __attribute__((noinline, optimize("no-schedule-insns")))

#define TSL_GEMM_RQ_PAIRS_NAME(tm, td, tr, tc) tsl_gemm_rq_pairs__##tm##_##td##_##tr##_##tc
#define TSL_GEMM_RQ_PAIRS_HELPER(name, tm, td, tr, tc) \
  tsl_gemm_rq_pairs_##name##__##tm##_##td##_##tr##_##tc

/* w columns (16, 8, 4 or 1) of the P = K/2 word rows at pw (row stride N words), written out
 * column by column so that every accumulator lives in a register. */
#define TSL_DEFINE_GEMM_RQ_PAIRS_COLS16(tm, td, tr, tc)                                     \
  static TSL_GEMM_RQ_PAIRS_BLOCK void TSL_GEMM_RQ_PAIRS_HELPER(cols16, tm, td, tr, tc)(     \
      const int8_t *pa, const int32_t *pw, int32_t P, int32_t N, uint32_t *acc) {           \
    int32_t c0 = P, c1 = P, c2 = P, c3 = P, c4 = P, c5 = P, c6 = P, c7 = P;                 \
    int32_t c8 = P, c9 = P, c10 = P, c11 = P, c12 = P, c13 = P, c14 = P, c15 = P;           \
    for (const int8_t *end = pa + 2 * P; pa != end; pa += 2, pw += N) {                     \
      const int32_t a = (int32_t)pa[0] + (int32_t)((uint32_t)(int32_t)pa[1] << 16);         \
      c0 += TSL_PAIR_DOT(a, pw[0]); c1 += TSL_PAIR_DOT(a, pw[1]);                           \
      c2 += TSL_PAIR_DOT(a, pw[2]); c3 += TSL_PAIR_DOT(a, pw[3]);                           \
      c4 += TSL_PAIR_DOT(a, pw[4]); c5 += TSL_PAIR_DOT(a, pw[5]);                           \
      c6 += TSL_PAIR_DOT(a, pw[6]); c7 += TSL_PAIR_DOT(a, pw[7]);                           \
      c8 += TSL_PAIR_DOT(a, pw[8]); c9 += TSL_PAIR_DOT(a, pw[9]);                           \
      c10 += TSL_PAIR_DOT(a, pw[10]); c11 += TSL_PAIR_DOT(a, pw[11]);                       \
      c12 += TSL_PAIR_DOT(a, pw[12]); c13 += TSL_PAIR_DOT(a, pw[13]);                       \
      c14 += TSL_PAIR_DOT(a, pw[14]); c15 += TSL_PAIR_DOT(a, pw[15]);                       \
    }                                                                                       \
    acc[0] = (uint32_t)c0; acc[1] = (uint32_t)c1; acc[2] = (uint32_t)c2; acc[3] = (uint32_t)c3;\
    acc[4] = (uint32_t)c4; acc[5] = (uint32_t)c5; acc[6] = (uint32_t)c6; acc[7] = (uint32_t)c7;\
    acc[8] = (uint32_t)c8; acc[9] = (uint32_t)c9;                                           \
    acc[10] = (uint32_t)c10; acc[11] = (uint32_t)c11;                                       \
    acc[12] = (uint32_t)c12; acc[13] = (uint32_t)c13;                                       \
    acc[14] = (uint32_t)c14; acc[15] = (uint32_t)c15;                                       \
  }

#define TSL_DEFINE_GEMM_RQ_PAIRS_COLS8(tm, td, tr, tc)                                      \
  static TSL_GEMM_RQ_PAIRS_BLOCK void TSL_GEMM_RQ_PAIRS_HELPER(cols8, tm, td, tr, tc)(      \
      const int8_t *pa, const int32_t *pw, int32_t P, int32_t N, uint32_t *acc) {           \
    int32_t c0 = P, c1 = P, c2 = P, c3 = P, c4 = P, c5 = P, c6 = P, c7 = P;                 \
    for (const int8_t *end = pa + 2 * P; pa != end; pa += 2, pw += N) {                     \
      const int32_t a = (int32_t)pa[0] + (int32_t)((uint32_t)(int32_t)pa[1] << 16);         \
      c0 += TSL_PAIR_DOT(a, pw[0]); c1 += TSL_PAIR_DOT(a, pw[1]);                           \
      c2 += TSL_PAIR_DOT(a, pw[2]); c3 += TSL_PAIR_DOT(a, pw[3]);                           \
      c4 += TSL_PAIR_DOT(a, pw[4]); c5 += TSL_PAIR_DOT(a, pw[5]);                           \
      c6 += TSL_PAIR_DOT(a, pw[6]); c7 += TSL_PAIR_DOT(a, pw[7]);                           \
    }                                                                                       \
    acc[0] = (uint32_t)c0; acc[1] = (uint32_t)c1; acc[2] = (uint32_t)c2; acc[3] = (uint32_t)c3;\
    acc[4] = (uint32_t)c4; acc[5] = (uint32_t)c5; acc[6] = (uint32_t)c6; acc[7] = (uint32_t)c7;\
  }

#define TSL_DEFINE_GEMM_RQ_PAIRS_COLS4(tm, td, tr, tc)                                      \
  static TSL_GEMM_RQ_PAIRS_BLOCK void TSL_GEMM_RQ_PAIRS_HELPER(cols4, tm, td, tr, tc)(      \
      const int8_t *pa, const int32_t *pw, int32_t P, int32_t N, uint32_t *acc) {           \
    int32_t c0 = P, c1 = P, c2 = P, c3 = P;                                                 \
    for (const int8_t *end = pa + 2 * P; pa != end; pa += 2, pw += N) {                     \
      const int32_t a = (int32_t)pa[0] + (int32_t)((uint32_t)(int32_t)pa[1] << 16);         \
      c0 += TSL_PAIR_DOT(a, pw[0]); c1 += TSL_PAIR_DOT(a, pw[1]);                           \
      c2 += TSL_PAIR_DOT(a, pw[2]); c3 += TSL_PAIR_DOT(a, pw[3]);                           \
    }                                                                                       \
    acc[0] = (uint32_t)c0; acc[1] = (uint32_t)c1; acc[2] = (uint32_t)c2; acc[3] = (uint32_t)c3;\
  }

#define TSL_DEFINE_GEMM_RQ_PAIRS_COLS1(tm, td, tr, tc)                                      \
  static TSL_GEMM_RQ_PAIRS_BLOCK void TSL_GEMM_RQ_PAIRS_HELPER(cols1, tm, td, tr, tc)(      \
      const int8_t *pa, const int32_t *pw, int32_t P, int32_t N, uint32_t *acc) {           \
    int32_t c0 = P;                                                                         \
    for (const int8_t *end = pa + 2 * P; pa != end; pa += 2, pw += N) {                     \
      const int32_t a = (int32_t)pa[0] + (int32_t)((uint32_t)(int32_t)pa[1] << 16);         \
      c0 += TSL_PAIR_DOT(a, pw[0]);                                                         \
    }                                                                                       \
    acc[0] = (uint32_t)c0;                                                                  \
  }

#define TSL_DEFINE_GEMM_RQ_PAIRS(tm, td, tr, tc)                                                 \
  TSL_DEFINE_GEMM_RQ_PAIRS_COLS16(tm, td, tr, tc)                                                \
  TSL_DEFINE_GEMM_RQ_PAIRS_COLS8(tm, td, tr, tc)                                                 \
  TSL_DEFINE_GEMM_RQ_PAIRS_COLS4(tm, td, tr, tc)                                                 \
  TSL_DEFINE_GEMM_RQ_PAIRS_COLS1(tm, td, tr, tc)                                                 \
  TSL_DEFINE_GEMM_RQ_STORE(pairs_##tm##_##td##_##tr##_##tc, tm, td, tr, tc)                    \
  static void TSL_GEMM_RQ_PAIRS_NAME(tm, td, tr, tc)(                                             \
      const int8_t *A, const int32_t *W, const tsl_t_##tm *mul, const tsl_t_##td *add,           \
      tsl_t_##tr *out, int32_t nb, const int32_t *bshape, const int32_t *bsa, int32_t M,          \
      int32_t N, int32_t K, int32_t sm, int32_t sd, int32_t shift, int32_t lo, int32_t hi,        \
      int32_t acc_lim) {                                                                          \
    int32_t rows = M, rlo, rhi, nlo, nhi;                                                         \
    for (int32_t d = 0; d < nb; d++) rows *= bshape[d];                                           \
    if (tsl_gemm_rq_share(rows, N, &rlo, &rhi, &nlo, &nhi)) return;                               \
    const tsl_gemm_rq_q_t q = tsl_gemm_rq_q(shift, lo, hi, acc_lim);                              \
    const int32_t P = K / 2;                                                                      \
    uint32_t acc[16];                                                                             \
    for (int32_t r = rlo; r < rhi; r++) {                                                         \
      int32_t ob;                                                                                 \
      const int8_t *pa = A + tsl_gemm_rq_row(r, M, K, nb, bshape, bsa, NULL, &ob);                \
      tsl_t_##tr *po = out + r * N;                                                               \
      for (int32_t n = nlo; n < nhi;) {                                                           \
        int32_t w = nhi - n;                                                                      \
        const int32_t *pw = W + n;                                                                \
        if (w >= 16) {                                                                            \
          w = 16;                                                                                 \
          TSL_GEMM_RQ_PAIRS_HELPER(cols16, tm, td, tr, tc)(pa, pw, P, N, acc);                    \
        } else if (w >= 8) {                                                                      \
          w = 8;                                                                                  \
          TSL_GEMM_RQ_PAIRS_HELPER(cols8, tm, td, tr, tc)(pa, pw, P, N, acc);                     \
        } else if (w >= 4) {                                                                      \
          w = 4;                                                                                  \
          TSL_GEMM_RQ_PAIRS_HELPER(cols4, tm, td, tr, tc)(pa, pw, P, N, acc);                     \
        } else {                                                                                  \
          w = 1;                                                                                  \
          TSL_GEMM_RQ_PAIRS_HELPER(cols1, tm, td, tr, tc)(pa, pw, P, N, acc);                     \
        }                                                                                         \
        tsl_gemm_rq_cols__pairs_##tm##_##td##_##tr##_##tc(acc, w, po + n, mul + n * sm,           \
                                                          add + n * sd, sm, sd, &q);              \
        n += w;                                                                                   \
      }                                                                                           \
    }                                                                                             \
  }

#endif /* TSL_K_GEMM_RQ_PAIRS_H */
