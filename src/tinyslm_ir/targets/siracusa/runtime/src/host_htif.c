/* spike host interface: HTIF. Console output and host files go through fesvr's syscall proxy
 * (the guest writes a pointer to {syscall number, args} into `tohost`; fesvr performs the call on
 * the host and answers through `fromhost`); exit writes (code << 1) | 1.
 *
 * Everything here is untimed: the clock is restored on return, so lock contention and the time
 * fesvr takes to notice a request (it polls between spike's interleave quanta) never show up in
 * the modelled cycles. */
#include <stdio.h>

#include "tsl_internal.h"

/* fesvr finds these by symbol name. They are 64-bit; rv32 writes two words (high word first, so
 * that fesvr, which may look between the two stores, never sees a torn non-zero value). */
volatile uint32_t tohost[2] __attribute__((section(".tohost"), aligned(64)));
volatile uint32_t fromhost[2] __attribute__((section(".tohost"), aligned(64)));

/* Host-call state is the simulator's plumbing, not the chip's: exempt from strict L1. */
static volatile uint64_t request[8] __attribute__((aligned(64))) TSL_EXEMPT;
static volatile uint32_t lock_word TSL_EXEMPT;

/* Linux numbers: fesvr forwards syscalls (and open flags) to the host unchanged. */
enum { SYS_OPENAT = 56, SYS_CLOSE = 57, SYS_READ = 63, SYS_WRITE = 64 };
enum { AT_FDCWD = -100, O_RDONLY = 0, O_WRONLY_CREAT_TRUNC = 01 | 0100 | 01000 };

static void tohost_write(uint32_t v) {
  tohost[1] = 0;
  __asm__ volatile("fence rw, rw" ::: "memory");
  tohost[0] = v;
}

/* fesvr reads {n, a0..a6} as 64-bit words; unused arguments are zero. */
static int64_t host_syscall(uint64_t n, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3,
                            uint64_t a4) {
  tsl_core_t *c = &tsl__core[tsl__hartid()];
  uint64_t t = tsl__clock(c);
  while (__atomic_exchange_n(&lock_word, 1, __ATOMIC_ACQUIRE)) {
  }
  request[0] = n;
  request[1] = a0;
  request[2] = a1;
  request[3] = a2;
  request[4] = a3;
  request[5] = a4;
  __asm__ volatile("fence rw, rw" ::: "memory");
  tohost_write((uint32_t)(uintptr_t)request);
  while (fromhost[0] == 0 && fromhost[1] == 0) {
  }
  fromhost[0] = 0;
  fromhost[1] = 0;
  __asm__ volatile("fence rw, rw" ::: "memory");
  int64_t ret = (int64_t)request[0];
  __atomic_store_n(&lock_word, 0, __ATOMIC_RELEASE);
  tsl__clock_set(c, t);
  return ret;
}

void tsl__host_console(const char *buf, size_t len) {
  host_syscall(SYS_WRITE, 1, (uintptr_t)buf, len, 0, 0);
}

void tsl__host_exit(int code) {
  while (__atomic_exchange_n(&lock_word, 1, __ATOMIC_ACQUIRE)) {
  }
  for (;;) tohost_write(((uint32_t)code << 1) | 1);
}

/* fesvr's openat is (dirfd, path, strlen(path) + 1, flags, mode). */
static int64_t open_path(const char *path, uint32_t flags) {
  size_t len = 0;
  while (path[len]) len++;
  return host_syscall(SYS_OPENAT, (uint64_t)(int64_t)AT_FDCWD, (uintptr_t)path, len + 1, flags,
                      0644);
}

/* Loops because fesvr may transfer less than asked; stops at end of file. */
static long transfer(const char *path, void *buf, size_t n, int write) {
  int64_t fd = open_path(path, write ? O_WRONLY_CREAT_TRUNC : O_RDONLY);
  if (fd < 0) return (long)fd;
  size_t done = 0;
  while (done < n) {
    int64_t r = host_syscall(write ? SYS_WRITE : SYS_READ, (uint64_t)fd, (uintptr_t)buf + done,
                             n - done, 0, 0);
    if (r <= 0) {
      if (r < 0) done = (size_t)r;
      break;
    }
    done += (size_t)r;
  }
  host_syscall(SYS_CLOSE, (uint64_t)fd, 0, 0, 0, 0);
  return (long)done;
}

long tsl_host_read(const char *path, void *buf, size_t n) { return transfer(path, buf, n, 0); }
long tsl_host_write(const char *path, const void *buf, size_t n) {
  return transfer(path, (void *)buf, n, 1);
}

/* picolibc stdout: line-buffered per core so that lines from different cores do not mix. */
static char line[TSL_NUM_HARTS][128] TSL_EXEMPT;
static uint32_t line_len[TSL_NUM_HARTS] TSL_EXEMPT;
static int put_char(char ch, FILE *f) {
  (void)f;
  uint32_t me = tsl__hartid();
  line[me][line_len[me]++] = ch;
  if (ch == '\n' || line_len[me] == sizeof line[me]) {
    tsl__host_console(line[me], line_len[me]);
    line_len[me] = 0;
  }
  return (unsigned char)ch;
}
static FILE stdio_file TSL_EXEMPT = FDEV_SETUP_STREAM(put_char, NULL, NULL, _FDEV_SETUP_WRITE);
FILE *const stdin = &stdio_file;
FILE *const stdout = &stdio_file;
FILE *const stderr = &stdio_file;
