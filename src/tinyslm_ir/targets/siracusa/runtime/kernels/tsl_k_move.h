/* Data movement: one strided N-D copy (transpose, slice, expand, concat into an offset, split,
 * the interior of pad, reshape), a fill (pad's border), and gather. Pure data movement
 * (spec §8); the copy converts element types only where concat promotes its operands.
 */
#ifndef TSL_K_MOVE_H
#define TSL_K_MOVE_H

#include "tsl_k_common.h"
#include "tsl_k_eltwise.h"

/* tsl_copy__<ta>_<tr>(src, dst, rank, shape[], src_strides[], dst_strides[]): for every index
 * of `shape`, dst[index . dst_strides] = src[index . src_strides] (element strides, any sign).
 * Same-type instances exist per element byte size (u8, u16, u32, u64). */
#define TSL_DEFINE_COPY(ta, tr)                                                                \
  static void tsl_copy__##ta##_##tr(const tsl_t_##ta *src, tsl_t_##tr *dst, int32_t rank,      \
                                    const int32_t *shape, const int32_t *ss,                   \
                                    const int32_t *ds) {                                       \
    int32_t lo, hi;                                                                            \
    tsl_split(tsl_numel(rank, shape), 1, &lo, &hi);                                            \
    const int32_t *str[2] = {ss, ds};                                                          \
    tsl_iter_t it;                                                                             \
    tsl_iter_init(&it, rank, shape, 2, str, lo, hi);                                           \
    const int32_t da = TSL_ITER_STEP(it, 0), db = TSL_ITER_STEP(it, 1);                        \
    for (TSL_ITER_RUNS(it, n)) {                                                               \
      const tsl_t_##ta *ps = src + it.off[0];                                                  \
      tsl_t_##tr *pd = dst + it.off[1];                                                        \
      if (da == 1 && db == 1) {                                                                \
        for (int32_t k = 0; k < n; k++) pd[k] = TSL_CVT_##tr(ps[k]);                           \
      } else {                                                                                 \
        for (int32_t k = 0; k < n; k++, ps += da, pd += db) *pd = TSL_CVT_##tr(*ps);           \
      }                                                                                        \
    }                                                                                          \
  }

/* tsl_fill__<t>(dst, n, value): dst[0..n) = value. */
#define TSL_DEFINE_FILL(t)                                                                     \
  static void tsl_fill__##t(tsl_t_##t *dst, int32_t n, tsl_t_##t value) {                      \
    int32_t lo, hi;                                                                            \
    tsl_split(n, 1, &lo, &hi);                                                                 \
    for (int32_t i = lo; i < hi; i++) dst[i] = value;                                          \
  }

/* tsl_gather__<t>_<ti>(data, indices, out, outer, dim, inner, n_idx): data viewed as
 * (outer, dim, inner), out as (outer, n_idx, inner); out[o][j][:] = data[o][idx_j][:] with
 * negative indices counting from the end (ONNX Gather); an index out of range stops the
 * program (tsl_fail). Rows (o, j) are split over the team. */
#define TSL_DEFINE_GATHER(t, ti)                                                               \
  static void tsl_gather__##t##_##ti(const tsl_t_##t *data, const tsl_t_##ti *indices,        \
                                     tsl_t_##t *out, int32_t outer, int32_t dim,              \
                                     int32_t inner, int32_t n_idx) {                           \
    int32_t lo, hi;                                                                            \
    tsl_split(outer * n_idx, 1, &lo, &hi);                                                     \
    if (lo >= hi) return;                                                                      \
    int32_t o = lo / n_idx, j = lo % n_idx;                                                    \
    for (int32_t r = lo; r < hi; r++) {                                                        \
      int64_t ix = (int64_t)indices[j];                                                        \
      if (ix < 0) ix += dim;                                                                   \
      if (ix < 0 || ix >= dim) tsl_fail("gather: index", (int64_t)indices[j], dim);            \
      const tsl_t_##t *src = data + ((int32_t)o * dim + (int32_t)ix) * inner;                  \
      tsl_t_##t *dst = out + r * inner;                                                        \
      for (int32_t k = 0; k < inner; k++) dst[k] = src[k];                                     \
      if (++j == n_idx) {                                                                      \
        j = 0;                                                                                 \
        o++;                                                                                   \
      }                                                                                        \
    }                                                                                          \
  }

/* tsl_cache_write__<t>_<tp>(cache, rows, pos, out, outer, n, cap, inner): the KV-cache
 * append. cache/out are (outer, cap, inner), rows (outer, n, inner); rows go to positions
 * pos[0].. of every outer slice, read at run time so one program serves every decode step.
 * Bufferization makes out the cache itself (in place: only the new rows move); a distinct out
 * gets the cache copied first. A write past the capacity (the reference interpreter rejects
 * it) stops the program (tsl_fail) rather than write outside the buffer. */
#define TSL_DEFINE_CACHE_WRITE(t, tp)                                                      \
  static void tsl_cache_write__##t##_##tp(const tsl_t_##t *cache, const tsl_t_##t *rows,   \
                                          const tsl_t_##tp *pos, tsl_t_##t *out,           \
                                          int32_t outer, int32_t n, int32_t cap,           \
                                          int32_t inner) {                                 \
    int64_t p0 = (int64_t)pos[0];                                                          \
    if (p0 < 0 || p0 + n > cap) tsl_fail("cache_write: position", p0, cap - n + 1);        \
    int32_t lo, hi;                                                                        \
    tsl_split(outer, 1, &lo, &hi);                                                         \
    for (int32_t o = lo; o < hi; o++) {                                                    \
      if (out != cache)                                                                    \
        for (int32_t k = o * cap * inner; k < (o + 1) * cap * inner; k++) out[k] = cache[k];\
      tsl_t_##t *dst = out + (o * cap + (int32_t)p0) * inner;                              \
      const tsl_t_##t *src = rows + o * n * inner;                                         \
      for (int32_t k = 0; k < n * inner; k++) dst[k] = src[k];                             \
    }                                                                                      \
  }

/* tsl_cache_write_dma__<t>_<tp>(rows, pos, cache, outer, n, cap, inner): the same append in
 * strict-L1 code, on core 0: cache and rows stay in L2 and move by one 2-D DMA (outer rows of
 * n*inner elements, at the runtime offset pos[0]*inner); the core reads only pos, which the
 * caller has moved to L1. Returns once the transfer is complete. */
#define TSL_DEFINE_CACHE_WRITE_DMA(t, tp)                                                  \
  static void tsl_cache_write_dma__##t##_##tp(const tsl_t_##t *rows, const tsl_t_##tp *pos,\
                                              tsl_t_##t *cache, int32_t outer, int32_t n,  \
                                              int32_t cap, int32_t inner) {                \
    int64_t p0 = (int64_t)pos[0];                                                          \
    if (p0 < 0 || p0 + n > cap) tsl_fail("cache_write: position", p0, cap - n + 1);        \
    uint32_t row = (uint32_t)(n * inner) * sizeof(tsl_t_##t);                              \
    tsl_dma_wait(tsl_dma_start_2d(cache + (int32_t)p0 * inner, rows, row, (uint32_t)outer, \
                                  (uint32_t)(cap * inner) * sizeof(tsl_t_##t), row));      \
  }

/* tsl_gather_rows_dma__<t>_<ti>(data, indices, out, dim, inner, n_idx): a gather on axis 0
 * in strict-L1 code, on core 0: row idx_j (inner elements, negative from the end) of data
 * moves to row j of out by DMA, so an embedding lookup moves its rows, not the table. The core
 * reads only the indices, which the caller has moved to L1. An index out of range (the
 * reference interpreter rejects it) stops the program. Returns once every row has landed. */
#define TSL_DEFINE_GATHER_ROWS_DMA(t, ti)                                                  \
  static void tsl_gather_rows_dma__##t##_##ti(const tsl_t_##t *data, const tsl_t_##ti *idx,\
                                              tsl_t_##t *out, int32_t dim, int32_t inner,  \
                                              int32_t n_idx) {                             \
    uint32_t row = (uint32_t)inner * sizeof(tsl_t_##t);                                    \
    for (int32_t j = 0; j < n_idx; j++) {                                                  \
      int64_t r = (int64_t)idx[j];                                                         \
      if (r < 0) r += dim;                                                                 \
      if (r < 0 || r >= dim) tsl_fail("gather: index", (int64_t)idx[j], dim);              \
      (void)tsl_dma_start_1d(out + j * inner, data + (int32_t)r * inner, row);             \
    }                                                                                      \
    tsl_dma_wait_all();                                                                    \
  }

#endif /* TSL_K_MOVE_H */
