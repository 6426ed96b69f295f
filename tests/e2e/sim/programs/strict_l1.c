/* Strict-L1 test: DMA an L2 vector into L1, sum slices of it on every core and the partial sums
 * on core 0, DMA the result back to L2. BAD selects a violation: 1 a worker reads L2, 2 a worker
 * writes L2, 3 core 0's serial code reads L2, 4 a worker reads WMEM, 5 core 0 reads the DMA
 * destination before waiting (caught by a debug + strict build). */
#include <stdint.h>
#include <stdio.h>

#include "tsl_rt.h"

#define N 4096
#ifndef BAD
#define BAD 0
#endif

static int8_t src[N];                     /* L2: the host fills it */
static int32_t result[16];                /* L2: filled by DMA only */
static int8_t table[64] TSL_WMEM = {1, 2, 3};
static int8_t buf[N] TSL_L1;
static int32_t part[16] TSL_L1;

static void sum_part(void *arg) {
  (void)arg;
  uint32_t me = tsl_core_id(), n = tsl_team_size(), chunk = N / n;
  const volatile int8_t *p = buf + me * chunk;
  if (BAD == 1 && me == n - 1) p = src + me * chunk;
  if (BAD == 4 && me == n - 1) p = table;
  int32_t s = 0;
  for (uint32_t i = 0; i < chunk; i++) s += p[i % (BAD == 4 ? 64 : chunk)];
  part[me] = s;
  if (BAD == 2 && me == n - 1) *(volatile int32_t *)&result[0] = s;
}

int main(void) {
  if (tsl_host_read("src.bin", src, sizeof src) != sizeof src) {
    printf("strict_l1: src.bin must hold %d bytes\n", N);
    return 3;
  }
  tsl_region_begin(1);
  tsl_dma_t in = tsl_dma_start_1d(buf, src, N);
  if (BAD == 5) (void)*(volatile int8_t *)&buf[N - 1];
  tsl_dma_wait(in);
  tsl_fork(0, sum_part, 0);
  int32_t total = BAD == 3 ? *(volatile int8_t *)&src[1] : 0;
  for (uint32_t i = 0; i < tsl_num_cores(); i++) total += part[i];
  part[15] = total;
  tsl_dma_wait(tsl_dma_start_1d(result, part, sizeof part));
  tsl_region_end(1);
  printf("total=%ld\n", (long)total);
  tsl_host_write("result.bin", result, sizeof result);
  return 0;
}
