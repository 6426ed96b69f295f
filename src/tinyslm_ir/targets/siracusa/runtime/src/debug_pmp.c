/* Debug builds only (TSL_DEBUG): catch code that touches a DMA destination before waiting.
 *
 * Mechanism: each core runs with mstatus.MPRV = 1 and MPP = U (pmp.c), so its loads and stores
 * are checked against PMP as if they came from user mode (instruction fetch and traps stay in M
 * mode). PMP entry 15 allows everything; each pending transfer's destination is covered by a
 * deny-all TOR pair (entries 2k, 2k+1, k < SLOTS), and lower entries win. An access to a pending
 * destination therefore raises a load/store access fault whose mtval is the address, and the
 * trap handler names the transfer. tsl_dma_wait() drops the guards of completed transfers.
 *
 * spike honours all 16 PMP entries, TOR and NAPOT alike, but resets entry 0 to a NAPOT
 * allow-all (for PMP-unaware software). Lower entries win, so that entry would shadow every
 * guard outside slot 0: init clears entries 0..14 instead of relying on slot 0 being filled first.
 *
 * Debug + strict builds (TSL_STRICT_L1 too): there is no allow-all; the strict policy takes
 * entries 10..14 after 5 guard pairs (entries 0..9), and entry 15 is cleared (strict_l1.c).
 *
 * Limits (documented in runtime/README.md; tests/e2e/sim/test_debug_guards.py proves them):
 * guards are per core (another core reading the buffer is not caught), ranges are widened to
 * 4-byte granularity and a 2D transfer guards its bounding box, and of the up to
 * TSL_DMA_MAX_OUTSTANDING pending transfers of a core only the SLOTS most recent are guarded
 * (7; 5 in debug + strict builds): 7 TOR pairs + the allow-all, or 5 pairs + the 5 entries of
 * the strict policy, fill the 16 entries; a new transfer evicts the oldest guard. */
#include "tsl_internal.h"

#define SLOTS TSL_GUARD_SLOTS
#define LAST_ENTRY 15

typedef struct {
  uint32_t id[SLOTS], lo[SLOTS], hi[SLOTS];
  uint8_t used[SLOTS];
} guard_t;
/* Instrument state: in the exempt section like the other instruments (see tsl_internal.h). */
static guard_t guards[TSL_NUM_HARTS] TSL_EXEMPT;

void tsl__debug_init_core(void) {
  for (uint32_t e = 0; e < LAST_ENTRY; e++) tsl__pmp_set(e, 0, 0);
#ifdef TSL_STRICT_L1
  tsl__pmp_set(LAST_ENTRY, 0, 0); /* no allow-all: strict_l1.c's policy decides what is allowed */
#else
  tsl__pmp_set(LAST_ENTRY, 0xffffffffu, TSL_PMP_NAPOT | TSL_PMP_R | TSL_PMP_W | TSL_PMP_X);
#endif
}

/* A free slot, else the one guarding the oldest transfer (ids grow by one per transfer). */
static uint32_t pick_slot(const guard_t *g) {
  uint32_t victim = 0;
  for (uint32_t k = 0; k < SLOTS; k++) {
    if (!g->used[k]) return k;
    if ((int32_t)(g->id[k] - g->id[victim]) < 0) victim = k;
  }
  return victim;
}

/* Turns slot k's deny range off: its TOR entry goes OFF (its address 0 first, so that the entry
 * never spans more than it did). */
static void disarm(guard_t *g, uint32_t k) {
  g->used[k] = 0;
  tsl__pmp_set(2 * k + 1, 0, 0);
}

/* A TOR entry spans [pmpaddr of the entry below, its own pmpaddr). Evicting an armed guard by
 * moving its base first would, until the top moves too, deny [new lo, old hi): with an L2
 * write-back destination evicted for an L1 one, that span covers the runtime's own state in L2
 * (this table, the stack) and the guard traps on itself. So an evicted guard is disarmed before
 * its entries are reused. */
void tsl__debug_guard(uint32_t id, uintptr_t lo, uintptr_t hi) {
  guard_t *g = &guards[tsl__hartid()];
  uint32_t k = pick_slot(g);
  if (g->used[k]) disarm(g, k);
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
    if (g->used[k] && (int32_t)(g->id[k] - id) <= 0) disarm(g, k);
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
