/* Debug builds only (TSL_DEBUG): catch code that touches a DMA destination before waiting.
 *
 * Mechanism: each core runs with mstatus.MPRV = 1 and MPP = U (pmp.c), so its loads and stores
 * are checked against PMP as if they came from user mode (instruction fetch and traps stay in M
 * mode). PMP entry 15 allows everything; each pending transfer's destination is covered by a
 * deny-all TOR pair (entries 2k, 2k+1, k < 7), and lower entries win. An access to a pending
 * destination therefore raises a load/store access fault whose mtval is the address, and the
 * trap handler names the transfer. tsl_dma_wait() drops the guards of completed transfers.
 *
 * Limits (documented in sim.py too): guards are per core (another core reading the buffer is
 * not caught), ranges are widened to 4-byte granularity and a 2D transfer guards its bounding
 * box, and only the 7 most recent pending transfers of a core are guarded. */
#include "tsl_internal.h"

#define SLOTS 7

typedef struct {
  uint32_t id[SLOTS], lo[SLOTS], hi[SLOTS];
  uint8_t used[SLOTS];
  uint32_t next; /* round-robin victim when all slots are in use */
} guard_t;
/* Instrument state: in the exempt section like the other instruments (see tsl_internal.h). */
static guard_t guards[TSL_NUM_HARTS] TSL_EXEMPT;

void tsl__debug_init_core(void) {
  tsl__pmp_set(15, 0xffffffffu, TSL_PMP_NAPOT | TSL_PMP_R | TSL_PMP_W | TSL_PMP_X);
}

void tsl__debug_guard(uint32_t id, uintptr_t lo, uintptr_t hi) {
  guard_t *g = &guards[tsl__hartid()];
  uint32_t k = 0;
  while (k < SLOTS && g->used[k]) k++;
  if (k == SLOTS) k = g->next++ % SLOTS;
  g->id[k] = id;
  g->lo[k] = lo & ~3u;
  g->hi[k] = (hi + 3) & ~3u;
  g->used[k] = 1;
  tsl__pmp_set(2 * k, g->lo[k] >> 2, 0);
  tsl__pmp_set(2 * k + 1, g->hi[k] >> 2, TSL_PMP_TOR);
}

void tsl__debug_release_upto(uint32_t id) {
  guard_t *g = &guards[tsl__hartid()];
  for (uint32_t k = 0; k < SLOTS; k++)
    if (g->used[k] && (int32_t)(g->id[k] - id) <= 0) {
      g->used[k] = 0;
      tsl__pmp_set(2 * k + 1, g->hi[k] >> 2, 0);
    }
}

void tsl__debug_explain(uint32_t mcause, uint32_t mtval) {
  uint32_t me = tsl__hartid();
  const guard_t *g = &guards[me];
  if (mcause != 5 && mcause != 7) return;
  for (uint32_t k = 0; k < SLOTS; k++)
    if (g->used[k] && mtval >= g->lo[k] && mtval < g->hi[k]) {
      tsl__puts("@tsl dma-race core=");
      tsl__put_u64(me);
      tsl__puts(mcause == 5 ? " read" : " write");
      tsl__puts(" addr=");
      tsl__put_hex(mtval);
      tsl__puts(" transfer=");
      tsl__put_u64(g->id[k]);
      tsl__puts(" (destination of a DMA transfer accessed before tsl_dma_wait)\n");
      return;
    }
}
