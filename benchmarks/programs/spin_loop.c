/* A counted loop of about 2 * ITERS instructions per core, for simulator speed measurements. */
#include <stdint.h>

#include "tsl_rt.h"

static void loop(void *arg) {
  uint32_t n = *(const uint32_t *)arg / tsl_team_size();
  for (uint32_t i = 0; i < n; i++) __asm__ volatile("");
}

int main(void) {
  uint32_t iters = ITERS;
  tsl_region_begin(0);
  tsl_fork(0, loop, &iters);
  tsl_region_end(0);
  return 0;
}
