/* The seccomp filter: every syscall traps into the shim (SIGSYS) except
 * rt_sigreturn and pure memory management, which are always safe to run
 * natively and hot, and those issued from the shim's own umbra_raw section
 * (its copy at UMBRA_RAW_PAGE: raw.c). A program can jump into it too, so even there the filter
 * refuses what the shim never runs natively for anyone: the network, signals or memory access to
 * other processes, exec, io_uring, namespaces. */
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <sys/prctl.h>

#include "shim.h"

/* Compound literals: the program is built by assignment, its length depends on the list. */
#define LD_W(off) ((struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, (off)))
#define JEQ(v, t, f) ((struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (v), (t), (f)))
#define JGE(v, t, f) ((struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, (v), (t), (f)))
#define RET(v) ((struct sock_filter)BPF_STMT(BPF_RET | BPF_K, (v)))

/* x32 numbers carry this bit; the shim never uses them. */
#define X32_SYSCALL_BIT 0x40000000u

/* Refused even from the raw section. The shim's own needs (futex, clone of a
 * thread or fork, timers, signal actions and masks, mmap, openat, write,
 * exit) and the syscalls it runs natively on a program's behalf (files,
 * credentials, memory: its routing table and the simulator's DO_NATIVE and
 * NATIVE_CALL answers) stay allowed. kill/tkill/tgkill cannot be limited to
 * this process by argument: a fork child inherits its parent's filter and
 * cannot replace it, so a pid written into it would be wrong in the child;
 * the shim raises its own signals with a thread-directed timer instead. */
static const uint32_t raw_refused[] = {
    SYS_socket,
    SYS_socketpair,
    SYS_connect,
    SYS_bind,
    SYS_listen,
    SYS_accept,
    SYS_accept4,
    SYS_sendto,
    SYS_sendmsg,
    SYS_sendmmsg,
    SYS_recvfrom,
    SYS_recvmsg,
    SYS_recvmmsg,
    SYS_ptrace,
    SYS_process_vm_readv,
    SYS_process_vm_writev,
    SYS_kill,
    SYS_tkill,
    SYS_tgkill,
    SYS_rt_sigqueueinfo,
    SYS_rt_tgsigqueueinfo,
    SYS_pidfd_send_signal,
    SYS_pidfd_getfd,
    SYS_execveat,
    SYS_io_uring_setup,
    SYS_io_uring_enter,
    SYS_io_uring_register,
    SYS_unshare,
    SYS_setns,
    SYS_bpf,
    SYS_perf_event_open,
    SYS_process_madvise,
    SYS_kcmp,
    SYS_clone3,
    SYS_fork,
    SYS_vfork,
};
#define N_REFUSED (sizeof raw_refused / sizeof raw_refused[0])

void shim_install_filter(void) {
  uint64_t start = UMBRA_RAW_PAGE;
  uint64_t end = start + (uint64_t)(__stop_umbra_raw - __start_umbra_raw);
  if ((start >> 32) != ((end - 1) >> 32)) shim_die("umbra shim: raw section straddles 4 GiB");
  uint32_t hi = (uint32_t)(start >> 32), lo = (uint32_t)start, end_lo = (uint32_t)end;
  struct sock_filter prog[32 + N_REFUSED];
  unsigned n = 0;
  prog[n++] = LD_W(offsetof(struct seccomp_data, arch));
  prog[n++] = JEQ(AUDIT_ARCH_X86_64, 1, 0);
  prog[n++] = RET(SECCOMP_RET_KILL_PROCESS);
  prog[n++] = LD_W(offsetof(struct seccomp_data, nr));
  prog[n++] = JEQ(SYS_rt_sigreturn, 7, 0);
  prog[n++] = JEQ(SYS_mmap, 6, 0);
  prog[n++] = JEQ(SYS_munmap, 5, 0);
  prog[n++] = JEQ(SYS_mprotect, 4, 0);
  prog[n++] = JEQ(SYS_brk, 3, 0);
  prog[n++] = JEQ(SYS_madvise, 2, 0);
  prog[n++] = JEQ(SYS_mremap, 1, 0);
  prog[n++] = JEQ(SYS_membarrier, 0, 1);
  prog[n++] = RET(SECCOMP_RET_ALLOW);
  /* Outside the raw section: trap. The jump offsets count the instructions
   * up to TRAP, the last one: 6 below, then the refusals, ALLOW and REFUSE. */
  const unsigned to_trap = 6 + N_REFUSED + 2;
  prog[n++] = LD_W(offsetof(struct seccomp_data, instruction_pointer) + 4);
  prog[n++] = JEQ(hi, 0, (uint8_t)(to_trap - 1));
  prog[n++] = LD_W(offsetof(struct seccomp_data, instruction_pointer));
  prog[n++] = JGE(lo, 0, (uint8_t)(to_trap - 3));
  prog[n++] = JGE(end_lo, (uint8_t)(to_trap - 4), 0);
  /* Inside it: everything but the refused list. */
  prog[n++] = LD_W(offsetof(struct seccomp_data, nr));
  prog[n++] = JGE(X32_SYSCALL_BIT, (uint8_t)(N_REFUSED + 1), 0);
  for (unsigned i = 0; i < N_REFUSED; i++)
    prog[n++] = JEQ(raw_refused[i], (uint8_t)(N_REFUSED - i), 0);
  prog[n++] = RET(SECCOMP_RET_ALLOW);
  prog[n++] = RET(SECCOMP_RET_ERRNO | 1 /* EPERM */);
  prog[n++] = RET(SECCOMP_RET_TRAP);
  _Static_assert(6 + N_REFUSED + 2 < 256, "BPF jumps reach 255 instructions");
  struct sock_fprog fprog = {(unsigned short)n, prog};
  if (RAW2(SYS_prctl, PR_SET_NO_NEW_PRIVS, 1) != 0)
    shim_die("umbra shim: PR_SET_NO_NEW_PRIVS failed");
  long r = RAW3(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_SPEC_ALLOW, &fprog);
  if (r != 0) shim_die("umbra shim: installing the seccomp filter failed");
}
