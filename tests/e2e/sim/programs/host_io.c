/* Host-file round trip: 1 MiB from a subdirectory into L3, transformed, written back; reading a
 * missing file must return a negative value; a partial file returns its true length. */
#include <stdint.h>
#include <stdio.h>

#include "tsl_rt.h"

#define SIZE (1 << 20)
static uint8_t big[SIZE] TSL_L3;

int main(void) {
  if (tsl_host_read("in/big.bin", big, SIZE) != SIZE) return 3;
  for (uint32_t i = 0; i < SIZE; i++) big[i] = (uint8_t)(big[i] + 1);
  if (tsl_host_write("out.bin", big, SIZE) != SIZE) return 4;
  long missing = tsl_host_read("no/such/file.bin", big, 16);
  long partial = tsl_host_read("short.bin", big, 100);
  printf("missing<0=%d partial=%ld\n", missing < 0, partial);
  return 0;
}
