/* Debug guards on pending DMA destinations: issue A transfers, wait for the first W of them, issue
 * the remaining N - A, then read transfer K's destination (K < 0: no early read) before the final
 * tsl_dma_wait_all. Pending at the read: transfers W..N-1. Exit code 0 iff the data arrived.
 * L2_FIRST: transfer 0 lands in L2 (like a tile's write-back), so that with N above the guard
 * slots its guard is evicted for an L1 destination's; only the L1 rows are checked. */
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

/* Constant source rows: only the DMA reads them, so the program also runs strict-L1. */
#define ROW(i)                                                                            \
  {100 * (i) + 0, 100 * (i) + 1, 100 * (i) + 2,   100 * (i) + 3,   100 * (i) + 4,         \
   100 * (i) + 5, 100 * (i) + 6, 100 * (i) + 7,   100 * (i) + 8,   100 * (i) + 9,         \
   100 * (i) + 10, 100 * (i) + 11, 100 * (i) + 12, 100 * (i) + 13, 100 * (i) + 14,       \
   100 * (i) + 15}
static const int32_t src[16][16] = {ROW(0), ROW(1), ROW(2),  ROW(3),  ROW(4),  ROW(5),
                                    ROW(6), ROW(7), ROW(8),  ROW(9),  ROW(10), ROW(11),
                                    ROW(12), ROW(13), ROW(14), ROW(15)};
_Static_assert(N <= 16, "N rows of src");
static int32_t dst[N][16] TSL_L1;
#ifdef L2_FIRST
static int32_t l2_dst[16];
#define DST(i) ((i) == 0 ? l2_dst : dst[i])
#define CHECKED_FROM 1 /* a strict-L1 core may not read l2_dst */
#else
#define DST(i) dst[i]
#define CHECKED_FROM 0
#endif

int main(void) {
  tsl_dma_t first = 0;
  for (int i = 0; i < N; i++) {
    if (i == A && W > 0) tsl_dma_wait(first + W - 1);
    tsl_dma_t id = tsl_dma_start_1d(DST(i), src[i], sizeof dst[i]);
    if (i == 0) first = id;
  }
#if K >= 0
  volatile int32_t early = ((volatile int32_t *)dst[K])[3];
  if (early != 100 * K + 3) return 2; /* the shim copies at issue, so the data is already there */
#endif
  tsl_dma_wait_all();
  for (int i = CHECKED_FROM; i < N; i++)
    if (((volatile int32_t *)dst[i])[3] != 100 * i + 3) return 1;
  return 0;
}
