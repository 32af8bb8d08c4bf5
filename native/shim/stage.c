/* Staged memory: the small buffers of a forwarded syscall travel in its
 * channel (umbra_channel.stage) instead of being fetched by the simulator with
 * process_vm_readv/writev, which costs a syscall and a page-table walk per
 * buffer. Before sending, the shim copies in what the call reads; after the
 * answer it copies back the range the simulator wrote. See umbra_ipc.h. */
#include <linux/futex.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <ucontext.h>

#include "shim.h"

/* A copy that survives a bad pointer: the fault handlers move a fault at
 * umbra_try_copy_insn to umbra_try_copy_fault, which returns -1. The buffer is
 * then not staged and the simulator's own read reports EFAULT, as Linux does. */
long umbra_try_copy(void *dst, const void *src, size_t n);
extern char umbra_try_copy_insn[];
extern char umbra_try_copy_fault[];
__asm__(".text\n"
        ".globl umbra_try_copy\n"
        ".hidden umbra_try_copy\n"
        ".type umbra_try_copy,@function\n"
        "umbra_try_copy:\n"
        "  movq %rdx, %rcx\n"
        ".globl umbra_try_copy_insn\n"
        ".hidden umbra_try_copy_insn\n"
        "umbra_try_copy_insn:\n"
        "  rep movsb\n"
        "  xorl %eax, %eax\n"
        "  ret\n"
        ".globl umbra_try_copy_fault\n"
        ".hidden umbra_try_copy_fault\n"
        "umbra_try_copy_fault:\n"
        "  movq $-1, %rax\n"
        "  ret\n"
        ".size umbra_try_copy, .-umbra_try_copy\n");

/* Whether the byte at addr is writable, by an atomic no-op write to it: a
 * window the simulator writes must not hide a fault from it (the copy back
 * cannot report one), and an atomic OR of zero loses no other thread's store. */
long umbra_probe_write(void *addr);
extern char umbra_probe_insn[];
extern char umbra_probe_fault[];
__asm__(".text\n"
        ".globl umbra_probe_write\n"
        ".hidden umbra_probe_write\n"
        ".type umbra_probe_write,@function\n"
        "umbra_probe_write:\n"
        ".globl umbra_probe_insn\n"
        ".hidden umbra_probe_insn\n"
        "umbra_probe_insn:\n"
        "  lock orb $0, (%rdi)\n"
        "  xorl %eax, %eax\n"
        "  ret\n"
        ".globl umbra_probe_fault\n"
        ".hidden umbra_probe_fault\n"
        "umbra_probe_fault:\n"
        "  movq $-1, %rax\n"
        "  ret\n"
        ".size umbra_probe_write, .-umbra_probe_write\n");

int shim_copy_fault_fixup(void *ucv) {
  ucontext_t *uc = ucv;
  greg_t *rip = &uc->uc_mcontext.gregs[REG_RIP];
  if (*rip == (greg_t)(uintptr_t)umbra_try_copy_insn) {
    *rip = (greg_t)(uintptr_t)umbra_try_copy_fault;
    return 1;
  }
  if (*rip == (greg_t)(uintptr_t)umbra_probe_insn) {
    *rip = (greg_t)(uintptr_t)umbra_probe_fault;
    return 1;
  }
  return 0;
}

/* How many of the len bytes at addr can be written: probed once per page. */
static uint64_t writable_prefix(long addr, uint64_t len) {
  uint64_t at = (uint64_t)addr;
  uint64_t end = at + len;
  while (at < end) {
    if (umbra_probe_write((void *)(uintptr_t)at) != 0) return at - (uint64_t)addr;
    at = (at | 4095u) + 1;
  }
  return len;
}

struct stager {
  umbra_channel *ch;
  uint32_t used; /* bytes of ch->stage taken, 8-aligned */
  uint32_t n;    /* windows filled */
};

/* A count times an element size, or a length no stage holds when the count is absurd. */
static uint64_t times(long count, uint64_t size) {
  return count < 0 || count > (1l << 20) ? ~0ull : (uint64_t)count * size;
}

/* Adds a window of len bytes at addr; copies the program's bytes in when
 * `copy`. Returns the staged bytes, or NULL when the buffer is not staged. */
static uint8_t *add(struct stager *s, long addr, uint64_t len, int copy) {
  if (addr == 0 || len == 0 || s->n == UMBRA_STAGE_WINDOWS) return NULL;
  if (len > UMBRA_STAGE_BYTES - s->used) return NULL;
  if (addr < 0 || (uint64_t)addr + len < (uint64_t)addr) return NULL;
  uint8_t *at = s->ch->stage + s->used;
  if (copy && umbra_try_copy(at, (const void *)addr, len) != 0) return NULL;
  umbra_stage_window *w = &s->ch->stage_win[s->n++];
  w->addr = (uint64_t)addr;
  w->len = (uint32_t)len;
  w->off = s->used;
  w->flags = copy ? UMBRA_STAGE_COPIED : 0;
  w->dirty_lo = w->dirty_hi = 0;
  s->used += ((uint32_t)len + 7u) & ~7u;
  if (s->used > UMBRA_STAGE_BYTES) s->used = UMBRA_STAGE_BYTES;
  return at;
}

/* Only read by the simulator: staged whole or not at all. */
static const uint8_t *in(struct stager *s, long addr, uint64_t len) {
  return add(s, addr, len, 1);
}

/* Read and written by the simulator: staged whole, when all of it is writable. */
static const uint8_t *inout(struct stager *s, long addr, uint64_t len) {
  if (addr == 0 || len == 0 || len > UMBRA_STAGE_BYTES - s->used) return NULL;
  if (writable_prefix(addr, len) != len) return NULL;
  return add(s, addr, len, 1);
}

/* Only written by the simulator: as much of its start as fits and is
 * writable (a read(2) into a big buffer usually fills a little of it);
 * nothing is copied in. A write past the window reaches the process itself,
 * and its fault with it. */
static void out(struct stager *s, long addr, uint64_t len) {
  uint64_t room = UMBRA_STAGE_BYTES - s->used;
  if (addr == 0 || room == 0) return;
  add(s, addr, writable_prefix(addr, len < room ? len : room), 0);
}

/* sendmsg/recvmsg: the header, the name, the iovec array, the control data
 * and the data (all of it when sending, the first buffer's start when receiving). */
static void stage_msghdr(struct stager *s, long addr, int sending) {
  const struct msghdr *m = (const struct msghdr *)(sending ? in(s, addr, sizeof(struct msghdr))
                                                           : inout(s, addr, sizeof(struct msghdr)));
  if (!m) return;
  if (m->msg_name && m->msg_namelen) {
    if (sending)
      in(s, (long)m->msg_name, m->msg_namelen);
    else
      out(s, (long)m->msg_name, m->msg_namelen);
  }
  if (m->msg_iovlen == 0 || m->msg_iovlen > 64) return;
  const struct iovec *iov =
      (const struct iovec *)in(s, (long)m->msg_iov, times((long)m->msg_iovlen, sizeof *iov));
  if (!iov) return;
  if (m->msg_control && m->msg_controllen) {
    if (sending)
      in(s, (long)m->msg_control, m->msg_controllen);
    else
      out(s, (long)m->msg_control, m->msg_controllen);
  }
  if (!sending) {
    out(s, (long)iov[0].iov_base, iov[0].iov_len);
    return;
  }
  for (size_t i = 0; i < m->msg_iovlen; i++)
    if (iov[i].iov_len && !in(s, (long)iov[i].iov_base, iov[i].iov_len)) return;
}

static void stage_iov(struct stager *s, long addr, long count, int writing) {
  const struct iovec *iov = (const struct iovec *)in(s, addr, times(count, sizeof *iov));
  if (!iov) return;
  if (!writing) {
    out(s, (long)iov[0].iov_base, iov[0].iov_len);
    return;
  }
  for (long i = 0; i < count; i++)
    if (iov[i].iov_len && !in(s, (long)iov[i].iov_base, iov[i].iov_len)) return;
}

/* The buffers each call's handler in the simulator reads or writes, in the
 * order it touches them (small fixed ones first: they must not be crowded out). */
void shim_stage(umbra_channel *ch, long nr, const long a[6]) {
  struct stager s = {ch, 0, 0};
  switch (nr) {
  case SYS_read:
  case SYS_pread64: out(&s, a[1], (uint64_t)a[2]); break;
  case SYS_write:
  case SYS_pwrite64: in(&s, a[1], (uint64_t)a[2]); break;
  case SYS_readv: stage_iov(&s, a[1], a[2], 0); break;
  case SYS_writev: stage_iov(&s, a[1], a[2], 1); break;
  case SYS_sendto:
    in(&s, a[4], (uint64_t)a[5]);
    in(&s, a[1], (uint64_t)a[2]);
    break;
  case SYS_recvfrom:
    if (a[4] && inout(&s, a[5], 4)) out(&s, a[4], 128);
    out(&s, a[1], (uint64_t)a[2]);
    break;
  case SYS_sendmsg: stage_msghdr(&s, a[1], 1); break;
  case SYS_recvmsg: stage_msghdr(&s, a[1], 0); break;
  case SYS_connect:
  case SYS_bind: in(&s, a[1], (uint64_t)a[2]); break;
  case SYS_accept:
  case SYS_accept4:
  case SYS_getsockname:
  case SYS_getpeername:
    if (a[1] && inout(&s, a[2], 4)) out(&s, a[1], 128);
    break;
  case SYS_setsockopt: in(&s, a[3], (uint64_t)a[4]); break;
  case SYS_getsockopt:
    if (inout(&s, a[4], 4)) out(&s, a[3], 256);
    break;
  case SYS_poll: inout(&s, a[0], times(a[1], 8)); break;
  case SYS_ppoll:
    inout(&s, a[0], times(a[1], 8));
    inout(&s, a[2], 16);
    in(&s, a[3], 8);
    break;
  case SYS_epoll_wait: out(&s, a[1], times(a[2], 12)); break;
  case SYS_epoll_pwait:
    in(&s, a[4], 8);
    out(&s, a[1], times(a[2], 12));
    break;
  case SYS_epoll_ctl: in(&s, a[3], 12); break;
  case SYS_nanosleep:
    in(&s, a[0], 16);
    out(&s, a[1], 16);
    break;
  case SYS_clock_nanosleep:
    in(&s, a[2], 16);
    out(&s, a[3], 16);
    break;
  case SYS_futex: {
    long op = a[1] & FUTEX_CMD_MASK;
    if (op == FUTEX_WAIT || op == FUTEX_WAIT_BITSET) {
      in(&s, a[0], 4);
      in(&s, a[3], 16);
    }
    break;
  }
  case SYS_rt_sigaction:
    in(&s, a[1], 32);
    out(&s, a[2], 32);
    break;
  case SYS_rt_sigprocmask:
    in(&s, a[1], 8);
    out(&s, a[2], 8);
    break;
  case SYS_pipe:
  case SYS_pipe2: out(&s, a[0], 8); break;
  case SYS_socketpair: out(&s, a[3], 8); break;
  case SYS_wait4:
    out(&s, a[1], 4);
    out(&s, a[3], 144);
    break;
  case SYS_fstat: out(&s, a[1], 144); break;
  case SYS_uname: out(&s, a[0], 390); break;
  case SYS_prlimit64:
    in(&s, a[2], 16);
    out(&s, a[3], 16);
    break;
  default: break;
  }
  /* Written only when it changes: the simulator reads this line on every call,
   * and a store would pull the line away from it even when the value stays 0. */
  if (ch->stage_count != s.n) ch->stage_count = s.n;
}

/* After COMPLETE or DO_NATIVE: what the simulator wrote goes to the program's
 * buffers. The windows are checked again: the region is writable by every
 * managed process, and a bad one must not make the shim write out of bounds. */
void shim_unstage(umbra_channel *ch) {
  /* The count stays: the next call's shim_stage stores its own only when it
   * differs, so a loop of calls alike leaves the line to the simulator. */
  uint32_t n = ch->stage_count;
  if (n == 0 || n > UMBRA_STAGE_WINDOWS) return;
  for (uint32_t i = 0; i < n; i++) {
    const umbra_stage_window *w = &ch->stage_win[i];
    uint32_t lo = w->dirty_lo, hi = w->dirty_hi;
    if (hi <= lo || hi > w->len || w->off > UMBRA_STAGE_BYTES ||
        w->len > UMBRA_STAGE_BYTES - w->off)
      continue;
    umbra_try_copy((void *)(uintptr_t)(w->addr + lo), ch->stage + w->off + lo, hi - lo);
  }
}
