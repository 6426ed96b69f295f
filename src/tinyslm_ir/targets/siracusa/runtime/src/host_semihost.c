/* QEMU host interface: RISC-V semihosting (QEMU -semihosting-config enable=on). Same contract as
 * host_htif.c: console, exit and host files, all untimed. QEMU is the single-core cross-check
 * backend, so there is no lock and no DMA/NPU (those need the spike shim). */
#include <stdio.h>

#include "tsl_internal.h"

enum { SH_OPEN = 0x01, SH_CLOSE = 0x02, SH_WRITE = 0x05, SH_READ = 0x06, SH_EXIT_EXT = 0x20 };
enum { MODE_RB = 1, MODE_WB = 5, MODE_W = 4, ADP_APPLICATION_EXIT = 0x20026 };

/* The trap sequence slli/ebreak/srai must be 32-bit instructions within one page: keep it in
 * its own aligned, uncompressed function. */
__asm__(".pushsection .text.tsl_semihost, \"ax\"\n"
        ".option push\n.option norelax\n.option norvc\n.balign 16\n"
        "tsl__semihost_trap:\n"
        "slli zero, zero, 0x1f\nebreak\nsrai zero, zero, 7\nret\n"
        ".option pop\n.popsection\n");
uintptr_t tsl__semihost_trap(uintptr_t op, uintptr_t arg);

static intptr_t semihost(uintptr_t op, const uintptr_t *args) {
  tsl_core_t *c = &tsl__core[tsl__hartid()];
  uint64_t t = tsl__clock(c);
  __asm__ volatile("" ::: "memory");
  intptr_t r = (intptr_t)tsl__semihost_trap(op, (uintptr_t)args);
  __asm__ volatile("" ::: "memory");
  tsl__clock_set(c, t);
  return r;
}

static intptr_t open_path(const char *path, uintptr_t mode) {
  size_t len = 0;
  while (path[len]) len++;
  uintptr_t a[3] = {(uintptr_t)path, mode, len};
  return semihost(SH_OPEN, a);
}

void tsl__host_console(const char *buf, size_t len) {
  static intptr_t tt = -1;
  if (tt < 0) tt = open_path(":tt", MODE_W);
  uintptr_t a[3] = {(uintptr_t)tt, (uintptr_t)buf, len};
  semihost(SH_WRITE, a);
}

void tsl__host_exit(int code) {
  uintptr_t a[2] = {ADP_APPLICATION_EXIT, (uintptr_t)code};
  for (;;) semihost(SH_EXIT_EXT, a);
}

/* SH_READ/SH_WRITE return the number of bytes *not* transferred. */
static long transfer(const char *path, void *buf, size_t n, int write) {
  intptr_t fd = open_path(path, write ? MODE_WB : MODE_RB);
  if (fd < 0) return -1;
  uintptr_t a[3] = {(uintptr_t)fd, (uintptr_t)buf, n};
  intptr_t left = semihost(write ? SH_WRITE : SH_READ, a);
  uintptr_t c[1] = {(uintptr_t)fd};
  semihost(SH_CLOSE, c);
  return left < 0 ? -1 : (long)(n - (size_t)left);
}

long tsl_host_read(const char *path, void *buf, size_t n) { return transfer(path, buf, n, 0); }
long tsl_host_write(const char *path, const void *buf, size_t n) {
  return transfer(path, (void *)buf, n, 1);
}

static int put_char(char ch, FILE *f) {
  (void)f;
  tsl__host_console(&ch, 1);
  return (unsigned char)ch;
}
static FILE stdio_file = FDEV_SETUP_STREAM(put_char, NULL, NULL, _FDEV_SETUP_WRITE);
FILE *const stdin = &stdio_file;
FILE *const stdout = &stdio_file;
FILE *const stderr = &stdio_file;
