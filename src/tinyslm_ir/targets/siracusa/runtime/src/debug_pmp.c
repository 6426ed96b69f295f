/* Debug builds only (TSL_DEBUG): catch code that touches a DMA destination before waiting.
 *
 * Mechanism: each core runs with mstatus.MPRV = 1 and MPP = U, so its loads and stores are
 * checked against PMP as if they came from user mode (instruction fetch and traps stay in M
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
#define PMP_TOR 0x08u
#define PMP_NAPOT_RWX 0x1fu
#define MSTATUS_MPRV (1u << 17)
#define MSTATUS_MPP (3u << 11)

typedef struct {
  uint8_t cfg[16];
  uint32_t id[SLOTS], lo[SLOTS], hi[SLOTS];
  uint8_t used[SLOTS];
  uint32_t next; /* round-robin victim when all slots are in use */
} guard_t;
static guard_t guards[TSL_NUM_HARTS];

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
    default: WRITE_PMPADDR(15, v); break;
  }
}

static void write_cfg(const guard_t *g) {
  uint32_t w[4];
  for (int r = 0; r < 4; r++)
    w[r] = g->cfg[4 * r] | (g->cfg[4 * r + 1] << 8) | (g->cfg[4 * r + 2] << 16) |
           ((uint32_t)g->cfg[4 * r + 3] << 24);
  __asm__ volatile("csrw pmpcfg0, %0" ::"r"(w[0]));
  __asm__ volatile("csrw pmpcfg1, %0" ::"r"(w[1]));
  __asm__ volatile("csrw pmpcfg2, %0" ::"r"(w[2]));
  __asm__ volatile("csrw pmpcfg3, %0" ::"r"(w[3]));
}

void tsl__debug_init_core(void) {
  guard_t *g = &guards[tsl__hartid()];
  write_pmpaddr(15, 0xffffffffu);
  g->cfg[15] = PMP_NAPOT_RWX;
  write_cfg(g);
  __asm__ volatile("csrc mstatus, %0" ::"r"(MSTATUS_MPP));
  __asm__ volatile("csrs mstatus, %0" ::"r"(MSTATUS_MPRV));
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
  write_pmpaddr(2 * k, g->lo[k] >> 2);
  write_pmpaddr(2 * k + 1, g->hi[k] >> 2);
  g->cfg[2 * k + 1] = PMP_TOR;
  write_cfg(g);
}

void tsl__debug_release_upto(uint32_t id) {
  guard_t *g = &guards[tsl__hartid()];
  for (uint32_t k = 0; k < SLOTS; k++)
    if (g->used[k] && (int32_t)(g->id[k] - id) <= 0) {
      g->used[k] = 0;
      g->cfg[2 * k + 1] = 0;
    }
  write_cfg(g);
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
