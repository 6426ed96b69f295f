/* Every core of the team prints one line; core 0 then prints the team size it saw. */
#include <stdio.h>

#include "tsl_rt.h"

static void greet(void *arg) {
  (void)arg;
  printf("hello from core %u\n", (unsigned)tsl_core_id());
}

int main(void) {
  tsl_fork(0, greet, 0);
  printf("cores=%u\n", (unsigned)tsl_num_cores());
  return 0;
}
