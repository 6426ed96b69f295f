/* Runs one NPU job described by host files: job.bin = u32[9] {op, flags, h_in, w_in, c_in, c_out,
 * pads (top|right<<8|bottom<<16|left<<24), shift, weights_in_wmem}; x.bin, w.bin, scale.bin,
 * bias.bin (-DBAD_INPUT=addr overrides the input pointer). Writes y.bin (the output) and
 * lat.bin (u32 latency reported by the NPU). */
#include <stdint.h>

#include "tsl_rt.h"

static int8_t x[32768] TSL_L1;
static int8_t w_l1[16384] TSL_L1;
static int8_t y[65536] TSL_L1;
static int32_t scale[256] TSL_L1, bias[256] TSL_L1;
static int8_t w_wmem[65536] TSL_WMEM;

int main(void) {
  uint32_t p[9];
  if (tsl_host_read("job.bin", p, sizeof p) != sizeof p) return 3;
  int8_t *w = p[8] ? w_wmem : w_l1;
  long nx = tsl_host_read("x.bin", x, sizeof x);
  long nw = tsl_host_read("w.bin", w, p[8] ? sizeof w_wmem : sizeof w_l1);
  tsl_host_read("scale.bin", scale, sizeof scale);
  tsl_host_read("bias.bin", bias, sizeof bias);
  if (nx <= 0 || nw <= 0) return 4;
  tsl_npu_job_t job = {
      .op = p[0], .flags = p[1], .input = x, .weights = w, .output = y, .scale = scale,
      .bias = bias, .h_in = p[2], .w_in = p[3], .c_in = p[4], .c_out = p[5],
      .pad_top = p[6] & 255, .pad_right = (p[6] >> 8) & 255, .pad_bottom = (p[6] >> 16) & 255,
      .pad_left = p[6] >> 24, .shift = p[7]};
#ifdef BAD_INPUT /* the fault test: an operand the NPU cannot reach */
  job.input = (const int8_t *)BAD_INPUT;
#endif
  tsl_region_begin(2);
  uint32_t lat = tsl_npu_submit(&job);
  tsl_npu_wait();
  tsl_region_end(2);
  uint32_t kk = p[0] == TSL_NPU_CONV1X1 ? 0 : 2;
  uint32_t out_bytes = (p[1] & TSL_NPU_OUT_INT32) ? 4 : 1;
  uint32_t n_out = (p[2] + ((p[6] & 255) + ((p[6] >> 16) & 255)) - kk) *
                   (p[3] + (((p[6] >> 8) & 255) + (p[6] >> 24)) - kk) * p[5] * out_bytes;
  tsl_host_write("y.bin", y, n_out);
  tsl_host_write("lat.bin", &lat, sizeof lat);
  return 0;
}
