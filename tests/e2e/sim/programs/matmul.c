/* C[M][N] (int32) = A[M][K] x B[K][N] (int8), rows split over the team; data via host files. */
#include <stdint.h>

#include "tsl_rt.h"

#ifndef M
#define M 32
#endif
#ifndef N
#define N 32
#endif
#ifndef K
#define K 64
#endif

static int8_t a[M][K], b[K][N];
static int32_t c[M][N];

static void rows(void *arg) {
  (void)arg;
  uint32_t n = tsl_team_size(), me = tsl_core_id();
  for (uint32_t i = me; i < M; i += n)
    for (uint32_t j = 0; j < N; j++) {
      int32_t acc = 0;
      for (uint32_t k = 0; k < K; k++) acc += a[i][k] * b[k][j];
      c[i][j] = acc;
    }
}

int main(void) {
  if (tsl_host_read("a.bin", a, sizeof a) != sizeof a) return 3;
  if (tsl_host_read("b.bin", b, sizeof b) != sizeof b) return 4;
  tsl_region_begin(7);
  tsl_fork(0, rows, 0);
  tsl_region_end(7);
  return tsl_host_write("c.bin", c, sizeof c) == sizeof c ? 0 : 5;
}
