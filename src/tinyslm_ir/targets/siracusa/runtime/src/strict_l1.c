/* Strict-L1 builds (TSL_STRICT_L1): the honesty check of the tiled mode. Cluster cores compute
 * only on L1; L2, WMEM and L3 reach them through the DMA or the NPU, whose traffic the cost model
 * charges. So every byte a kernel uses has been paid for.
 *
 * Mechanism: the MPRV/MPP=U trick of the debug guards (pmp.c), from main's entry (and a
 * worker's boot) to exit. The policy is four TOR entries (0..3; writing entry 0 also replaces
 * the allow-all spike sets there at reset), and an access no entry matches is denied:
 *   [0, shim end)                       read/write: the CLINT (wake-ups), L1, the shim's register
 *                                       banks, and unmapped gaps (which fault on the bus anyway);
 *   [L2 base, __tsl_code_end)           read: code image and its constant pools (literals, jump
 *                                       tables, libm tables and libm's volatile constants, see
 *                                       link.ld) - like instruction fetch, they are part of the
 *                                       program, not data it computes on;
 *   [__tsl_code_end, __tsl_exempt_end)  read/write: HTIF mailboxes and the runtime's instruments.
 * WMEM, the rest of L2 (weights in .l2_weights, .data, .bss) and L3 match nothing. Fetch from L2
 * stays allowed (MPRV does not apply to fetches); the trap handler runs with MPP = M, unchecked.
 * Host files are read and written by the host (fesvr) directly into the buffers, never by a
 * core, so main's I/O needs no exemption.
 *
 * Debug + strict builds: the debug guards' deny pairs come first (entries 0..9, lower entries
 * win, so a guarded L1 destination traps although the policy allows L1), and the policy moves
 * to entries 10..14 (TSL_STRICT_FIRST_ENTRY). A TOR entry E starts at pmpaddr[E-1], which there
 * is a guard's end, so entry 10 is an OFF entry holding address 0 as the base of [0, shim end);
 * entry 15 stays cleared (debug_pmp.c), so unmatched accesses are still denied.
 *
 * PMP checks are free in the model: they add no instruction to any timed path. */
#include "tsl_internal.h"

extern char __l2_base[], __tsl_code_end[], __tsl_exempt_end[], __l1_base[], __l1_size[];

void tsl__strict_init_core(void) {
  const uint32_t rw = TSL_PMP_TOR | TSL_PMP_R | TSL_PMP_W;
  uint32_t e = TSL_STRICT_FIRST_ENTRY;
#if TSL_STRICT_FIRST_ENTRY > 0
  tsl__pmp_set(e++, 0, 0); /* OFF: the base (address 0) of the next TOR entry */
#endif
  tsl__pmp_set(e, (TSL_SHIM_BASE + 0x1000u) >> 2, rw);
  tsl__pmp_set(e + 1, (uintptr_t)__l2_base >> 2, 0);
  tsl__pmp_set(e + 2, (uintptr_t)__tsl_code_end >> 2, TSL_PMP_TOR | TSL_PMP_R);
  tsl__pmp_set(e + 3, (uintptr_t)__tsl_exempt_end >> 2, rw);
}

/* A faulting access outside L1 and the shim is a strict-L1 violation; sim.py names the level.
 * (In debug + strict builds a fault on L1 is a guarded DMA destination, reported by
 * debug_pmp.c.) */
void tsl__strict_explain(uint32_t mcause, uint32_t mtval) {
  if (mcause != 5 && mcause != 7) return;
  if (mtval - TSL_SHIM_BASE < 0x1000u || mtval - (uintptr_t)__l1_base < (uintptr_t)__l1_size)
    return;
  tsl__puts("@tsl strict core=");
  tsl__put_u64(tsl__hartid());
  tsl__puts(mcause == 5 ? " access=read" : " access=write");
  tsl__puts(" addr=");
  tsl__put_hex(mtval);
  tsl__puts("\n");
}
