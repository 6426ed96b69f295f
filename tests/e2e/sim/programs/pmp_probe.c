/* spike's PMP, probed. SHOW_RESET (a release build: nothing touched PMP) prints entry 0 as spike
 * reset it. Otherwise, in a debug build (entries 0..14 cleared, 15 = allow-all, data accesses
 * checked as U mode): deny one 64-byte L1 buffer with entry E alone (NAPOT) or with the TOR pair
 * E-1, E, then read it; the read must trap. */
#include <stdint.h>
#include <stdio.h>

#include "tsl_rt.h"

void tsl__pmp_set(uint32_t entry, uint32_t pmpaddr, uint32_t cfg); /* runtime-internal */

static int32_t buf[16] TSL_L1 __attribute__((aligned(64)));

int main(void) {
#ifdef SHOW_RESET
  uint32_t cfg0, addr0;
  __asm__ volatile("csrr %0, pmpcfg0" : "=r"(cfg0));
  __asm__ volatile("csrr %0, pmpaddr0" : "=r"(addr0));
  printf("pmpcfg0=%08lx pmpaddr0=%08lx\n", (unsigned long)cfg0, (unsigned long)addr0);
#else
  uintptr_t lo = (uintptr_t)buf;
#ifdef NAPOT
  tsl__pmp_set(E, (lo >> 2) | 7u, 0x18u); /* NAPOT, 64 bytes, no permission */
#else
  tsl__pmp_set(E - 1, lo >> 2, 0);
  tsl__pmp_set(E, (lo + sizeof buf) >> 2, 0x08u); /* TOR, no permission */
#endif
  volatile int32_t v = buf[3];
  (void)v;
#endif
  return 0;
}
