/* PMP access for the debug (debug_pmp.c) and strict-L1 (strict_l1.c) checks.
 *
 * CSR numbers are immediates, hence the switches. A cfg byte is replaced with csrc + csrs on its
 * pmpcfg register, so the users need no shadow copy and never clobber each other's entries. */
#include "tsl_internal.h"

#define MSTATUS_MPRV (1u << 17)
#define MSTATUS_MPP (3u << 11)

#define WRITE_PMPADDR(n, v) __asm__ volatile("csrw pmpaddr" #n ", %0" ::"r"(v))
static void write_pmpaddr(uint32_t i, uint32_t v) {
  switch (i) {
    case 0: WRITE_PMPADDR(0, v); break;
    case 1: WRITE_PMPADDR(1, v); break;
    case 2: WRITE_PMPADDR(2, v); break;
    case 3: WRITE_PMPADDR(3, v); break;
    case 4: WRITE_PMPADDR(4, v); break;
    case 5: WRITE_PMPADDR(5, v); break;
    case 6: WRITE_PMPADDR(6, v); break;
    case 7: WRITE_PMPADDR(7, v); break;
    case 8: WRITE_PMPADDR(8, v); break;
    case 9: WRITE_PMPADDR(9, v); break;
    case 10: WRITE_PMPADDR(10, v); break;
    case 11: WRITE_PMPADDR(11, v); break;
    case 12: WRITE_PMPADDR(12, v); break;
    case 13: WRITE_PMPADDR(13, v); break;
    case 14: WRITE_PMPADDR(14, v); break;
    default: WRITE_PMPADDR(15, v); break;
  }
}

#define SET_CFG_BYTE(n, mask, v)                            \
  do {                                                      \
    __asm__ volatile("csrc pmpcfg" #n ", %0" ::"r"(mask)); \
    __asm__ volatile("csrs pmpcfg" #n ", %0" ::"r"(v));    \
  } while (0)

void tsl__pmp_set(uint32_t entry, uint32_t pmpaddr, uint32_t cfg) {
  uint32_t shift = 8 * (entry & 3), mask = 0xffu << shift, v = (cfg & 0xffu) << shift;
  write_pmpaddr(entry, pmpaddr);
  switch (entry >> 2) {
    case 0: SET_CFG_BYTE(0, mask, v); break;
    case 1: SET_CFG_BYTE(1, mask, v); break;
    case 2: SET_CFG_BYTE(2, mask, v); break;
    default: SET_CFG_BYTE(3, mask, v); break;
  }
}

void tsl__pmp_check_data(void) {
  __asm__ volatile("csrc mstatus, %0" ::"r"(MSTATUS_MPP));
  __asm__ volatile("csrs mstatus, %0" ::"r"(MSTATUS_MPRV));
}
