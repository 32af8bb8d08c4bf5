/* The seccomp filter: every syscall traps into the shim (SIGSYS) except those
 * issued from the shim's own umbra_raw section, rt_sigreturn, and pure memory
 * management, which is always safe to run natively and is hot. */
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <sys/prctl.h>

#include "shim.h"

#define LD_W(off) BPF_STMT(BPF_LD | BPF_W | BPF_ABS, (off))
#define JEQ(v, t, f) BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (v), (t), (f))
#define JGE(v, t, f) BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, (v), (t), (f))
#define RET(v) BPF_STMT(BPF_RET | BPF_K, (v))

void shim_install_filter(void) {
  uint64_t start = (uint64_t)(uintptr_t)__start_umbra_raw;
  uint64_t end = (uint64_t)(uintptr_t)__stop_umbra_raw;
  if ((start >> 32) != ((end - 1) >> 32)) shim_die("umbra shim: raw section straddles 4 GiB");
  uint32_t hi = (uint32_t)(start >> 32), lo = (uint32_t)start, end_lo = (uint32_t)end;
  struct sock_filter prog[] = {
      /* 0 */ LD_W(offsetof(struct seccomp_data, arch)),
      /* 1 */ JEQ(AUDIT_ARCH_X86_64, 1, 0),
      /* 2 */ RET(SECCOMP_RET_KILL_PROCESS),
      /* 3 */ LD_W(offsetof(struct seccomp_data, nr)),
      /* 4 */ JEQ(SYS_rt_sigreturn, 7, 0),
      /* 5 */ JEQ(SYS_mmap, 6, 0),
      /* 6 */ JEQ(SYS_munmap, 5, 0),
      /* 7 */ JEQ(SYS_mprotect, 4, 0),
      /* 8 */ JEQ(SYS_brk, 3, 0),
      /* 9 */ JEQ(SYS_madvise, 2, 0),
      /* 10 */ JEQ(SYS_mremap, 1, 0),
      /* 11 */ JEQ(SYS_membarrier, 0, 1),
      /* 12 */ RET(SECCOMP_RET_ALLOW),
      /* 13 */ LD_W(offsetof(struct seccomp_data, instruction_pointer) + 4),
      /* 14 */ JEQ(hi, 0, 4),
      /* 15 */ LD_W(offsetof(struct seccomp_data, instruction_pointer)),
      /* 16 */ JGE(lo, 0, 2),
      /* 17 */ JGE(end_lo, 1, 0),
      /* 18 */ RET(SECCOMP_RET_ALLOW),
      /* 19 */ RET(SECCOMP_RET_TRAP),
  };
  struct sock_fprog fprog = {(unsigned short)(sizeof prog / sizeof prog[0]), prog};
  if (RAW2(SYS_prctl, PR_SET_NO_NEW_PRIVS, 1) != 0)
    shim_die("umbra shim: PR_SET_NO_NEW_PRIVS failed");
  long r = RAW3(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_SPEC_ALLOW, &fprog);
  if (r != 0) shim_die("umbra shim: installing the seccomp filter failed");
}
