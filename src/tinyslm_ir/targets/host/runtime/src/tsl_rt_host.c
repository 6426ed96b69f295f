/* Host implementation of tsl_rt.h: pthread fork/join and barrier, stdio host files. */
#define _POSIX_C_SOURCE 200809L /* pthread barriers under -std=c99 */

#include "tsl_rt.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

static __thread uint32_t tl_core = 0;
static __thread uint32_t tl_team = 1;
static pthread_barrier_t team_barrier;

typedef struct {
  uint32_t core, team;
  void (*fn)(void *);
  void *arg;
} worker_t;

static void *worker_main(void *p) {
  worker_t *w = (worker_t *)p;
  tl_core = w->core;
  tl_team = w->team;
  w->fn(w->arg);
  return NULL;
}

uint32_t tsl_core_id(void) { return tl_core; }
uint32_t tsl_num_cores(void) { return TSL_HOST_CORES; }
uint32_t tsl_team_size(void) { return tl_team; }

void tsl_fork(uint32_t n, void (*fn)(void *), void *arg) {
  if (n == 0 || n > TSL_HOST_CORES) n = TSL_HOST_CORES;
  pthread_t threads[TSL_HOST_CORES];
  worker_t workers[TSL_HOST_CORES];
  pthread_barrier_init(&team_barrier, NULL, n);
  for (uint32_t i = 1; i < n; i++) {
    workers[i] = (worker_t){i, n, fn, arg};
    if (pthread_create(&threads[i], NULL, worker_main, &workers[i]) != 0) {
      fprintf(stderr, "tsl_fork: pthread_create failed\n");
      exit(70);
    }
  }
  tl_core = 0;
  tl_team = n;
  fn(arg);
  for (uint32_t i = 1; i < n; i++) pthread_join(threads[i], NULL);
  tl_team = 1;
  pthread_barrier_destroy(&team_barrier);
}

void tsl_barrier(void) {
  if (tl_team > 1) pthread_barrier_wait(&team_barrier);
}

uint64_t tsl_cycles(void) { return 0; }
uint64_t tsl_instret(void) { return 0; }
void tsl_region_begin(uint32_t id) { (void)id; }
void tsl_region_end(uint32_t id) { (void)id; }

long tsl_host_read(const char *path, void *buf, size_t n) {
  FILE *f = fopen(path, "rb");
  if (!f) return -1;
  size_t got = fread(buf, 1, n, f);
  int err = ferror(f);
  fclose(f);
  return err ? -1 : (long)got;
}

long tsl_host_write(const char *path, const void *buf, size_t n) {
  FILE *f = fopen(path, "wb");
  if (!f) return -1;
  size_t put = fwrite(buf, 1, n, f);
  int err = fclose(f) != 0 || put != n;
  return err ? -1 : (long)put;
}

void tsl_exit(int code) {
  fflush(stdout);
  exit(code);
}

void tsl_fail(const char *what, int64_t value, int64_t bound) {
  fflush(stdout);
  fprintf(stderr, "@tsl error %s %lld outside [0, %lld)\n", what, (long long)value,
          (long long)bound);
  exit(TSL_EXIT_BAD_INPUT);
}
