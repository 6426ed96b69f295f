/* Debug guards on pending DMA destinations: issue A transfers, wait for the first W of them, issue
 * the remaining N - A, then read transfer K's destination (K < 0: no early read) before the final
 * tsl_dma_wait_all. Pending at the read: transfers W..N-1. Exit code 0 iff the data arrived. */
#include <stdint.h>

#include "tsl_rt.h"

#ifndef N
#define N 8
#endif
#ifndef A
#define A N
#endif
#ifndef W
#define W 0
#endif
#ifndef K
#define K (-1)
#endif

static int32_t src[N][16];
static int32_t dst[N][16] TSL_L1;

int main(void) {
  for (int i = 0; i < N; i++)
    for (int j = 0; j < 16; j++) src[i][j] = 100 * i + j;
  tsl_dma_t first = 0;
  for (int i = 0; i < N; i++) {
    if (i == A && W > 0) tsl_dma_wait(first + W - 1);
    tsl_dma_t id = tsl_dma_start_1d(dst[i], src[i], sizeof dst[i]);
    if (i == 0) first = id;
  }
#if K >= 0
  volatile int32_t early = ((volatile int32_t *)dst[K])[3];
  if (early != 100 * K + 3) return 2; /* the shim copies at issue, so the data is already there */
#endif
  tsl_dma_wait_all();
  for (int i = 0; i < N; i++)
    if (((volatile int32_t *)dst[i])[3] != 100 * i + 3) return 1;
  return 0;
}
