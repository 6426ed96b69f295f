/* Never exits: the driver must give up at its wall-clock timeout. */
#include "tsl_rt.h"

int main(void) {
  for (;;) __asm__ volatile("");
}
