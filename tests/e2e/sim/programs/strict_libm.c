/* Strict-L1 test: libm's out-of-range paths read constants that picolibc keeps in .data
 * (`volatile`, to raise the FP exception flags): expf's underflow and overflow, tanhf's tiny
 * argument. A strict core must compute them on L1 data without trapping. Exit code 0 iff the
 * results are right. */
#include <math.h>

#include "tsl_rt.h"

static volatile float x[3] TSL_L1; /* volatile: computed at run time, not folded */

int main(void) {
  x[0] = -200.0f;
  x[1] = 200.0f;
  x[2] = 1e-20f;
  float under = expf(x[0]), over = expf(x[1]), small = tanhf(x[2]);
  return under == 0.0f && isinf(over) && small == x[2] ? 0 : 1;
}
