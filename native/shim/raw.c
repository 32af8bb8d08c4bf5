/* The shim's own syscall instructions. They are assembled alone in section
 * umbra_raw, and at start-up copied to one page at a fixed address
 * (UMBRA_RAW_PAGE): the seccomp filter lets exactly that range through
 * untrapped, and a filter outlives execve, so the range must be the same in
 * every image a process ever runs. Every other syscall in the process traps
 * into the shim. All of them are hidden: a program must not find them by
 * name (dlsym). The code is position-independent: it runs from the copy. */
#include <sys/mman.h>

#include <errno.h>

#include "shim.h"

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif

__asm__(".pushsection umbra_raw,\"ax\",@progbits\n"
        ".globl umbra_raw_entry\n"
        ".hidden umbra_raw_entry\n"
        ".type umbra_raw_entry,@function\n"
        "umbra_raw_entry:\n"
        "  movq %rdi, %rax\n"
        "  movq %rsi, %rdi\n"
        "  movq %rdx, %rsi\n"
        "  movq %rcx, %rdx\n"
        "  movq %r8, %r10\n"
        "  movq %r9, %r8\n"
        "  movq 8(%rsp), %r9\n"
        "  syscall\n"
        "  ret\n"
        ".size umbra_raw_entry, .-umbra_raw_entry\n"
        /* Restorer for the shim's own native signal handlers. */
        ".globl umbra_restore_rt\n"
        ".hidden umbra_restore_rt\n"
        ".type umbra_restore_rt,@function\n"
        "umbra_restore_rt:\n"
        "  movq $15, %rax\n"
        "  syscall\n"
        "  hlt\n"
        ".size umbra_restore_rt, .-umbra_restore_rt\n"
        /* Native clone of a thread: rdi=flags, rsi=child stack (points at a
         * struct thread_start), rdx=tls, rcx=the child's C entry (called by
         * address: a relative call would not survive the copy; r9 is no
         * clone argument and survives the syscall). The child never returns. */
        ".globl umbra_clone_entry\n"
        ".hidden umbra_clone_entry\n"
        ".type umbra_clone_entry,@function\n"
        "umbra_clone_entry:\n"
        "  movq %rcx, %r9\n"
        "  movq %rdx, %r8\n"
        "  xorl %edx, %edx\n"
        "  xorl %r10d, %r10d\n"
        "  movq $56, %rax\n"
        "  syscall\n"
        "  testq %rax, %rax\n"
        "  jnz 1f\n"
        "  movq %rsp, %rdi\n"
        "  call *%r9\n"
        "  hlt\n"
        "1:\n"
        "  ret\n"
        ".size umbra_clone_entry, .-umbra_clone_entry\n"
        ".popsection\n"
        /* Load a full register set (ucontext gregs order) and continue there. */
        ".text\n"
        ".globl umbra_resume_regs\n"
        ".hidden umbra_resume_regs\n"
        ".type umbra_resume_regs,@function\n"
        "umbra_resume_regs:\n"
        "  movq 120(%rdi), %rsp\n"
        "  pushq 128(%rdi)\n"
        "  pushq 136(%rdi)\n"
        "  popfq\n"
        "  movq 0(%rdi), %r8\n"
        "  movq 8(%rdi), %r9\n"
        "  movq 16(%rdi), %r10\n"
        "  movq 24(%rdi), %r11\n"
        "  movq 32(%rdi), %r12\n"
        "  movq 40(%rdi), %r13\n"
        "  movq 48(%rdi), %r14\n"
        "  movq 56(%rdi), %r15\n"
        "  movq 72(%rdi), %rsi\n"
        "  movq 80(%rdi), %rbp\n"
        "  movq 88(%rdi), %rbx\n"
        "  movq 96(%rdi), %rdx\n"
        "  movq 104(%rdi), %rax\n"
        "  movq 112(%rdi), %rcx\n"
        "  movq 64(%rdi), %rdi\n"
        "  ret\n"
        ".size umbra_resume_regs, .-umbra_resume_regs\n");

long umbra_raw_entry(long nr, long a1, long a2, long a3, long a4, long a5, long a6);
long umbra_clone_entry(long flags, void *stack, long tls, void (*child)(struct thread_start *));

/* Until shim_raw_setup: the section itself (no filter is installed yet, or
 * only memory management runs, which the filter lets through from anywhere). */
umbra_raw_fn shim_raw = umbra_raw_entry;
static long (*clone_fn)(long, void *, long, void (*)(struct thread_start *)) = umbra_clone_entry;

/* The same bytes at the same address in every image: after an in-place
 * execve the loader made the page, and the program's shim finds it there. */
void shim_raw_setup(void) {
  uintptr_t len = (uintptr_t)(__stop_umbra_raw - __start_umbra_raw);
  if (len > UMBRA_RAW_PAGE_BYTES) shim_die("umbra shim: the raw section outgrew its page");
  uint8_t *page = (uint8_t *)UMBRA_RAW_PAGE;
  long r = umbra_raw_entry(SYS_mmap, (long)page, UMBRA_RAW_PAGE_BYTES, PROT_READ | PROT_WRITE,
                           MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
  if (r == (long)page) {
    for (uintptr_t i = 0; i < len; i++) page[i] = (uint8_t)__start_umbra_raw[i];
    if (umbra_raw_entry(SYS_mprotect, (long)page, UMBRA_RAW_PAGE_BYTES, PROT_READ | PROT_EXEC, 0, 0,
                        0) != 0)
      shim_die("umbra shim: cannot protect the raw page");
  } else if (r == -EEXIST) {
    for (uintptr_t i = 0; i < len; i++)
      if (page[i] != (uint8_t)__start_umbra_raw[i])
        shim_die("umbra shim: the address of the raw page is taken by something else");
  } else {
    if (r >= 0) umbra_raw_entry(SYS_munmap, r, UMBRA_RAW_PAGE_BYTES, 0, 0, 0, 0);
    shim_die("umbra shim: cannot map the raw page at its fixed address");
  }
  shim_raw = (umbra_raw_fn)(void *)(page + ((char *)umbra_raw_entry - __start_umbra_raw));
  clone_fn = (long (*)(long, void *, long, void (*)(struct thread_start *)))(
      void *)(page + ((char *)umbra_clone_entry - __start_umbra_raw));
}

long umbra_clone_thread(long flags, void *stack, long tls) {
  return clone_fn(flags, stack, tls, umbra_thread_child);
}
