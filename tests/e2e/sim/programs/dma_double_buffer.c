/* Double-buffered L2 -> L1 streaming: transfer i+1 flies while chunk i is summed. Records the
 * clock right after each wait so the test can check the loop period against the cost model. */
#include <stdint.h>

#include "tsl_rt.h"

#ifndef CHUNK
#define CHUNK 4096
#endif
#ifndef NCHUNK
#define NCHUNK 16
#endif
#ifndef REPS
#define REPS 1
#endif
#define STEP 64

static int8_t src[NCHUNK * CHUNK];
static int8_t buf[2][CHUNK] TSL_L1;
static int32_t sums[NCHUNK];
static uint64_t after_wait[NCHUNK];

int main(void) {
  if (tsl_host_read("src.bin", src, sizeof src) != sizeof src) return 3;
  tsl_dma_t id[NCHUNK];
  tsl_region_begin(1);
  id[0] = tsl_dma_start_1d(buf[0], src, CHUNK);
  for (int i = 0; i < NCHUNK; i++) {
    if (i + 1 < NCHUNK) id[i + 1] = tsl_dma_start_1d(buf[(i + 1) & 1], src + (i + 1) * CHUNK, CHUNK);
    tsl_dma_wait(id[i]);
    after_wait[i] = tsl_cycles();
    int32_t s = 0;
    for (int r = 0; r < REPS; r++)
      for (int j = 0; j < CHUNK; j += STEP) s += buf[i & 1][j];
    sums[i] = s;
  }
  tsl_region_end(1);
  tsl_host_write("sums.bin", sums, sizeof sums);
  tsl_host_write("after_wait.bin", after_wait, sizeof after_wait);
  return 0;
}
