/* Emulated signals, shim side. Dispositions, masks and pending sets live in
 * the simulator; when it answers a syscall it may hand over one signal to
 * deliver, and the shim runs the program's handler right there, in
 * application context, with the trapped registers as its context. */
#include <signal.h>
#include <string.h>
#include <time.h>
#include <ucontext.h>

#include "shim.h"

#ifndef SA_RESTORER
#define SA_RESTORER 0x04000000
#endif

/* Die of `sig` for real: the kernel's default action, reported by wait. The
 * seccomp filter refuses kill/tkill/tgkill even from the shim (they would let a
 * program signal any process), so a one-shot timer aimed at this thread raises
 * the signal: the kernel only lets it target a thread of this process. */
static void die_of(int sig) {
  struct {
    void *handler;
    unsigned long flags;
    void *restorer;
    uint64_t mask;
  } dfl = {SIG_DFL, 0, 0, 0};
  RAW4(SYS_rt_sigaction, sig, &dfl, 0, 8);
  uint64_t m = 1ull << (sig - 1);
  RAW4(SYS_rt_sigprocmask, SIG_UNBLOCK, &m, 0, 8);
  int id = 0;
  if (shim_thread_timer(CLOCK_MONOTONIC, sig, &id) == 0) {
    struct itimerspec soon = {{0, 0}, {0, 1}};
    RAW4(SYS_timer_settime, id, 0, &soon, 0);
    uint64_t all_but_sig = ~m;
    for (;;) RAW2(SYS_rt_sigsuspend, &all_but_sig, 8);
  }
  /* No timer (RLIMIT_SIGPENDING): a fault still re-raises itself when the
   * handler returns to the faulting instruction; anything else ends here. */
  if (sig != SIGSEGV && sig != SIGBUS && sig != SIGILL && sig != SIGFPE) shim_exit(128 + sig);
}

long shim_deliver(umbra_channel *ch, uint32_t kind, long nr, const long args[6], long ret) {
  int sig = (int)ch->deliver_sig;
  uint32_t how = ch->deliver_flags;
  void *handler = (void *)(uintptr_t)ch->handler;
  unsigned long sa_flags = (unsigned long)ch->handler_flags;
  uint64_t mask_before = ch->sig_blocked;
  siginfo_t info;
  memcpy(&info, ch->siginfo, sizeof info);
  ch->deliver_sig = 0;
  if (how & UMBRA_DELIVER_DIE) {
    die_of(sig);
    return ret;
  }
  ch->sig_blocked = ch->handler_mask;

  ucontext_t synthetic;
  ucontext_t *uc = shim_trap_uc;
  if (!uc) {
    memset(&synthetic, 0, sizeof synthetic);
    uc = &synthetic;
  } else if (nr != UMBRA_SYS_FAULT) {
    uc->uc_mcontext.gregs[REG_RAX] = ret; /* the handler sees the interrupted call's result */
  }
  /* The handler sees (and may change) the emulated mask in uc_sigmask. */
  uint64_t native_mask;
  memcpy(&native_mask, &uc->uc_sigmask, 8);
  memcpy(&uc->uc_sigmask, &mask_before, 8);

  void *outer_uc = shim_trap_uc;
  shim_trap_uc = NULL;
  /* Program code runs now: a handler that longjmps out leaves the thread in
   * application context, as it should be. */
  int ctx = shim_set_context(SHIM_CTX_APP);
  if (sa_flags & SA_SIGINFO) {
    ((void (*)(int, siginfo_t *, void *))handler)(sig, &info, uc);
  } else {
    ((void (*)(int))handler)(sig);
  }
  shim_set_context(ctx);
  shim_trap_uc = outer_uc;

  uint64_t mask_after;
  memcpy(&mask_after, &uc->uc_sigmask, 8);
  memcpy(&uc->uc_sigmask, &native_mask, 8);
  if (uc != &synthetic && nr != UMBRA_SYS_FAULT) ret = uc->uc_mcontext.gregs[REG_RAX];

  /* Back from the handler: restore the mask; the simulator may have more to deliver. */
  long done[6] = {(long)mask_after, 0, 0, 0, 0, 0};
  shim_forward_pseudo(UMBRA_SYS_SIGRETURN, done);
  if (how & UMBRA_DELIVER_RESTART) return shim_forward_kind(kind, nr, args);
  return ret;
}

/* SIGSEGV (not rdtsc), SIGBUS, SIGILL, SIGFPE. `outer_ctx` is the context
 * the fault interrupted, as the entry point's shim_enter() returned it. */
void shim_fault(int sig, void *vinfo, void *vuc, int outer_ctx) {
  if (outer_ctx == SHIM_CTX_SHIM || !shim_channel) {
    /* A fault in the shim itself (or before attaching): nothing to emulate. */
    die_of(sig);
    return;
  }
  void *outer = shim_trap_uc;
  shim_trap_uc = vuc;
  long a[6] = {sig, (long)vinfo, 0, 0, 0, 0};
  shim_forward_pseudo(UMBRA_SYS_FAULT, a);
  shim_trap_uc = outer;
}

void shim_fault_handler(int sig, void *info, void *uc) {
  int prev = shim_enter();
  shim_fault(sig, info, uc, prev);
  shim_leave(prev);
}
