/* A mixed 8-core workload with uneven work, DMA, barriers and an NPU job: the determinism test
 * runs it under different hart interleavings and expects identical modelled counters. */
#include <stdint.h>

#include "tsl_rt.h"

#define TILE 2048
static int8_t src[8][TILE];
static int8_t tile[8][TILE] TSL_L1;
static int32_t result[8][2];
static int8_t x[6 * 6 * 32] TSL_L1, y[6 * 6 * 32] TSL_L1;
static int8_t w[32 * 32] TSL_L1;
static int32_t scale[32] TSL_L1, bias[32] TSL_L1;

static void phase(void *arg) {
  (void)arg;
  uint32_t me = tsl_core_id(), n = tsl_team_size(), bytes = 256 * (me + 1);
  tsl_dma_t id = tsl_dma_start_1d(tile[me], src[me], bytes);
  int32_t s = 0;
  for (uint32_t i = 0; i < 300 * (me + 1); i++) s += (int32_t)(i * me) ^ s;
  tsl_dma_wait(id);
  for (uint32_t j = 0; j < bytes; j++) s += tile[me][j];
  result[me][0] = s;
  tsl_barrier();
  int32_t t = 0;
  for (uint32_t j = 0; j < 256; j++) t += tile[(me + 1) % n][j];
  result[me][1] = t;
}

int main(void) {
  for (int c = 0; c < 8; c++)
    for (int i = 0; i < TILE; i++) src[c][i] = (int8_t)(i * 7 + c * 13);
  for (int i = 0; i < 32 * 32; i++) w[i] = (int8_t)(i * 5);
  for (int i = 0; i < 6 * 6 * 32; i++) x[i] = (int8_t)(i * 3);
  for (int i = 0; i < 32; i++) scale[i] = 3, bias[i] = i;
  tsl_region_begin(0);
  tsl_fork(0, phase, 0);
  tsl_region_end(0);
  tsl_region_begin(1);
  tsl_npu_job_t job = {.op = TSL_NPU_CONV1X1, .flags = TSL_NPU_RELU, .input = x, .weights = w,
                       .output = y, .scale = scale, .bias = bias, .h_in = 6, .w_in = 6,
                       .c_in = 32, .c_out = 32, .shift = 9};
  tsl_npu_submit(&job);
  tsl_dma_t id = tsl_dma_start_1d(tile[0], src[1], TILE);
  tsl_npu_wait();
  tsl_dma_wait(id);
  tsl_region_end(1);
  tsl_region_begin(2);
  tsl_fork(4, phase, 0);
  tsl_region_end(2);
  tsl_host_write("result.bin", result, sizeof result);
  tsl_host_write("y.bin", y, sizeof y);
  return 0;
}
