/* 2-D convolution and pooling on NCHW (1-D runs as H = 1). Spec §8: Conv is exact correlation
 * with zero padding, groups, strides and dilations, bias per output channel, wrapped to the
 * i32/i64 result (accumulated in u32/u64); MaxPool pads with -inf; AveragePool divides by the
 * counted window size (reference `_avgpool`), rounding half up on integers (IntegerMean, §7.6).
 * Pads: top/left are given; bottom/right follow from the output size.
 * Work split: output rows (n, channel, oh) over the team.
 */
#ifndef TSL_K_CONV_H
#define TSL_K_CONV_H

#include "tsl_k_common.h"
#include "tsl_k_gemm.h"

/* tsl_conv2d__<tx>_<tw>_<tb>_<tr>(x, w, bias, out, N, C, H, W, M, KH, KW, OH, OW, sh, sw,
 *                                 ph, pw, dh, dw, group, accumulate); bias may be null. The
 * interior of a row (every tap inside the input) computes 4 outputs per iteration, reusing
 * each weight. With `accumulate`, each output starts from its current value instead of the
 * bias: a tiled conv whose input channels are split adds each channel tile's partial sums. */
#define TSL_DEFINE_CONV2D(tx, tw, tb, tr)                                                      \
  static void tsl_conv2d__##tx##_##tw##_##tb##_##tr(                                           \
      const tsl_t_##tx *x, const tsl_t_##tw *w, const tsl_t_##tb *bias, tsl_t_##tr *out,       \
      int32_t N, int32_t C, int32_t H, int32_t W, int32_t M, int32_t KH, int32_t KW,          \
      int32_t OH, int32_t OW, int32_t sh, int32_t sw, int32_t ph, int32_t pw, int32_t dh,     \
      int32_t dw, int32_t group, int32_t accumulate) {                                         \
    int32_t lo, hi;                                                                            \
    tsl_split(N * M * OH, 1, &lo, &hi);                                                        \
    const int32_t cg = C / group, mg = M / group;                                              \
    /* interior columns: ow with 0 <= ow*sw - pw and ow*sw - pw + (KW-1)*dw < W */             \
    int32_t ow_a = (pw + sw - 1) / sw, ow_b = OW;                                              \
    while (ow_b > ow_a && (ow_b - 1) * sw - pw + (KW - 1) * dw >= W) ow_b--;                   \
    if (ow_a > ow_b) ow_a = ow_b;                                                              \
    for (int32_t r = lo; r < hi; r++) {                                                        \
      int32_t oh = r % OH, m = (r / OH) % M, n = r / (OH * M);                                 \
      const tsl_t_##tx *xg = x + (n * C + (m / mg) * cg) * H * W;                              \
      const tsl_t_##tw *wm = w + m * cg * KH * KW;                                             \
      tsl_acc_##tr b0 = bias ? (tsl_acc_##tr)bias[m] : 0;                                      \
      int32_t ih0 = oh * sh - ph, kh_a = 0, kh_b = KH;                                         \
      while (kh_a < KH && ih0 + kh_a * dh < 0) kh_a++;                                         \
      while (kh_b > kh_a && ih0 + (kh_b - 1) * dh >= H) kh_b--;                                \
      tsl_t_##tr *orow = out + r * OW;                                                         \
      int32_t ow = ow_a;                                                                       \
      for (; ow + 4 <= ow_b; ow += 4) {                                                        \
        tsl_acc_##tr a0 = b0, a1 = b0, a2 = b0, a3 = b0;                                       \
        if (accumulate) {                                                                      \
          a0 = (tsl_acc_##tr)orow[ow]; a1 = (tsl_acc_##tr)orow[ow + 1];                        \
          a2 = (tsl_acc_##tr)orow[ow + 2]; a3 = (tsl_acc_##tr)orow[ow + 3];                    \
        }                                                                                      \
        for (int32_t c = 0; c < cg; c++)                                                       \
          for (int32_t kh = kh_a; kh < kh_b; kh++) {                                           \
            const tsl_t_##tx *xr = xg + (c * H + ih0 + kh * dh) * W + ow * sw - pw;            \
            const tsl_t_##tw *wr = wm + (c * KH + kh) * KW;                                    \
            for (int32_t kw = 0; kw < KW; kw++, xr += dw) {                                    \
              tsl_acc_##tr wv = wr[kw];                                                        \
              a0 += wv * (tsl_acc_##tr)xr[0];                                                  \
              a1 += wv * (tsl_acc_##tr)xr[sw];                                                 \
              a2 += wv * (tsl_acc_##tr)xr[2 * sw];                                             \
              a3 += wv * (tsl_acc_##tr)xr[3 * sw];                                             \
            }                                                                                  \
          }                                                                                    \
        orow[ow] = (tsl_t_##tr)a0;                                                             \
        orow[ow + 1] = (tsl_t_##tr)a1;                                                         \
        orow[ow + 2] = (tsl_t_##tr)a2;                                                         \
        orow[ow + 3] = (tsl_t_##tr)a3;                                                         \
      }                                                                                        \
      for (int32_t o = 0; o < OW; o++) {                                                       \
        if (o >= ow_a && o < ow) continue; /* done above */                                    \
        int32_t iw0 = o * sw - pw, kw_a = 0, kw_b = KW;                                        \
        while (kw_a < KW && iw0 + kw_a * dw < 0) kw_a++;                                       \
        while (kw_b > kw_a && iw0 + (kw_b - 1) * dw >= W) kw_b--;                              \
        tsl_acc_##tr acc = accumulate ? (tsl_acc_##tr)orow[o] : b0;                            \
        for (int32_t c = 0; c < cg; c++)                                                       \
          for (int32_t kh = kh_a; kh < kh_b; kh++) {                                           \
            const tsl_t_##tx *xr = xg + (c * H + ih0 + kh * dh) * W + iw0;                     \
            const tsl_t_##tw *wr = wm + (c * KH + kh) * KW;                                    \
            for (int32_t kw = kw_a; kw < kw_b; kw++)                                           \
              acc += (tsl_acc_##tr)wr[kw] * (tsl_acc_##tr)xr[kw * dw];                         \
          }                                                                                    \
        orow[o] = (tsl_t_##tr)acc;                                                             \
      }                                                                                        \
    }                                                                                          \
  }

/* The valid taps [*a, *b) of a window starting at i0 with dilation d over [0, size). */
static inline void tsl_taps(int32_t i0, int32_t k, int32_t d, int32_t size, int32_t *a,
                            int32_t *b) {
  int32_t lo = 0, hi = k;
  while (lo < k && i0 + lo * d < 0) lo++;
  while (hi > lo && i0 + (hi - 1) * d >= size) hi--;
  *a = lo;
  *b = hi;
}

/* tsl_maxpool2d__<t>(x, out, NC, H, W, OH, OW, KH, KW, sh, sw, ph, pw, dh, dw, init):
 * max over the taps inside the input, starting from `init` (the type minimum or -inf). */
#define TSL_DEFINE_MAXPOOL2D(t)                                                                \
  static void tsl_maxpool2d__##t(const tsl_t_##t *x, tsl_t_##t *out, int32_t NC, int32_t H,    \
                                 int32_t W, int32_t OH, int32_t OW, int32_t KH, int32_t KW,   \
                                 int32_t sh, int32_t sw, int32_t ph, int32_t pw, int32_t dh,  \
                                 int32_t dw, tsl_t_##t init) {                                 \
    int32_t lo, hi;                                                                            \
    tsl_split(NC * OH, 1, &lo, &hi);                                                           \
    for (int32_t r = lo; r < hi; r++) {                                                        \
      int32_t oh = r % OH, ih0 = oh * sh - ph, kh_a, kh_b;                                     \
      const tsl_t_##t *xp = x + (r / OH) * H * W;                                              \
      tsl_taps(ih0, KH, dh, H, &kh_a, &kh_b);                                                  \
      for (int32_t ow = 0; ow < OW; ow++) {                                                    \
        int32_t iw0 = ow * sw - pw, kw_a, kw_b;                                                \
        tsl_taps(iw0, KW, dw, W, &kw_a, &kw_b);                                                \
        tsl_t_##t m = init;                                                                    \
        for (int32_t kh = kh_a; kh < kh_b; kh++)                                               \
          for (int32_t kw = kw_a; kw < kw_b; kw++) {                                           \
            tsl_t_##t v = xp[(ih0 + kh * dh) * W + iw0 + kw * dw];                             \
            m = v > m ? v : m;                                                                 \
          }                                                                                    \
        out[r * OW + ow] = m;                                                                  \
      }                                                                                        \
    }                                                                                          \
  }

/* tsl_avgpool2d__<t>_<tacc>(x, out, NC, H, W, OH, OW, KH, KW, sh, sw, ph, pw, dh, dw,
 *                           ch_lo, ch_hi, cw_lo, cw_hi): the divisor counts the taps whose
 * input coordinate lies in [ch_lo, ch_hi) x [cw_lo, cw_hi) (the input, plus the explicit pads
 * with count_include_pad); the sum covers the taps inside the input. */
#define TSL_DEFINE_AVGPOOL2D(t, tacc)                                                          \
  static void tsl_avgpool2d__##t##_##tacc(                                                     \
      const tsl_t_##t *x, tsl_t_##t *out, int32_t NC, int32_t H, int32_t W, int32_t OH,       \
      int32_t OW, int32_t KH, int32_t KW, int32_t sh, int32_t sw, int32_t ph, int32_t pw,     \
      int32_t dh, int32_t dw, int32_t ch_lo, int32_t ch_hi, int32_t cw_lo, int32_t cw_hi) {   \
    int32_t lo, hi;                                                                            \
    tsl_split(NC * OH, 1, &lo, &hi);                                                           \
    for (int32_t r = lo; r < hi; r++) {                                                        \
      int32_t oh = r % OH, ih0 = oh * sh - ph, kh_a, kh_b, ch_a, ch_b;                         \
      const tsl_t_##t *xp = x + (r / OH) * H * W;                                              \
      tsl_taps(ih0, KH, dh, H, &kh_a, &kh_b);                                                  \
      tsl_taps(ih0 - ch_lo, KH, dh, ch_hi - ch_lo, &ch_a, &ch_b);                              \
      for (int32_t ow = 0; ow < OW; ow++) {                                                    \
        int32_t iw0 = ow * sw - pw, kw_a, kw_b, cw_a, cw_b;                                    \
        tsl_taps(iw0, KW, dw, W, &kw_a, &kw_b);                                                \
        tsl_taps(iw0 - cw_lo, KW, dw, cw_hi - cw_lo, &cw_a, &cw_b);                            \
        tsl_t_##tacc s = 0;                                                                    \
        for (int32_t kh = kh_a; kh < kh_b; kh++)                                               \
          for (int32_t kw = kw_a; kw < kw_b; kw++)                                             \
            s += (tsl_t_##tacc)xp[(ih0 + kh * dh) * W + iw0 + kw * dw];                        \
        out[r * OW + ow] = (tsl_t_##t)TSL_AVG_##tacc(s, (ch_b - ch_a) * (cw_b - cw_a));        \
      }                                                                                        \
    }                                                                                          \
  }

#endif /* TSL_K_CONV_H */
