/* Cores, modelled clocks, fork/join, barrier, regions, counters report, traps and exit.
 *
 * Why the clock survives any hart interleaving: a core's clock only advances with its own retired
 * instructions, and every wait *sets* the clock (to a completion time or to the latest arrival at
 * a barrier) instead of counting the instructions it spun. Spike's scheduling can change how long
 * a core spins, never what its clock reads afterwards.
 *
 * Sleeping cores use wfi and are woken by a CLINT software interrupt (mie.MSIE is set, mstatus.MIE
 * is not, so nothing is taken): idle harts then cost the simulator almost nothing. */
#include "tsl_internal.h"

#define CLINT_MSIP ((volatile uint32_t *)TSL_CLINT_BASE)

tsl_core_t tsl__core[TSL_NUM_HARTS] TSL_RT_STATE;

/* The team of the current fork (n = 1 outside forks, set by tsl__main: .tsl_rt is not loaded).
 * A new fork starts only after every worker acknowledged the previous one (`pending_acks`), so
 * workers never read a half-written record. */
static struct {
  volatile uint32_t gen, n, pending_acks;
  void (*volatile fn)(void *);
  void *volatile arg;
  uint64_t start[4]; /* clock, dma, npu, sync every member starts from */
} team TSL_RT_STATE;

/* The release record of the last barrier: clock + categories of its critical core. */
static struct {
  volatile uint32_t count, gen;
  uint64_t release[4];
} bar TSL_RT_STATE;

typedef struct { uint64_t count, cycles, instret, dma, npu, sync; } region_t;
static region_t regions[TSL_MAX_REGIONS] TSL_EXEMPT; /* a profiler's memory, not the chip's */
static uint64_t region_open[TSL_MAX_REGIONS][5] TSL_EXEMPT;

uint32_t tsl_core_id(void) { return tsl__hartid(); }
uint32_t tsl_num_cores(void) { return TSL_NUM_HARTS; }
uint32_t tsl_team_size(void) { return team.n; }
uint64_t tsl_instret(void) { return tsl__instret(); }
uint64_t tsl_cycles(void) { return tsl__clock(&tsl__core[tsl__hartid()]); }

static void wake(uint32_t core) { CLINT_MSIP[core] = 1; }
/* Sleeps until some core calls wake(); callers re-check their condition (wakeups may be stale). */
static void sleep_once(uint32_t core) {
  __asm__ volatile("wfi" ::: "memory");
  CLINT_MSIP[core] = 0;
}

static void snapshot(tsl_core_t *c, uint64_t out[4]) {
  out[0] = tsl__clock(c);
  out[1] = c->dma_wait;
  out[2] = c->npu_wait;
  out[3] = c->sync;
}

/* Continue from a given state plus `overhead` cycles of fork/barrier cost. */
static void adopt(tsl_core_t *c, const uint64_t s[4], uint32_t overhead) {
  c->dma_wait = s[1];
  c->npu_wait = s[2];
  c->sync = s[3] + overhead;
  tsl__clock_set(c, s[0] + overhead);
}

#ifdef TSL_JITTER
static void __attribute__((noinline)) spin(uint32_t n) {
  for (uint32_t i = 0; i < n; i++) __asm__ volatile("");
}

/* The spin is a call on every path so that the code after the clock is restored is the same
 * whether or not this call spins. */
void tsl__jitter(void) {
  static uint32_t state[TSL_NUM_HARTS] TSL_EXEMPT;
  uint32_t me = tsl__hartid();
  tsl_core_t *c = &tsl__core[me];
  uint64_t t = tsl__clock(c);
  uint32_t seed = *(volatile uint32_t *)(TSL_SHIM_BASE + 0x800u);
  uint32_t s = state[me] = state[me] * 1664525u + 1013904223u + seed * (me + 1);
  spin(seed ? s >> 18 : 0);
  tsl__clock_set(c, t);
}
#endif

static void barrier_team(uint32_t me, uint32_t n) {
  tsl_core_t *c = &tsl__core[me];
  snapshot(c, c->arrive);
  TSL_JITTER_POINT();
  uint32_t gen = __atomic_load_n(&bar.gen, __ATOMIC_ACQUIRE);
  if (__atomic_add_fetch(&bar.count, 1, __ATOMIC_ACQ_REL) == n) {
    uint32_t crit = 0; /* latest arrival; ties go to the lowest core id (deterministic) */
    for (uint32_t i = 1; i < n; i++)
      if (tsl__core[i].arrive[0] > tsl__core[crit].arrive[0]) crit = i;
    for (int k = 0; k < 4; k++) bar.release[k] = tsl__core[crit].arrive[k];
    bar.count = 0;
    __atomic_store_n(&bar.gen, gen + 1, __ATOMIC_RELEASE);
    for (uint32_t i = 0; i < n; i++)
      if (i != me) wake(i);
  } else {
    while (__atomic_load_n(&bar.gen, __ATOMIC_ACQUIRE) == gen) sleep_once(me);
  }
  adopt(c, bar.release, TSL_BARRIER_CYCLES);
}

void tsl_barrier(void) { barrier_team(tsl__hartid(), team.n); }

void tsl_fork(uint32_t n, void (*fn)(void *), void *arg) {
  tsl_core_t *c = &tsl__core[0];
  if (tsl__hartid() != 0 || team.n != 1) {
    tsl__puts("@tsl error tsl_fork: only core 0 may fork, and forks do not nest\n");
    tsl_exit(2);
  }
  if (n == 0 || n > TSL_NUM_HARTS) n = TSL_NUM_HARTS;
  snapshot(c, team.start);
  while (__atomic_load_n(&team.pending_acks, __ATOMIC_ACQUIRE) != 0) sleep_once(0);
  team.fn = fn;
  team.arg = arg;
  team.n = n;
  team.pending_acks = TSL_NUM_HARTS - 1;
  __atomic_store_n(&team.gen, team.gen + 1, __ATOMIC_RELEASE);
  for (uint32_t i = 1; i < TSL_NUM_HARTS; i++) wake(i);
  TSL_JITTER_POINT();
  adopt(c, team.start, TSL_FORK_CYCLES);
  fn(arg);
  barrier_team(0, n);
  team.n = 1;
}

/* Debug and strict-L1 builds check this core's data accesses with PMP from here on. */
static void checks_init_core(void) {
#ifdef TSL_DEBUG
  tsl__debug_init_core(); /* first: it clears every entry the strict policy does not set */
#endif
#ifdef TSL_STRICT_L1
  tsl__strict_init_core();
#endif
#if defined(TSL_DEBUG) || defined(TSL_STRICT_L1)
  tsl__pmp_check_data();
#endif
}

void tsl__worker(void) {
  uint32_t me = tsl__hartid(), seen = 0;
  tsl__self_init(me);
  checks_init_core();
  for (;;) {
    while (__atomic_load_n(&team.gen, __ATOMIC_ACQUIRE) == seen) sleep_once(me);
    TSL_JITTER_POINT();
    seen = team.gen;
    void (*fn)(void *) = team.fn;
    void *arg = team.arg;
    uint32_t n = team.n;
    uint64_t start[4] = {team.start[0], team.start[1], team.start[2], team.start[3]};
    /* Ack before adopting the clock: which worker acks last (and wakes core 0) depends on the
     * interleaving, so that work must not be counted. */
    if (__atomic_sub_fetch(&team.pending_acks, 1, __ATOMIC_ACQ_REL) == 0) wake(0);
    if (me < n) adopt(&tsl__core[me], start, TSL_FORK_CYCLES);
    if (me < n) {
      fn(arg);
      barrier_team(me, n);
    }
  }
}

void tsl_region_begin(uint32_t id) {
  tsl_core_t *c = &tsl__core[0];
  if (id >= TSL_MAX_REGIONS || tsl__hartid() != 0) return;
  uint64_t *o = region_open[id];
  o[1] = tsl__instret(); /* one read for both, so cycles - instret is exactly the waits */
  o[0] = o[1] + (uint64_t)c->adj;
  o[2] = c->dma_wait;
  o[3] = c->npu_wait;
  o[4] = c->sync;
}

void tsl_region_end(uint32_t id) {
  tsl_core_t *c = &tsl__core[0];
  uint64_t instret = tsl__instret(), now = instret + (uint64_t)c->adj;
  if (id >= TSL_MAX_REGIONS || tsl__hartid() != 0) return;
  const uint64_t *o = region_open[id];
  region_t *r = &regions[id];
  r->count++;
  r->cycles += now - o[0];
  r->instret += instret - o[1];
  r->dma += c->dma_wait - o[2];
  r->npu += c->npu_wait - o[3];
  r->sync += c->sync - o[4];
}

/* ---- text output without printf ---- */
void tsl__puts(const char *s) {
  size_t n = 0;
  while (s[n]) n++;
  tsl__host_console(s, n);
}

void tsl__put_u64(uint64_t v) {
  char buf[21];
  int i = 20;
  buf[i] = 0;
  do {
    buf[--i] = (char)('0' + v % 10);
    v /= 10;
  } while (v);
  tsl__puts(&buf[i]);
}

void tsl__put_hex(uint32_t v) {
  char buf[11] = "0x";
  for (int i = 0; i < 8; i++) buf[2 + i] = "0123456789abcdef"[(v >> (28 - 4 * i)) & 15];
  buf[10] = 0;
  tsl__puts(buf);
}

static void put_i64(int64_t v) {
  if (v < 0) tsl__puts("-");
  tsl__put_u64(v < 0 ? -(uint64_t)v : (uint64_t)v);
}

void tsl_fail(const char *what, int64_t value, int64_t bound) {
  tsl__puts("@tsl error ");
  tsl__puts(what);
  tsl__puts(" ");
  put_i64(value);
  tsl__puts(" outside [0, ");
  put_i64(bound);
  tsl__puts(")\n");
  tsl_exit(TSL_EXIT_BAD_INPUT);
}

static void put_kv(const char *key, uint64_t v) {
  tsl__puts(key);
  tsl__put_u64(v);
}

/* The report sim.py parses: one line per core, one per used region, then the end marker. */
void tsl_exit(int code) {
  for (uint32_t i = 0; i < TSL_NUM_HARTS; i++) {
    tsl_core_t *c = &tsl__core[i];
    put_kv("@tsl core ", i);
    put_kv(" cycles=", i == tsl__hartid() ? tsl__clock(c) : c->arrive[0]);
    put_kv(" dma=", c->dma_wait);
    put_kv(" npu=", c->npu_wait);
    put_kv(" sync=", c->sync);
    tsl__puts("\n");
  }
  for (uint32_t id = 0; id < TSL_MAX_REGIONS; id++) {
    const region_t *r = &regions[id];
    if (!r->count) continue;
    put_kv("@tsl region ", id);
    put_kv(" count=", r->count);
    put_kv(" cycles=", r->cycles);
    put_kv(" instret=", r->instret);
    put_kv(" dma=", r->dma);
    put_kv(" npu=", r->npu);
    put_kv(" sync=", r->sync);
    tsl__puts("\n");
  }
  put_kv("@tsl end ", (uint32_t)code);
  tsl__puts("\n");
  tsl__host_exit(code);
}

int main(void);

void tsl__main(void) {
  team.n = 1;
  tsl__self_init(0);
  checks_init_core();
  tsl__clock_set(&tsl__core[0], 0);
  tsl_exit(main());
}

static const char *fault_kind(uint32_t kind) {
  static const char *const names[] = {"none", "dma-source", "dma-destination", "npu-input",
                                      "npu-weights", "npu-output", "npu-scale-bias",
                                      "npu-descriptor", "npu-invalid-job"};
  return kind < sizeof names / sizeof names[0] ? names[kind] : "unknown";
}

void tsl__trap(uint32_t mcause, uint32_t mepc, uint32_t mtval) {
  uint32_t me = tsl__hartid();
  put_kv("@tsl trap core=", me);
  tsl__puts(" mcause=");
  tsl__put_hex(mcause);
  tsl__puts(" mepc=");
  tsl__put_hex(mepc);
  tsl__puts(" mtval=");
  tsl__put_hex(mtval);
  tsl__puts("\n");
  if ((mcause == 5 || mcause == 7) && mtval - TSL_SHIM_BASE < 0x1000u) {
    volatile uint32_t *bank = TSL_SHIM_BANK(me);
    put_kv("@tsl fault core=", me);
    tsl__puts(" kind=");
    tsl__puts(fault_kind(bank[TSL_SHIM_FAULT_KIND]));
    tsl__puts(" addr=");
    tsl__put_hex(bank[TSL_SHIM_FAULT_ADDR]);
    tsl__puts("\n");
  }
#ifdef TSL_DEBUG
  tsl__debug_explain(mcause, mtval);
#endif
#ifdef TSL_STRICT_L1
  tsl__strict_explain(mcause, mtval);
#endif
  tsl__host_exit(128 + (int)(mcause & 0x7f));
}
