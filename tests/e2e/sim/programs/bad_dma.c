/* A DMA to an unmapped address: must be reported as a fault naming the address, not hang. */
#include "tsl_rt.h"

static char buf[64] TSL_L1;

int main(void) {
  tsl_dma_t id = tsl_dma_start_1d((void *)BAD_ADDR, buf, sizeof buf);
  tsl_dma_wait(id);
  return 0;
}
