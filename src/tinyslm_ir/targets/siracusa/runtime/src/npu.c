/* NPU driver: one store of the descriptor address submits a job (atomic with respect to the other
 * cores, which use their own register banks anyway). Like the DMA, the shim computes the result
 * at submission and returns the modelled completion clock; tsl_npu_wait() moves the clock there. */
#include "tsl_internal.h"

uint32_t tsl_npu_submit(const tsl_npu_job_t *job) {
  uint32_t me = tsl__hartid();
  tsl_core_t *c = &tsl__core[me];
  volatile uint32_t *bank = TSL_SHIM_BANK(me);
  TSL_JITTER_POINT();
  uint64_t now = tsl__clock(c);
  bank[TSL_SHIM_TIME_LO] = (uint32_t)now;
  bank[TSL_SHIM_TIME_HI] = (uint32_t)(now >> 32);
  bank[TSL_SHIM_NPU_SUBMIT] = (uint32_t)(uintptr_t)job;
  c->npu_done = bank[TSL_SHIM_DONE_LO] | ((uint64_t)bank[TSL_SHIM_DONE_HI] << 32);
  return bank[TSL_SHIM_LATENCY];
}

void tsl_npu_wait(void) {
  tsl_core_t *c = &tsl__core[tsl__hartid()];
  tsl__stall_until(c, c->npu_done, &c->npu_wait);
}
