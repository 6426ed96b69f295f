/* Cluster DMA driver over the shim's per-core register bank.
 *
 * The shim copies the data when the transfer is issued and returns the modelled completion clock;
 * the runtime keeps that per transfer id and a wait only moves the core's clock forward to it.
 * So waiting never spins, and the stall is exactly the part of the transfer the core did not hide
 * behind its own work.
 *
 * Every instruction here is charged to the issuing core (a decode step issues hundreds of
 * transfers from core 0 between its forks), so the common paths are kept short: the issue
 * functions are leaves without a stack frame (a full queue, the only reason to call out, is
 * handled out of line) and the per-core state comes from tsl__self(). */
#include "tsl_internal.h"

/* The common tail of both issue paths, once the geometry registers are written: the clock at
 * issue, the start, and the completion clock the shim returns. */
static inline __attribute__((always_inline)) tsl_dma_t issue(tsl_core_t *c,
                                                              volatile uint32_t *bank,
                                                              tsl_dma_t id) {
  TSL_JITTER_POINT();
  uint64_t now = tsl__clock(c);
  bank[TSL_SHIM_TIME_LO] = (uint32_t)now;
  bank[TSL_SHIM_TIME_HI] = (uint32_t)(now >> 32);
  /* Any value starts the transfer; storing a register already at hand saves loading a 1. Copies
   * now; faults here if a range is unmapped. */
  bank[TSL_SHIM_DMA_START] = id;
  c->dma_issued = id + 1;
  c->dma_done[id % TSL_DMA_MAX_OUTSTANDING] =
      bank[TSL_SHIM_DONE_LO] | ((uint64_t)bank[TSL_SHIM_DONE_HI] << 32);
  return id;
}

/* The queue is full: wait for the oldest transfer, then issue. Out of line (and tail-called) so
 * that the issue functions need no stack frame for a call they almost never make. */
static tsl_dma_t __attribute__((noinline, cold)) start_2d_full(void *dst, const void *src,
                                                               uint32_t row_bytes, uint32_t rows,
                                                               uint32_t dst_stride,
                                                               uint32_t src_stride) {
  tsl_dma_wait(tsl__self()->dma_retired);
  return tsl_dma_start_2d(dst, src, row_bytes, rows, dst_stride, src_stride);
}

static tsl_dma_t __attribute__((noinline, cold)) start_1d_full(void *dst, const void *src,
                                                               uint32_t bytes) {
  tsl_dma_wait(tsl__self()->dma_retired);
  return tsl_dma_start_1d(dst, src, bytes);
}

tsl_dma_t tsl_dma_start_2d(void *dst, const void *src, uint32_t row_bytes, uint32_t rows,
                           uint32_t dst_stride, uint32_t src_stride) {
  tsl_core_t *c = tsl__self();
  tsl_dma_t id = c->dma_issued;
  /* Full: the same test as id - retired == MAX, written so that GCC 12 keeps the fast path in
   * caller-saved registers (the other form costs a saved s0 and a stack frame). */
  if (__builtin_expect(c->dma_retired + TSL_DMA_MAX_OUTSTANDING == id, 0))
    return start_2d_full(dst, src, row_bytes, rows, dst_stride, src_stride);
  volatile uint32_t *bank = c->bank;
  bank[TSL_SHIM_SRC] = (uint32_t)(uintptr_t)src;
  bank[TSL_SHIM_DST] = (uint32_t)(uintptr_t)dst;
  bank[TSL_SHIM_ROW_BYTES] = row_bytes;
  bank[TSL_SHIM_ROWS] = rows;
  bank[TSL_SHIM_SRC_STRIDE] = src_stride;
  bank[TSL_SHIM_DST_STRIDE] = dst_stride;
  issue(c, bank, id);
#ifdef TSL_DEBUG
  if (rows)
    tsl__debug_guard(id, (uintptr_t)dst, (uintptr_t)dst + (rows - 1) * dst_stride + row_bytes);
#endif
  return id;
}

/* Its own body rather than a call of tsl_dma_start_2d: one row needs no strides (the shim reads
 * them only to step between rows, and computes the extent as (rows - 1) * stride + row_bytes), so
 * whatever the bank holds from an earlier 2D transfer is never used. */
tsl_dma_t tsl_dma_start_1d(void *dst, const void *src, uint32_t bytes) {
  tsl_core_t *c = tsl__self();
  tsl_dma_t id = c->dma_issued;
  if (__builtin_expect(c->dma_retired + TSL_DMA_MAX_OUTSTANDING == id, 0))
    return start_1d_full(dst, src, bytes);
  volatile uint32_t *bank = c->bank;
  bank[TSL_SHIM_SRC] = (uint32_t)(uintptr_t)src;
  bank[TSL_SHIM_DST] = (uint32_t)(uintptr_t)dst;
  bank[TSL_SHIM_ROW_BYTES] = bytes;
  bank[TSL_SHIM_ROWS] = 1;
  issue(c, bank, id);
#ifdef TSL_DEBUG
  tsl__debug_guard(id, (uintptr_t)dst, (uintptr_t)dst + bytes);
#endif
  return id;
}

void tsl_dma_wait(tsl_dma_t id) {
  tsl_core_t *c = tsl__self();
  uint32_t retired = c->dma_retired;
  /* Pending means retired <= id < issued (modulo 2^32): one unsigned compare. Older ids are done
   * already, and ids not issued yet have nothing to wait for. */
  if (id - retired >= c->dma_issued - retired) return;
  tsl__stall_until(c, c->dma_done[id % TSL_DMA_MAX_OUTSTANDING], &c->dma_wait);
  c->dma_retired = id + 1; /* the queue is in order: everything before id is done too */
#ifdef TSL_DEBUG
  tsl__debug_release_upto(id);
#endif
}

void tsl_dma_wait_all(void) {
  tsl_core_t *c = tsl__self();
  if (c->dma_issued != c->dma_retired) tsl_dma_wait(c->dma_issued - 1);
}
