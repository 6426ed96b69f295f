/* MatMul fused with RequantShift (graph.matmul_rq; spec §1 "Fused forms"): the integer product
 * is requantized while its accumulator is still in a register and stored as int8/uint8.
 *
 * tsl_gemm_rq__<ta>_<tb>_<tm>_<td>_<tr>_<tc>(A, B, mul, add, out, nb, bshape[], bsa[], bsb[],
 *                                          M, N, K, sbk, sbn, sm, sd, shift, lo, hi, acc_lim)
 *   acc(m, n) = sum_k A[a_batch + m*K + k] * B[b_batch + k*sbk + n*sbn]   (u32, wrapping: the
 *               int32 result of the unfused MatMul)
 *   out(m, n) = clip(((tc)acc * mul[n*sm] + add[n*sd] + 2^shift / 2) >> shift, lo, hi)
 *   with the batch offsets from the nb batch dims (element strides bsa/bsb, 0 = broadcast); out
 *   is contiguous (batch, M, N); sm/sd are 0 (scalar) or 1 (per column); tc (i32 or i64) holds
 *   acc*mul + add + 2^shift/2 exactly (the lowering's bound from the types). acc_lim (from
 *   the lowering: the operand types' |mul|max and |add|max) says that every |acc| <= acc_lim
 *   is requantized exactly in int32, and < 0 that none is: each output checks its own
 *   accumulator, two instructions, and real accumulators are far below the K |a|max |b|max
 *   bound, so nearly every output skips the 64-bit multiply-add, shift and compare of RV32.
 *
 * Work split: batch*M rows over the team when there are at least as many rows as cores, else
 * the N columns (a decode-step GEMV has M = 1: splitting rows would idle 7 of 8 cores).
 * Inner loops: row-major B (sbn = 1) is streamed a k-row at a time for 16, 8 or 4 columns with
 * immediate-offset byte loads, so each A value is loaded once per block and each MAC costs
 * a load, a multiply and an add; a transposed B (sbk = 1, attention's K cache) is a dot
 * product of two contiguous rows unrolled by four, for up to 16 columns per call (as are
 * the last < 4 columns of a row-major B; at K = 4, head dim 4, the driver keeps A in
 * registers and requantizes each column as it goes). RV32IMC has no SIMD: a byte load (lb) is
 * one instruction while extracting a byte from a loaded word costs two.
 */
#ifndef TSL_K_GEMM_RQ_H
#define TSL_K_GEMM_RQ_H

#include "tsl_k_common.h"

#define TSL_GEMM_RQ_NAME(ta, tb, tm, td, tr, tc) tsl_gemm_rq__##ta##_##tb##_##tm##_##td##_##tr##_##tc
#define TSL_GEMM_RQ_HELPER(name, ta, tb, tm, td, tr, tc) \
  tsl_gemm_rq_##name##__##ta##_##tb##_##tm##_##td##_##tr##_##tc

/* ---- The driver parts shared with tsl_gemm_rq_pairs (tsl_k_gemm_rq_pairs.h) ---- */

/* This core's share of a product of `rows` (batch*M) rows of N columns: whole rows [*rlo,
 * *rhi) when there are at least as many rows as cores, else columns [*nlo, *nhi) of every row
 * in chunks of 8 (4 when N is narrower than 8 per core): a decode-step GEMV has M = 1, and
 * splitting its rows would idle 7 of 8 cores. The team size and core id are asked once
 * (tsl_split asks for both on every call). Returns whether the share is empty. */
static inline int tsl_gemm_rq_share(int32_t rows, int32_t N, int32_t *rlo, int32_t *rhi,
                                    int32_t *nlo, int32_t *nhi) {
  const int32_t team = (int32_t)tsl_team_size(), core = (int32_t)tsl_core_id();
  *rlo = 0, *rhi = rows, *nlo = 0, *nhi = N;
  if (rows >= team)
    tsl_split_of(team, core, rows, 1, rlo, rhi);
  else
    tsl_split_of(team, core, N, N >= 8 * team ? 8 : 4, nlo, nhi);
  return *rlo >= *rhi || *nlo >= *nhi;
}

/* The element offset of row r's A row (M rows of K per batch) and, through *ob, of its B
 * matrix, from the nb batch dims (element strides bsa/bsb, 0 = broadcast; bsb NULL: B is not
 * batched). The rows of the first batch, a GEMV's only one among them, need no division. */
static inline int32_t tsl_gemm_rq_row(int32_t r, int32_t M, int32_t K, int32_t nb,
                                      const int32_t *bshape, const int32_t *bsa,
                                      const int32_t *bsb, int32_t *ob) {
  int32_t oa = 0;
  *ob = 0;
  if (r >= M) {
    for (int32_t d = nb - 1, rest = r / M; d >= 0; d--) {
      const int32_t i = rest % bshape[d];
      oa += i * bsa[d];
      if (bsb) *ob += i * bsb[d];
      rest /= bshape[d];
    }
    r %= M;
  }
  return oa + r * K;
}

/* A call's requantization constants: the rounding half 2^shift / 2, and off/span for the
 * per-output range test acc + off < span (unsigned), which says |acc| <= acc_lim: int32
 * holds acc*mul + add + half exactly (span 0 when acc_lim < 0: never). */
typedef struct {
  int32_t shift, lo, hi;
  uint32_t off, span;
  int64_t half;
} tsl_gemm_rq_q_t;

static inline tsl_gemm_rq_q_t tsl_gemm_rq_q(int32_t shift, int32_t lo, int32_t hi,
                                            int32_t acc_lim) {
  tsl_gemm_rq_q_t q;
  q.shift = shift, q.lo = lo, q.hi = hi;
  q.off = acc_lim < 0 ? 0 : (uint32_t)acc_lim;
  q.span = acc_lim < 0 ? 0 : 2 * (uint32_t)acc_lim + 1;
  q.half = shift > 0 ? (int64_t)1 << (shift - 1) : 0;
  return q;
}

/* The requantized store of both kernels, named after the instance's codes `sfx`:
 * tsl_gemm_rq_store__<sfx>(acc, m, d, q) requantizes one accumulator in tc, the width the
 * operand types need, or in int32 when acc + off < span says that is exact, as it mostly is;
 * tsl_gemm_rq_cols__<sfx> stores w of them (acc[j] with mul/add column j at pm/pd, strides
 * sm/sd of 0 or 1) at po. */
#define TSL_DEFINE_GEMM_RQ_STORE(sfx, tm, td, tr, tc)                                          \
  static inline int32_t tsl_gemm_rq_store__##sfx(uint32_t acc, tsl_t_##tm m, tsl_t_##td d,     \
                                                 const tsl_gemm_rq_q_t *q) {                   \
    int32_t r;                                                                                 \
    if (sizeof(tsl_t_##tc) == 4 || __builtin_expect(acc + q->off < q->span, 1)) {              \
      r = tsl_clip32(((int32_t)acc * (int32_t)m + (int32_t)d + (int32_t)q->half) >> q->shift,  \
                     q->lo, q->hi);                                                            \
    } else {                                                                                   \
      tsl_t_##tc v = ((tsl_t_##tc)(int32_t)acc * (tsl_t_##tc)m + (tsl_t_##tc)d +               \
                      (tsl_t_##tc)q->half) >> q->shift;                                        \
      r = (int32_t)(v < q->lo ? q->lo : (v > q->hi ? q->hi : v));                              \
    }                                                                                          \
    TSL_OPAQUE(r); /* after the two paths merge: no sign extension before the store */        \
    return r;                                                                                  \
  }                                                                                            \
  static inline void tsl_gemm_rq_cols__##sfx(const uint32_t *acc, int32_t w, tsl_t_##tr *po,   \
                                             const tsl_t_##tm *pm, const tsl_t_##td *pd,       \
                                             int32_t sm, int32_t sd,                           \
                                             const tsl_gemm_rq_q_t *q) {                       \
    int32_t j = 0;                                                                             \
    if (sm & sd) {                                                                             \
      /* per-column mul and add: two outputs per step share the four pointer steps and the   \
       * branch (the second loads at immediate offsets): 14.5 instead of 17 instructions */   \
      for (; j + 1 < w; j += 2) {                                                              \
        po[j] = (tsl_t_##tr)tsl_gemm_rq_store__##sfx(acc[j], pm[j], pd[j], q);                 \
        po[j + 1] = (tsl_t_##tr)tsl_gemm_rq_store__##sfx(acc[j + 1], pm[j + 1], pd[j + 1], q); \
      }                                                                                        \
    } else if ((sm | sd) == 0) {                                                               \
      /* scalar mul and add, loaded once: a byte store may alias them */                      \
      const tsl_t_##tm m = pm[0];                                                              \
      const tsl_t_##td d = pd[0];                                                              \
      for (; j < w; j++) po[j] = (tsl_t_##tr)tsl_gemm_rq_store__##sfx(acc[j], m, d, q);        \
    }                                                                                          \
    for (; j < w; j++)                                                                         \
      po[j] = (tsl_t_##tr)tsl_gemm_rq_store__##sfx(acc[j], pm[j * sm], pd[j * sd], q);         \
  }

/* The micro-kernels stay out of line so that the accumulators own the registers, and are
 * not scheduled before register allocation: GCC's scheduler hoists all 16 loads of a k-step
 * ahead of the multiplies, which spills nine accumulators (4.7 instead of 3.25 instructions
 * per MAC in the 16-column block). */
#define TSL_GEMM_RQ_BLOCK __attribute__((noinline, optimize("no-schedule-insns")))

/* Column-block micro-kernels, defined with each instance (named after all its codes, so that
 * instances sharing operand codes do not collide). */
#define TSL_DEFINE_GEMM_RQ_BLOCKS(ta, tb, tm, td, tr, tc)                                                    \
  static TSL_GEMM_RQ_BLOCK void TSL_GEMM_RQ_HELPER(cols16, ta, tb, tm, td, tr, tc)(                    \
      const tsl_t_##ta *pa, const tsl_t_##tb *pb, int32_t K, int32_t sbk, uint32_t *acc) {     \
    uint32_t c0 = 0, c1 = 0, c2 = 0, c3 = 0, c4 = 0, c5 = 0, c6 = 0, c7 = 0;                   \
    uint32_t c8 = 0, c9 = 0, c10 = 0, c11 = 0, c12 = 0, c13 = 0, c14 = 0, c15 = 0;             \
    for (const tsl_t_##ta *end = pa + K; pa != end; pa++, pb += sbk) {                         \
      uint32_t a = (uint32_t)(int32_t)*pa;                                                     \
      c0 += a * (uint32_t)pb[0]; c1 += a * (uint32_t)pb[1];                                    \
      c2 += a * (uint32_t)pb[2]; c3 += a * (uint32_t)pb[3];                                    \
      c4 += a * (uint32_t)pb[4]; c5 += a * (uint32_t)pb[5];                                    \
      c6 += a * (uint32_t)pb[6]; c7 += a * (uint32_t)pb[7];                                    \
      c8 += a * (uint32_t)pb[8]; c9 += a * (uint32_t)pb[9];                                    \
      c10 += a * (uint32_t)pb[10]; c11 += a * (uint32_t)pb[11];                                \
      c12 += a * (uint32_t)pb[12]; c13 += a * (uint32_t)pb[13];                                \
      c14 += a * (uint32_t)pb[14]; c15 += a * (uint32_t)pb[15];                                \
    }                                                                                          \
    acc[0] = c0; acc[1] = c1; acc[2] = c2; acc[3] = c3; acc[4] = c4; acc[5] = c5;              \
    acc[6] = c6; acc[7] = c7; acc[8] = c8; acc[9] = c9; acc[10] = c10; acc[11] = c11;          \
    acc[12] = c12; acc[13] = c13; acc[14] = c14; acc[15] = c15;                                \
  }                                                                                            \
  static TSL_GEMM_RQ_BLOCK void TSL_GEMM_RQ_HELPER(cols8, ta, tb, tm, td, tr, tc)(                     \
      const tsl_t_##ta *pa, const tsl_t_##tb *pb, int32_t K, int32_t sbk, uint32_t *acc) {     \
    uint32_t c0 = 0, c1 = 0, c2 = 0, c3 = 0, c4 = 0, c5 = 0, c6 = 0, c7 = 0;                   \
    for (const tsl_t_##ta *end = pa + K; pa != end; pa++, pb += sbk) {                         \
      uint32_t a = (uint32_t)(int32_t)*pa;                                                     \
      c0 += a * (uint32_t)pb[0]; c1 += a * (uint32_t)pb[1];                                    \
      c2 += a * (uint32_t)pb[2]; c3 += a * (uint32_t)pb[3];                                    \
      c4 += a * (uint32_t)pb[4]; c5 += a * (uint32_t)pb[5];                                    \
      c6 += a * (uint32_t)pb[6]; c7 += a * (uint32_t)pb[7];                                    \
    }                                                                                          \
    acc[0] = c0; acc[1] = c1; acc[2] = c2; acc[3] = c3;                                        \
    acc[4] = c4; acc[5] = c5; acc[6] = c6; acc[7] = c7;                                        \
  }                                                                                            \
  static TSL_GEMM_RQ_BLOCK void TSL_GEMM_RQ_HELPER(cols4, ta, tb, tm, td, tr, tc)(                     \
      const tsl_t_##ta *pa, const tsl_t_##tb *pb, int32_t K, int32_t sbk, uint32_t *acc) {     \
    uint32_t c0 = 0, c1 = 0, c2 = 0, c3 = 0;                                                   \
    /* unrolled: attention x V at head dim 4 is this block over the whole cache (K = 65 in   \
     * a decode step), where two pointer steps and the branch are 3 of 16 per k-step */     \
    _Pragma("GCC unroll 4")                                                                    \
    for (const tsl_t_##ta *end = pa + K; pa != end; pa++, pb += sbk) {                         \
      uint32_t a = (uint32_t)(int32_t)*pa;                                                     \
      c0 += a * (uint32_t)pb[0]; c1 += a * (uint32_t)pb[1];                                    \
      c2 += a * (uint32_t)pb[2]; c3 += a * (uint32_t)pb[3];                                    \
    }                                                                                          \
    acc[0] = c0; acc[1] = c1; acc[2] = c2; acc[3] = c3;                                        \
  }                                                                                            \
  /* w <= 16 columns of a transposed B (rows of K contiguous values, sbn apart): one dot    \
   * product each, four products per step; any other stride one product per step. */       \
  static TSL_GEMM_RQ_BLOCK void TSL_GEMM_RQ_HELPER(trows, ta, tb, tm, td, tr, tc)(     \
      const tsl_t_##ta *pa, const tsl_t_##tb *pb, int32_t K, int32_t sbk, int32_t sbn,         \
      int32_t w, uint32_t *acc) {                                                              \
    int32_t k4 = sbk == 1 ? K & ~3 : 0;                                                        \
    for (int32_t j = 0; j < w; j++, pb += sbn) {                                               \
      uint32_t c = 0;                                                                          \
      int32_t k = 0;                                                                           \
      for (; k < k4; k += 4)                                                                   \
        c += (uint32_t)pa[k] * (uint32_t)pb[k] + (uint32_t)pa[k + 1] * (uint32_t)pb[k + 1] +    \
             (uint32_t)pa[k + 2] * (uint32_t)pb[k + 2] +                                       \
             (uint32_t)pa[k + 3] * (uint32_t)pb[k + 3];                                        \
      for (; k < K; k++) c += (uint32_t)pa[k] * (uint32_t)pb[k * sbk];                         \
      acc[j] = c;                                                                              \
    }                                                                                          \
  }

#define TSL_DEFINE_GEMM_RQ(ta, tb, tm, td, tr, tc)                                             \
  TSL_DEFINE_GEMM_RQ_BLOCKS(ta, tb, tm, td, tr, tc)                                            \
  TSL_DEFINE_GEMM_RQ_STORE(ta##_##tb##_##tm##_##td##_##tr##_##tc, tm, td, tr, tc)              \
  /* Whether every accumulator of a K = 4 row of A is within acc_lim, from |acc| <=          \
   * (|a0| + |a1| + |a2| + |a3|) |b|max (always true when tc is int32: the lowering's bound). */ \
  static inline int tsl_gemm_rq_k4_fits__##ta##_##tb##_##tm##_##td##_##tr##_##tc(              \
      const tsl_t_##ta *pa, int32_t acc_lim) {                                                 \
    if (sizeof(tsl_t_##tc) == 4) return 1;                                                     \
    if (sizeof(tsl_t_##ta) > 2 || sizeof(tsl_t_##tb) > 2 || acc_lim < 0) return 0;             \
    const int sb = (tsl_t_##tb)-1 < 0;                                                         \
    const uint32_t bmax = sizeof(tsl_t_##tb) == 1 ? (sb ? 128 : 255) : (sb ? 32768 : 65535);   \
    uint32_t s = 0;                                                                            \
    for (int32_t k = 0; k < 4; k++) {                                                          \
      int32_t v = (int32_t)pa[k];                                                              \
      s += (uint32_t)(v < 0 ? -v : v);                                                         \
    }                                                                                          \
    return (uint64_t)s * bmax <= (uint64_t)acc_lim;                                            \
  }                                                                                            \
  static void TSL_GEMM_RQ_NAME(ta, tb, tm, td, tr, tc)(                                        \
      const tsl_t_##ta *A, const tsl_t_##tb *B, const tsl_t_##tm *mul, const tsl_t_##td *add, \
      tsl_t_##tr *out, int32_t nb, const int32_t *bshape, const int32_t *bsa,                  \
      const int32_t *bsb, int32_t M, int32_t N, int32_t K, int32_t sbk, int32_t sbn,           \
      int32_t sm, int32_t sd, int32_t shift, int32_t lo, int32_t hi, int32_t acc_lim) {        \
    int32_t rows = M, rlo, rhi, nlo, nhi;                                                      \
    for (int32_t d = 0; d < nb; d++) rows *= bshape[d];                                        \
    if (tsl_gemm_rq_share(rows, N, &rlo, &rhi, &nlo, &nhi)) return;                            \
    const tsl_gemm_rq_q_t q = tsl_gemm_rq_q(shift, lo, hi, acc_lim);                           \
    uint32_t acc[16];                                                                          \
    for (int32_t r = rlo; r < rhi; r++) {                                                      \
      int32_t ob;                                                                              \
      const tsl_t_##ta *pa = A + tsl_gemm_rq_row(r, M, K, nb, bshape, bsa, bsb, &ob);          \
      const tsl_t_##tb *Bb = B + ob;                                                           \
      tsl_t_##tr *po = out + r * N;                                                            \
      int32_t n = nlo;                                                                         \
      if (K == 4 && sbk == 1 && sbn != 1) {                                                    \
        /* attention scores at head dim 4: A stays in registers and each column's dot      \
         * product is requantized and stored at once, with no accumulator round trip */     \
        const uint32_t a0 = (uint32_t)pa[0], a1 = (uint32_t)pa[1];                             \
        const uint32_t a2 = (uint32_t)pa[2], a3 = (uint32_t)pa[3];                             \
        if (sm == 0 && sd == 0 && tsl_gemm_rq_k4_fits__##ta##_##tb##_##tm##_##td##_##tr##_##tc( \
                                      pa, acc_lim)) {                                          \
          /* every |acc| of the row is within acc_lim: int32 holds acc*mul + add + half,     \
           * so mul is folded into A (sums taken modulo 2^32 end exact) and add + half is     \
           * one constant: four loads, multiplies and adds, a shift and a clip per column */ \
          const uint32_t mu = (uint32_t)(int32_t)mul[0];                                       \
          const uint32_t w0 = a0 * mu, w1 = a1 * mu, w2 = a2 * mu, w3 = a3 * mu;               \
          const uint32_t dh = (uint32_t)(int32_t)add[0] + (uint32_t)q.half;                    \
          for (const tsl_t_##tb *pb = Bb + n * sbn; n < nhi; n++, pb += sbn) {                 \
            int32_t v = (int32_t)(w0 * (uint32_t)pb[0] + w1 * (uint32_t)pb[1] +                \
                                  w2 * (uint32_t)pb[2] + w3 * (uint32_t)pb[3] + dh) >> shift;  \
            po[n] = (tsl_t_##tr)tsl_clip32(v, lo, hi);                                         \
          }                                                                                    \
        }                                                                                      \
        for (const tsl_t_##tb *pb = Bb + n * sbn; n < nhi; n++, pb += sbn)                     \
          po[n] = (tsl_t_##tr)tsl_gemm_rq_store__##ta##_##tb##_##tm##_##td##_##tr##_##tc(      \
              a0 * (uint32_t)pb[0] + a1 * (uint32_t)pb[1] + a2 * (uint32_t)pb[2] +             \
                  a3 * (uint32_t)pb[3],                                                        \
              mul[n * sm], add[n * sd], &q);                                                   \
      }                                                                                        \
      while (n < nhi) {                                                                        \
        int32_t w = nhi - n;                                                                   \
        const tsl_t_##tb *pb = Bb + n * sbn;                                                   \
        if (sbn != 1) {                                                                        \
          w = w < 16 ? w : 16;                                                                 \
          TSL_GEMM_RQ_HELPER(trows, ta, tb, tm, td, tr, tc)(pa, pb, K, sbk, sbn, w, acc);      \
        } else if (w >= 16) {                                                                  \
          w = 16;                                                                              \
          TSL_GEMM_RQ_HELPER(cols16, ta, tb, tm, td, tr, tc)(pa, pb, K, sbk, acc);             \
        } else if (w >= 8) {                                                                   \
          w = 8;                                                                               \
          TSL_GEMM_RQ_HELPER(cols8, ta, tb, tm, td, tr, tc)(pa, pb, K, sbk, acc);              \
        } else if (w >= 4) {                                                                   \
          w = 4;                                                                               \
          TSL_GEMM_RQ_HELPER(cols4, ta, tb, tm, td, tr, tc)(pa, pb, K, sbk, acc);              \
        } else {                                                                               \
          TSL_GEMM_RQ_HELPER(trows, ta, tb, tm, td, tr, tc)(pa, pb, K, sbk, sbn, w, acc);      \
        }                                                                                      \
        tsl_gemm_rq_cols__##ta##_##tb##_##tm##_##td##_##tr##_##tc(                             \
            acc, w, po + n, mul + n * sm, add + n * sd, sm, sd, &q);                           \
        n += w;                                                                                \
      }                                                                                        \
    }                                                                                          \
  }

#endif /* TSL_K_GEMM_RQ_H */
