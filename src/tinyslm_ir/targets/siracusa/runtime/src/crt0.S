/* Boot for all harts. Hart 0 zeroes .bss and runs main through tsl__main; the others wait for
 * that and then enter the fork worker loop. Each hart gets its own stack and TLS block (picolibc
 * keeps errno and stdio state in TLS). */
  .section .text.init, "ax"
  .globl _start
_start:
  .option push
  .option norelax
  la    gp, __global_pointer$
  .option pop
  la    t0, tsl__trap_entry      /* first: anything below may trap */
  csrw  mtvec, t0
  csrr  a0, mhartid
  la    sp, __stack_top          /* sp = __stack_top - hartid * __stack_size */
  la    t0, __stack_size
  mul   t1, a0, t0
  sub   sp, sp, t1
#ifdef __riscv_flen
  li    t0, (1 << 13)            /* mstatus.FS = Initial */
  csrs  mstatus, t0
  fscsr zero
#endif
  li    t0, (1 << 3)             /* mie.MSIE: a software interrupt wakes wfi (never taken) */
  csrs  mie, t0
  bnez  a0, .Lwait_boot
  la    t0, __bss_start
  la    t1, __bss_end
.Lzero:
  bgeu  t0, t1, .Lzeroed
  sw    zero, 0(t0)
  addi  t0, t0, 4
  j     .Lzero
.Lzeroed:
  fence rw, rw
  la    t0, tsl__boot_flag
  li    t1, 1
  sw    t1, 0(t0)
  j     .Ltls
.Lwait_boot:
  la    t0, tsl__boot_flag
1:lw    t1, 0(t0)
  beqz  t1, 1b
  fence rw, rw
.Ltls:                           /* tp = __tls_area + hartid * __tls_block; copy .tdata, zero .tbss */
  csrr  a0, mhartid
  la    t0, __tls_block
  mul   t1, a0, t0
  la    tp, __tls_area
  add   tp, tp, t1
  la    t0, __tdata_source
  la    t1, __tdata_size
  mv    t2, tp
2:beqz  t1, 3f
  lbu   t3, 0(t0)
  sb    t3, 0(t2)
  addi  t0, t0, 1
  addi  t2, t2, 1
  addi  t1, t1, -1
  j     2b
3:la    t2, __tbss_offset
  add   t2, t2, tp
  la    t1, __tbss_size
4:beqz  t1, 5f
  sb    zero, 0(t2)
  addi  t2, t2, 1
  addi  t1, t1, -1
  j     4b
5:csrr  a0, mhartid
  bnez  a0, 6f
  call  tsl__main                /* never returns */
6:call  tsl__worker              /* never returns */

  .align 2
  .globl tsl__trap_entry
tsl__trap_entry:                 /* fresh stack (sp may be the culprit), then report in C */
  la    t0, .Lnested
  csrw  mtvec, t0
  csrr  t0, mhartid
  la    sp, __stack_top
  la    t1, __stack_size
  mul   t1, t0, t1
  sub   sp, sp, t1
  csrr  a0, mcause
  csrr  a1, mepc
  csrr  a2, mtval
  call  tsl__trap
  .align 2
.Lnested:                        /* a trap while reporting a trap: exit(255) without libc */
  li    a0, 255
  call  tsl__host_exit

  .section .data
  .align 2
  .globl tsl__boot_flag
tsl__boot_flag: .word 0
