/* More transfers in flight than the queue holds (TSL_DMA_MAX_OUTSTANDING): each issue beyond it
 * first waits for the oldest one. NX 1D transfers, a wait_all, then NX 2D ones (ROWS rows each,
 * from every other row of a source twice as long); transfer i lands in dst[.][i % 16]. The clock
 * right after each issue is recorded, so the test can check that a full queue paces the issues. */
#include <stdint.h>

#include "tsl_rt.h"

#define BYTES 8192
#define ROWS 4
#ifndef NX
#define NX 32
#endif

static int8_t src[NX][2 * BYTES];
static int8_t dst[2][16][BYTES] TSL_L1;
static uint64_t after_issue[2][NX];

int main(void) {
  if (tsl_host_read("src.bin", src, sizeof src) != sizeof src) return 3;
  tsl_region_begin(1);
  for (int i = 0; i < NX; i++) {
    tsl_dma_start_1d(dst[0][i % 16], src[i], BYTES);
    after_issue[0][i] = tsl_cycles();
  }
  tsl_dma_wait_all();
  for (int i = 0; i < NX; i++) {
    tsl_dma_start_2d(dst[1][i % 16], src[i], BYTES / ROWS, ROWS, BYTES / ROWS, 2 * BYTES / ROWS);
    after_issue[1][i] = tsl_cycles();
  }
  tsl_dma_wait_all();
  tsl_region_end(1);
  tsl_host_write("dst.bin", dst, sizeof dst);
  tsl_host_write("after_issue.bin", after_issue, sizeof after_issue);
  return 0;
}
