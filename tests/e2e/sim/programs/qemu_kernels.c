/* Three single-core CPU kernels (KERNEL = 1, 2, 3) for the spike-vs-QEMU instruction-count check:
 * an int8 matmul, an insertion sort and a bitwise CRC-32. Each runs inside region 0. */
#include <stdint.h>
#include <stdio.h>

#include "tsl_rt.h"

static uint32_t rng = 12345;
static uint32_t next(void) { return rng = rng * 1103515245u + 12345u; }

#if KERNEL == 1
static int8_t a[24][24], b[24][24];
static int32_t c[24][24];
static uint32_t kernel(void) {
  for (int i = 0; i < 24; i++)
    for (int j = 0; j < 24; j++) {
      int32_t acc = 0;
      for (int k = 0; k < 24; k++) acc += a[i][k] * b[k][j];
      c[i][j] = acc;
    }
  uint32_t h = 0;
  for (int i = 0; i < 24; i++) h = h * 31 + (uint32_t)c[i][i];
  return h;
}
static void init(void) {
  for (int i = 0; i < 24; i++)
    for (int j = 0; j < 24; j++) a[i][j] = (int8_t)next(), b[i][j] = (int8_t)next();
}
#elif KERNEL == 2
static int32_t v[300];
static uint32_t kernel(void) {
  for (int i = 1; i < 300; i++) {
    int32_t x = v[i];
    int j = i - 1;
    while (j >= 0 && v[j] > x) v[j + 1] = v[j], j--;
    v[j + 1] = x;
  }
  return (uint32_t)(v[0] ^ v[150] ^ v[299]);
}
static void init(void) {
  for (int i = 0; i < 300; i++) v[i] = (int32_t)next();
}
#else
static uint8_t data[2048];
static uint32_t kernel(void) {
  uint32_t crc = 0xffffffffu;
  for (int i = 0; i < 2048; i++) {
    crc ^= data[i];
    for (int k = 0; k < 8; k++) crc = (crc >> 1) ^ (0xedb88320u & -(crc & 1));
  }
  return ~crc;
}
static void init(void) {
  for (int i = 0; i < 2048; i++) data[i] = (uint8_t)next();
}
#endif

int main(void) {
  init();
  tsl_region_begin(0);
  uint32_t r = kernel();
  tsl_region_end(0);
  printf("result=%08lx\n", (unsigned long)r);
  return 0;
}
