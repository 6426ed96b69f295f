/* Reads a DMA destination before waiting (the bug a debug build must catch), unless WAIT_FIRST. */
#include <stdint.h>

#include "tsl_rt.h"

static int32_t src[256];
static int32_t dst[256] TSL_L1;

int main(void) {
  for (int i = 0; i < 256; i++) src[i] = i;
  tsl_dma_t id = tsl_dma_start_1d(dst, src, sizeof dst);
#ifdef WAIT_FIRST
  tsl_dma_wait(id);
#endif
  volatile int32_t v = dst[100];
  tsl_dma_wait(id);
  return v == 100 ? 0 : 1;
}
