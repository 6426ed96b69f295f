/* tinyslm-ir bare-metal runtime for the simulated Siracusa cluster: the public API.
 *
 * Generated code includes only this header. The program defines `int main(void)`, which runs on
 * core 0; the other cores sleep until tsl_fork() hands them work. main's return value is the
 * process exit code.
 *
 * Time: every function here keeps the *modelled* clock of the calling core (tsl_cycles()), not
 * spike's raw counters. Instructions are 1 cycle each; waits (DMA, NPU, barriers) advance the
 * clock to the modelled completion time, however long the simulator actually spun. Host I/O and
 * console output are free (they are test plumbing, not part of the chip). All constants come from
 * the generated tsl_cost.h (tinyslm_ir/targets/siracusa/cost_model.py).
 */
#ifndef TSL_RT_H
#define TSL_RT_H

#include <stddef.h>
#include <stdint.h>

#include "tsl_cost.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- placement: the memory level of a global buffer ---------------------------------------
 * Unplaced globals live in L2. L1 and L3 buffers start zeroed and are not stored in the ELF;
 * WMEM holds initialised constants (weights). */
#define TSL_L1 __attribute__((section(".l1"), aligned(8)))
#define TSL_WMEM __attribute__((section(".wmem"), aligned(32)))
#define TSL_L3 __attribute__((section(".l3"), aligned(8)))

/* ---- cores ------------------------------------------------------------------------------- */
uint32_t tsl_core_id(void);
/* Cores present in this simulation (the ELF is built for a fixed count). */
uint32_t tsl_num_cores(void);
/* Cores taking part in the current tsl_fork (1 outside a fork). */
uint32_t tsl_team_size(void);

/* pi_cl_team_fork semantics: run fn(arg) on cores 0..n-1 (n = 0 or n > tsl_num_cores() means
 * all); the caller (core 0) takes part and the call returns after an implicit barrier. Costs
 * TSL_FORK_CYCLES + the slowest core + TSL_BARRIER_CYCLES. Forks do not nest. */
void tsl_fork(uint32_t n, void (*fn)(void *), void *arg);
/* Barrier over the current team; all clocks continue from the latest arrival + TSL_BARRIER_CYCLES. */
void tsl_barrier(void);

/* ---- time ---------------------------------------------------------------------------------- */
uint64_t tsl_cycles(void);  /* modelled clock of this core; 0 at main's entry */
uint64_t tsl_instret(void); /* raw retired instructions of this hart (spins included) */

/* Per-layer accounting (core 0, outside forks): cycles between begin and end are added to
 * region `id` (< TSL_MAX_REGIONS), split into compute / DMA wait / NPU wait / fork+barrier. */
#ifndef TSL_MAX_REGIONS
#define TSL_MAX_REGIONS 256
#endif
void tsl_region_begin(uint32_t id);
void tsl_region_end(uint32_t id);

/* ---- cluster DMA -------------------------------------------------------------------------
 * Asynchronous: the copy is issued now and completes TSL_DMA_SETUP_CYCLES + bytes/
 * TSL_DMA_BYTES_PER_CYCLE after the core's previous transfer (one in-order queue per core).
 * Reading the destination before tsl_dma_wait() is a bug; a debug build traps on it. */
typedef uint32_t tsl_dma_t;
tsl_dma_t tsl_dma_start_1d(void *dst, const void *src, uint32_t bytes);
/* rows x row_bytes; consecutive rows are dst_stride / src_stride bytes apart. */
tsl_dma_t tsl_dma_start_2d(void *dst, const void *src, uint32_t row_bytes, uint32_t rows,
                           uint32_t dst_stride, uint32_t src_stride);
/* Stall until transfer `id` (and, the queue being in order, every earlier one) is complete. */
void tsl_dma_wait(tsl_dma_t id);
void tsl_dma_wait_all(void);

/* ---- NPU (N-Eureka-like) -------------------------------------------------------------------
 * Stride-1 int8 convolutions on HWC tensors in L1; weights in L1 or WMEM. Per output channel o:
 *   acc = sum(in * w)                               int32, wrapping
 *   v   = acc * scale[o] + bias[o]                  64-bit, exact
 *   v   = max(v, 0)                                 if TSL_NPU_RELU
 *   v   = (v + (1 << (shift-1))) >> shift           rounding only if TSL_NPU_ROUND
 *   out = saturate_int8(v)
 * With TSL_NPU_OUT_INT32 the raw int32 accumulators are written instead (scale/bias unused).
 * Weight layouts: CONV1X1 w[c_out][c_in]; CONV3X3 w[c_out][3][3][c_in]; DWCONV3X3 w[c][3][3].
 * Output: h_out = h_in + pad_top + pad_bottom - (k-1), likewise w_out; padded pixels are 0. */
enum { TSL_NPU_CONV1X1 = 0, TSL_NPU_CONV3X3 = 1, TSL_NPU_DWCONV3X3 = 2 };
enum { TSL_NPU_RELU = 1u, TSL_NPU_OUT_INT32 = 2u, TSL_NPU_ROUND = 4u };
typedef struct {
  uint32_t op, flags;
  const int8_t *input;
  const int8_t *weights;
  void *output;
  const int32_t *scale, *bias; /* c_out entries each */
  uint32_t h_in, w_in, c_in, c_out;
  uint8_t pad_top, pad_right, pad_bottom, pad_left; /* 3x3 only, each <= 2 */
  uint32_t shift;
} tsl_npu_job_t;
/* Runs the job (in order after this core's previous NPU jobs); returns its modelled latency. */
uint32_t tsl_npu_submit(const tsl_npu_job_t *job);
/* Stall until all NPU jobs of this core are complete. */
void tsl_npu_wait(void);

/* ---- host files (spike HTIF syscall proxy / QEMU semihosting), paths relative to the run dir.
 * Return the byte count transferred or a negative value on error. Free in modelled time. */
long tsl_host_read(const char *path, void *buf, size_t n);
long tsl_host_write(const char *path, const void *buf, size_t n);

/* Prints the counters and ends the simulation (what returning from main does). */
void tsl_exit(int code) __attribute__((noreturn));

/* A kernel found a runtime value outside its range (a gather index, a KV-cache position): the
 * reference interpreter rejects such inputs, so the program stops rather than compute on. It
 * prints `@tsl error <what> <value> outside [0, <bound>)` and exits with code 3. */
#define TSL_EXIT_BAD_INPUT 3
void tsl_fail(const char *what, int64_t value, int64_t bound) __attribute__((noreturn, cold));

#ifdef __cplusplus
}
#endif
#endif /* TSL_RT_H */
