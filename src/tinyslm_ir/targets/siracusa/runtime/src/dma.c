/* Cluster DMA driver over the shim's per-core register bank.
 *
 * The shim copies the data when the transfer is issued and returns the modelled completion clock;
 * the runtime keeps that per transfer id and a wait only moves the core's clock forward to it.
 * So waiting never spins, and the stall is exactly the part of the transfer the core did not hide
 * behind its own work. */
#include "tsl_internal.h"

tsl_dma_t tsl_dma_start_2d(void *dst, const void *src, uint32_t row_bytes, uint32_t rows,
                           uint32_t dst_stride, uint32_t src_stride) {
  uint32_t me = tsl__hartid();
  tsl_core_t *c = &tsl__core[me];
  volatile uint32_t *bank = TSL_SHIM_BANK(me);
  if (c->dma_issued - c->dma_retired == TSL_DMA_MAX_OUTSTANDING) tsl_dma_wait(c->dma_retired);
  bank[TSL_SHIM_SRC] = (uint32_t)(uintptr_t)src;
  bank[TSL_SHIM_DST] = (uint32_t)(uintptr_t)dst;
  bank[TSL_SHIM_ROW_BYTES] = row_bytes;
  bank[TSL_SHIM_ROWS] = rows;
  bank[TSL_SHIM_SRC_STRIDE] = src_stride;
  bank[TSL_SHIM_DST_STRIDE] = dst_stride;
  TSL_JITTER_POINT();
  uint64_t now = tsl__clock(c);
  bank[TSL_SHIM_TIME_LO] = (uint32_t)now;
  bank[TSL_SHIM_TIME_HI] = (uint32_t)(now >> 32);
  bank[TSL_SHIM_DMA_START] = 1; /* copies now; faults here if a range is unmapped */
  tsl_dma_t id = c->dma_issued++;
  c->dma_done[id % TSL_DMA_MAX_OUTSTANDING] =
      bank[TSL_SHIM_DONE_LO] | ((uint64_t)bank[TSL_SHIM_DONE_HI] << 32);
#ifdef TSL_DEBUG
  if (rows)
    tsl__debug_guard(id, (uintptr_t)dst, (uintptr_t)dst + (rows - 1) * dst_stride + row_bytes);
#endif
  return id;
}

tsl_dma_t tsl_dma_start_1d(void *dst, const void *src, uint32_t bytes) {
  return tsl_dma_start_2d(dst, src, bytes, 1, bytes, bytes);
}

void tsl_dma_wait(tsl_dma_t id) {
  tsl_core_t *c = &tsl__core[tsl__hartid()];
  if ((int32_t)(id - c->dma_retired) < 0 || (int32_t)(id - c->dma_issued) >= 0) return;
  tsl__stall_until(c, c->dma_done[id % TSL_DMA_MAX_OUTSTANDING], &c->dma_wait);
  c->dma_retired = id + 1; /* the queue is in order: everything before id is done too */
#ifdef TSL_DEBUG
  tsl__debug_release_upto(id);
#endif
}

void tsl_dma_wait_all(void) {
  tsl_core_t *c = &tsl__core[tsl__hartid()];
  if (c->dma_issued != c->dma_retired) tsl_dma_wait(c->dma_issued - 1);
}
