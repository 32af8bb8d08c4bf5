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
#ifndef SS_AUTODISARM
#define SS_AUTODISARM (1u << 31)
#endif

/* umbra_call_on_stack(fn, a0, a1, a2, top): fn(a0, a1, a2) on another stack;
 * rbp (callee-saved) keeps the way back. */
__asm__(".text\n"
        ".globl umbra_call_on_stack\n"
        ".hidden umbra_call_on_stack\n"
        ".type umbra_call_on_stack,@function\n"
        "umbra_call_on_stack:\n"
        "  pushq %rbp\n"
        "  movq %rsp, %rbp\n"
        "  movq %r8, %rsp\n"
        "  movq %rdi, %rax\n"
        "  movq %rsi, %rdi\n"
        "  movq %rdx, %rsi\n"
        "  movq %rcx, %rdx\n"
        "  call *%rax\n"
        "  movq %rbp, %rsp\n"
        "  popq %rbp\n"
        "  ret\n"
        ".size umbra_call_on_stack, .-umbra_call_on_stack\n");

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

/* How far below its start a handler running on an ordinary stack may reach. */
#define HANDLER_STACK_REACH (64ull << 20)

/* Where the program's handler runs, 0 for right here. The shim's handlers run
 * on the shim's own stack, which the program's must leave: like Linux, on the
 * alternate stack when SA_ONSTACK asks and the thread is not on it already,
 * otherwise below the interrupted stack pointer and its red zone. */
static uint64_t handler_stack(const struct shim_thread *t, unsigned long sa_flags, uint64_t sp) {
  uint64_t here = (uint64_t)__builtin_frame_address(0);
  if (!sp) return 0;
  if ((sa_flags & SA_ONSTACK) && t->alt_size && !shim_alt_on(t, sp)) {
    uint64_t lo = t->alt_sp, hi = t->alt_sp + t->alt_size;
    /* Never where this very code runs (a handler nested on an auto-disarmed stack). */
    if (here >= lo && here < hi) return 0;
    return hi & ~(uint64_t)15;
  }
  int here_on_shim = here >= t->stack_lo && here < t->stack_hi;
  int sp_on_shim = sp >= t->stack_lo && sp < t->stack_hi;
  if (!here_on_shim || sp_on_shim) return 0;
  return (sp - 128) & ~(uint64_t)15;
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
  /* Only a trapped syscall has a result in rax; a fault or a preemption tick
   * interrupted code whose rax is the program's own. */
  int has_result = kind == UMBRA_MSG_SYSCALL;
  if (!uc) {
    memset(&synthetic, 0, sizeof synthetic);
    uc = &synthetic;
    has_result = 0;
  } else if (has_result) {
    uc->uc_mcontext.gregs[REG_RAX] = ret; /* the handler sees the interrupted call's result */
  }
  /* The handler sees (and may change) the emulated mask in uc_sigmask. */
  uint64_t native_mask;
  memcpy(&native_mask, &uc->uc_sigmask, 8);
  memcpy(&uc->uc_sigmask, &mask_before, 8);

  /* The handler sees the program's alternate stack in uc_stack; the native
   * value there is the shim's, which the kernel restores when SIGSYS returns. */
  struct shim_thread *t = shim_self();
  stack_t native_stack = uc->uc_stack;
  uint64_t sp = uc != &synthetic ? (uint64_t)uc->uc_mcontext.gregs[REG_RSP] : 0;
  uint64_t top = handler_stack(t, sa_flags, sp);
  /* As Linux saves it: the stored flags, not the ones sigaltstack reports. */
  uc->uc_stack = (stack_t){(void *)t->alt_sp, t->alt_flags, t->alt_size};
  uint64_t alt_sp = t->alt_sp, alt_size = t->alt_size;
  int alt_flags = t->alt_flags;
  int on_alt = top && alt_size && top == ((alt_sp + alt_size) & ~(uint64_t)15);
  int disarm = on_alt && (alt_flags & SS_AUTODISARM);
  if (disarm) {
    t->alt_sp = t->alt_size = 0;
    t->alt_flags = SS_DISABLE;
  }

  void *outer_uc = shim_trap_uc;
  shim_trap_uc = NULL;
  /* Program code runs now: a handler that longjmps out leaves the thread in
   * application context, as it should be. */
  int ctx = shim_set_context(SHIM_CTX_APP);
  /* Where the handler's own frames go: below `top` (or here), on that stack. */
  int level = t->handler_depth++;
  uint64_t call_top = top;
  if (level < SHIM_MAX_HANDLER_DEPTH) {
    uint64_t mark = 0;
    if (top) {
      /* Two words of the handler's stack, right above its frames, say it has not returned. */
      call_top = top - 16;
      mark = ((uint64_t)t ^ (++t->deliveries * 0x9e3779b97f4a7c15ull)) | 1;
      ((uint64_t *)call_top)[0] = mark;
      ((uint64_t *)call_top)[1] = ~mark;
    }
    uint64_t hi = top ? call_top : (uint64_t)__builtin_frame_address(0);
    uint64_t lo = on_alt ? alt_sp : hi - HANDLER_STACK_REACH;
    t->handler_lo[level] = lo > hi ? 0 : lo;
    t->handler_hi[level] = hi;
    t->handler_mark[level] = mark;
  }
  if (top)
    umbra_call_on_stack(handler, sig, (long)&info, (long)uc, call_top);
  else if (sa_flags & SA_SIGINFO)
    ((void (*)(int, siginfo_t *, void *))handler)(sig, &info, uc);
  else
    ((void (*)(int))handler)(sig);
  t->handler_depth = level;
  shim_set_context(ctx);
  shim_trap_uc = outer_uc;

  if (disarm) {
    t->alt_sp = alt_sp;
    t->alt_size = alt_size;
    t->alt_flags = alt_flags;
  }
  /* As rt_sigreturn does: the stack in uc_stack becomes the thread's, unless
   * the handler returns onto the current one (the kernel ignores it then). */
  stack_t next = uc->uc_stack;
  uc->uc_stack = native_stack;
  uint64_t back_sp = top ? top : (uint64_t)__builtin_frame_address(0);
  if (!shim_alt_on(t, back_sp)) shim_alt_set(t, back_sp, &next);

  uint64_t mask_after;
  memcpy(&mask_after, &uc->uc_sigmask, 8);
  memcpy(&uc->uc_sigmask, &native_mask, 8);
  if (has_result) ret = uc->uc_mcontext.gregs[REG_RAX];

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
  if (shim_copy_fault_fixup(uc)) return;
  int prev = shim_enter();
  shim_fault(sig, info, uc, prev);
  shim_leave(prev);
}
