/* Runtime internals shared by the runtime's own translation units (not for generated code). */
#ifndef TSL_INTERNAL_H
#define TSL_INTERNAL_H

#include "tsl_rt.h"

#ifndef TSL_NUM_HARTS
#define TSL_NUM_HARTS 1 /* set by the build to the simulated core count */
#endif

/* The memory clobber keeps the compiler from moving loads/stores across counter reads. */
#define TSL_CSR_READ(name) \
  ({ uint32_t v_; __asm__ volatile("csrr %0, " #name : "=r"(v_) : : "memory"); v_; })

/* Shim device: one register bank per core (offsets from tinyslm_ir/targets/siracusa/plugin). */
#define TSL_SHIM_BASE 0x10201000u
#define TSL_SHIM_BANK(core) ((volatile uint32_t *)(TSL_SHIM_BASE + 0x100u * (core)))
enum {
  TSL_SHIM_SRC = 0, TSL_SHIM_DST, TSL_SHIM_ROW_BYTES, TSL_SHIM_ROWS, TSL_SHIM_SRC_STRIDE,
  TSL_SHIM_DST_STRIDE, TSL_SHIM_TIME_LO, TSL_SHIM_TIME_HI, TSL_SHIM_DMA_START, TSL_SHIM_NPU_SUBMIT,
  TSL_SHIM_DONE_LO, TSL_SHIM_DONE_HI, TSL_SHIM_FAULT_ADDR, TSL_SHIM_FAULT_KIND, TSL_SHIM_LATENCY
};

/* Per-core bookkeeping. clock = instret + adj: waits move the clock by rewriting adj, never by
 * counting spin instructions, so the clock only depends on this core's own instruction stream.
 * The categories are cumulative; compute = clock - dma_wait - npu_wait - sync. */
typedef struct {
  int64_t adj;
  uint64_t dma_wait, npu_wait, sync;
  uint32_t dma_issued, dma_retired;               /* transfer ids: [retired, issued) pending */
  uint64_t dma_done[TSL_DMA_MAX_OUTSTANDING];     /* completion clock per pending id */
  uint64_t npu_done;                              /* completion clock of the last NPU job */
  uint64_t arrive[4];                             /* clock, dma, npu, sync at barrier arrival */
  volatile uint32_t *bank;                        /* this core's shim registers (tsl__self) */
} __attribute__((aligned(64))) tsl_core_t;

extern tsl_core_t tsl__core[TSL_NUM_HARTS];

static inline uint32_t tsl__hartid(void) { return TSL_CSR_READ(mhartid); }

/* This core's tsl__core entry: mscratch holds its address from boot (tsl__self_init, before any
 * other use; nothing else uses mscratch). One csrr instead of mhartid, the array base and the
 * scaling, which matters on the per-DMA paths; c->bank likewise replaces computing the shim bank
 * from mhartid. Not volatile: the value never changes afterwards, so reads may be merged. */
static inline tsl_core_t *tsl__self(void) {
  tsl_core_t *c;
  __asm__("csrr %0, mscratch" : "=r"(c));
  return c;
}
static inline void tsl__self_init(uint32_t me) {
  tsl__core[me].bank = TSL_SHIM_BANK(me);
  __asm__ volatile("csrw mscratch, %0" : : "r"(&tsl__core[me]) : "memory");
}

/* The 64-bit count in 3 instructions instead of the usual hi/lo/hi loop's 4 (on every clock read,
 * so on every DMA issue and wait). The two reads are adjacent (one asm statement), so the low word
 * can only have wrapped in between if it reads 0; only then is the high word read again, and that
 * re-read is exact: the low word was 0 a few instructions ago, so it cannot wrap again. */
static inline uint64_t tsl__instret(void) {
  uint32_t hi, lo;
  __asm__ volatile("csrr %0, minstreth\n\t"
                   "csrr %1, minstret\n\t"
                   "bnez %1, 1f\n\t"
                   "csrr %0, minstreth\n"
                   "1:"
                   : "=&r"(hi), "=&r"(lo) : : "memory");
  return ((uint64_t)hi << 32) | lo;
}

static inline uint64_t tsl__clock(const tsl_core_t *c) { return tsl__instret() + (uint64_t)c->adj; }
/* Makes the clock read `t` now; instructions from here on count again. */
static inline void tsl__clock_set(tsl_core_t *c, uint64_t t) { c->adj = (int64_t)(t - tsl__instret()); }
/* Advances the clock to `done` if it is later, charging the difference to `*category`. */
static inline void tsl__stall_until(tsl_core_t *c, uint64_t done, uint64_t *category) {
  uint64_t now = tsl__clock(c);
  if (done > now) {
    c->adj += (int64_t)(done - now);
    *category += done - now;
  }
}

/* Where runtime globals live (link.ld). TSL_RT_STATE: state the cores use while computing (DMA
 * queues, fork team, barrier), in L1 in strict-L1 builds. TSL_EXEMPT: the simulator's instruments
 * (host-call mailboxes, console buffers, profile tables), which strict cores may still write:
 * they are not part of the modelled chip. Both sections sit where they do in every build, so
 * that strict and non-strict builds retire the same instructions. */
#define TSL_RT_STATE __attribute__((section(".tsl_rt")))
#define TSL_EXEMPT __attribute__((section(".tsl_exempt")))

/* spike's CLINT: the software-interrupt registers that wake sleeping cores. */
#define TSL_CLINT_BASE 0x02000000u

/* Test-only (TSL_JITTER builds): an untimed spin of pseudo-random length at every synchronisation
 * point, seeded by the shim's `jitter=` argument; it reshuffles how spike interleaves the harts
 * without touching any modelled clock, which is what the determinism test checks. */
#ifdef TSL_JITTER
void tsl__jitter(void);
#define TSL_JITTER_POINT() tsl__jitter()
#else
#define TSL_JITTER_POINT() ((void)0)
#endif

/* Host interface backends (host_htif.c for spike, host_semihost.c for QEMU). */
void tsl__host_console(const char *buf, size_t len);
void tsl__host_exit(int code) __attribute__((noreturn));

/* Formatting without printf: the trap path must not depend on libc state. */
void tsl__puts(const char *s);
void tsl__put_u64(uint64_t v);
void tsl__put_hex(uint32_t v);

/* PMP (pmp.c), for debug (debug_pmp.c) and strict-L1 (strict_l1.c) builds, alone or together.
 * Entries: the debug guards' TOR pairs first (lower entries win), then the strict policy. */
#if defined(TSL_DEBUG) || defined(TSL_STRICT_L1)
enum { TSL_PMP_R = 0x01u, TSL_PMP_W = 0x02u, TSL_PMP_X = 0x04u, TSL_PMP_TOR = 0x08u,
       TSL_PMP_NAPOT = 0x18u };
void tsl__pmp_set(uint32_t entry, uint32_t pmpaddr, uint32_t cfg);
/* From now on this core's loads and stores are checked against PMP (MPRV=1, MPP=U); fetches
 * and the trap handler stay in M mode and unchecked. */
void tsl__pmp_check_data(void);
#endif

/* Debug guard pairs: entries 2k, 2k+1 for k < TSL_GUARD_SLOTS. Debug-only builds keep 7 pairs
 * and an allow-all at entry 15; debug + strict builds keep 5 pairs (entries 0..9) and put the
 * strict policy in entries 10..14 (TSL_STRICT_FIRST_ENTRY), where it needs one extra entry. */
#ifdef TSL_STRICT_L1
#define TSL_GUARD_SLOTS 5
#else
#define TSL_GUARD_SLOTS 7
#endif
#ifdef TSL_DEBUG
#define TSL_STRICT_FIRST_ENTRY (2 * TSL_GUARD_SLOTS)
#else
#define TSL_STRICT_FIRST_ENTRY 0
#endif

/* Strict-L1 builds (TSL_STRICT_L1): cores may touch only L1 and the cluster devices (strict_l1.c). */
#ifdef TSL_STRICT_L1
void tsl__strict_init_core(void);
void tsl__strict_explain(uint32_t mcause, uint32_t mtval);
#endif

/* Debug builds (TSL_DEBUG): guard pending DMA destinations with PMP (debug_pmp.c). */
#ifdef TSL_DEBUG
void tsl__debug_init_core(void);
void tsl__debug_guard(uint32_t id, uintptr_t lo, uintptr_t hi);
void tsl__debug_release_upto(uint32_t id);
void tsl__debug_explain(uint32_t mcause, uint32_t mtval);
#endif

#endif /* TSL_INTERNAL_H */
