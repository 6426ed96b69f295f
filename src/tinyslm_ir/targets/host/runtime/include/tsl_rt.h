/* tinyslm-ir runtime for native host builds (x86, gcc, pthreads): the subset of the Siracusa
 * runtime API (targets/siracusa/runtime/include/tsl_rt.h) that generated code and the kernel
 * library use, with the same names and semantics. There is no DMA, NPU or cycle model here:
 * the clocks read 0 and regions are no-ops.
 */
#ifndef TSL_RT_H
#define TSL_RT_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Placement macros: memory levels do not exist on the host; keep the alignment. */
#define TSL_L1 __attribute__((aligned(8)))
#define TSL_WMEM __attribute__((aligned(32)))
#define TSL_L3 __attribute__((aligned(8)))

/* Number of worker threads a fork may use (-DTSL_HOST_CORES=n; default 8, like the cluster). */
#ifndef TSL_HOST_CORES
#define TSL_HOST_CORES 8
#endif

uint32_t tsl_core_id(void);   /* 0 .. team-1 inside a fork; 0 outside */
uint32_t tsl_num_cores(void); /* TSL_HOST_CORES */
uint32_t tsl_team_size(void); /* cores of the current fork; 1 outside */

/* Run fn(arg) on n threads (the caller is core 0; n = 0 or n > tsl_num_cores() means all) and
 * return after all finished. Forks do not nest. */
void tsl_fork(uint32_t n, void (*fn)(void *), void *arg);
void tsl_barrier(void); /* barrier over the current team */

uint64_t tsl_cycles(void);  /* always 0: the host measures no cycles */
uint64_t tsl_instret(void); /* always 0 */
#ifndef TSL_MAX_REGIONS
#define TSL_MAX_REGIONS 256
#endif
void tsl_region_begin(uint32_t id); /* no-op */
void tsl_region_end(uint32_t id);   /* no-op */

/* Files relative to the working directory; byte count transferred, or negative on error. */
long tsl_host_read(const char *path, void *buf, size_t n);
long tsl_host_write(const char *path, const void *buf, size_t n);

void tsl_exit(int code) __attribute__((noreturn)); /* exit(code) */

/* A kernel found a runtime value outside its range (a gather index, a KV-cache position): the
 * reference interpreter rejects such inputs, so the program stops rather than compute on. It
 * prints `@tsl error <what> <value> outside [0, <bound>)` and exits with code 3. */
#define TSL_EXIT_BAD_INPUT 3
void tsl_fail(const char *what, int64_t value, int64_t bound) __attribute__((noreturn, cold));

#ifdef __cplusplus
}
#endif
#endif /* TSL_RT_H */
