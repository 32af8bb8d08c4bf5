/* The shim's side of a thread's channel: post a message, wait for the
 * simulator's answer, and act on it (complete, run natively, run a helper
 * syscall for the simulator). Strict ping-pong: one side runs at a time. */
#include <fcntl.h>
#include <linux/futex.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/prctl.h>
#include <ucontext.h>

#include <errno.h>

#include "shim.h"

void channel_send(umbra_channel *ch) {
  _Atomic uint32_t *state = (_Atomic uint32_t *)&ch->state;
  uint32_t old = atomic_exchange_explicit(state, UMBRA_CH_REQUEST, memory_order_acq_rel);
  if (old & UMBRA_CH_SIM_SLEEPING) RAW6(SYS_futex, state, FUTEX_WAKE, 1, 0, 0, 0);
}

void channel_wait_reply(umbra_channel *ch) {
  _Atomic uint32_t *state = (_Atomic uint32_t *)&ch->state;
  /* The simulator usually answers within a few microseconds: spin first. */
  for (int i = 0; i < 2000; i++) {
    if ((atomic_load_explicit(state, memory_order_acquire) & UMBRA_CH_OWNER_MASK) == UMBRA_CH_REPLY)
      return;
    __builtin_ia32_pause();
  }
  for (;;) {
    uint32_t s = atomic_load_explicit(state, memory_order_acquire);
    if ((s & UMBRA_CH_OWNER_MASK) == UMBRA_CH_REPLY) return;
    uint32_t sleeping = s | UMBRA_CH_SHIM_SLEEPING;
    if (!(s & UMBRA_CH_SHIM_SLEEPING) && !atomic_compare_exchange_strong(state, &s, sleeping))
      continue;
    RAW6(SYS_futex, state, FUTEX_WAIT, sleeping, 0, 0, 0);
  }
}

/* Hand the channel back to "application running" after consuming a reply.
 * Only the owner byte changes: the simulator may already have said it sleeps. */
void channel_release(umbra_channel *ch) {
  atomic_fetch_and_explicit((_Atomic uint32_t *)&ch->state,
                            ~(uint32_t)(UMBRA_CH_OWNER_MASK | UMBRA_CH_SHIM_SLEEPING),
                            memory_order_acq_rel);
}

/* Entry of a new native thread (from umbra_clone_thread), on its own stack. */
void umbra_thread_child(struct thread_start *ts);
void umbra_thread_child(struct thread_start *ts) {
  shim_attach_thread(shim_channel_at((long)ts->slot));
  ts->gregs[REG_RAX] = 0; /* clone returns 0 in the child */
  umbra_resume_regs(ts->gregs);
}

/* Native clone for a new thread: its registers go on its stack, below the
 * area the program's clone wrapper prepared there. */
static long clone_thread(umbra_channel *ch) {
  ucontext_t *uc = shim_trap_uc;
  if (!uc) return -ENOSYS; /* clone only ever arrives trapped */
  uintptr_t sp = (uintptr_t)ch->args[1];
  struct thread_start *ts = (struct thread_start *)(((sp - 512) & ~(uintptr_t)63) - sizeof *ts);
  for (int i = 0; i < 18; i++) ts->gregs[i] = (uint64_t)uc->uc_mcontext.gregs[i];
  ts->gregs[REG_RSP] = sp;
  ts->slot = (uint64_t)ch->args[3];
  return umbra_clone_thread(ch->args[0], ts, ch->args[2]);
}

/* Native fork (possibly onto a child stack, as vfork/posix_spawn ask).
 * Returns 0 in the child, after it attached to its own channel. */
static long clone_process(umbra_channel *ch, int *is_child) {
  long child_stack = ch->args[1];
  long slot = ch->args[3];
  long pid = RAW6(SYS_clone, ch->args[0], 0, 0, 0, 0, 0);
  if (pid != 0) return pid;
  *is_child = 1;
  umbra_channel *mine = shim_channel_at(slot);
  shim_proc =
      (umbra_process *)(shim_shm + UMBRA_OFF_PROCS + (uint64_t)mine->proc * sizeof(umbra_process));
  RAW2(SYS_prctl, PR_SET_PDEATHSIG, SIGKILL);
  shim_preempt_forget_timer(); /* timers are not inherited by fork */
  shim_attach_thread(mine);
  if (child_stack && shim_trap_uc)
    ((ucontext_t *)shim_trap_uc)->uc_mcontext.gregs[REG_RSP] = child_stack;
  return 0;
}

/* Send a syscall to the simulator and carry out its answer. */
long shim_forward(long nr, const long args[6]) {
  umbra_channel *ch = shim_channel;
  ch->kind = UMBRA_MSG_SYSCALL;
  ch->nr = nr;
  for (int i = 0; i < 6; i++) ch->args[i] = args[i];
  for (;;) {
    channel_send(ch);
    channel_wait_reply(ch);
    uint32_t kind = ch->kind;
    long ret = ch->ret;
    if (kind == UMBRA_MSG_COMPLETE) {
      uint32_t sig = ch->deliver_sig;
      channel_release(ch);
      shim_preempt_arm();
      if (sig) return shim_deliver(ch, nr, args, ret);
      return ret;
    }
    if (kind == UMBRA_MSG_DO_NATIVE) {
      /* The simulator may have rewritten the arguments (virtual to native ids). */
      long n = ch->nr, a0 = ch->args[0], a1 = ch->args[1], a2 = ch->args[2], a3 = ch->args[3],
           a4 = ch->args[4], a5 = ch->args[5];
      channel_release(ch);
      shim_preempt_arm();
      return umbra_raw_syscall(n, a0, a1, a2, a3, a4, a5);
    }
    if (kind == UMBRA_MSG_NATIVE_CALL) {
      /* A helper syscall the simulator needs done inside this process. */
      ch->ret = umbra_raw_syscall(ch->nr, ch->args[0], ch->args[1], ch->args[2], ch->args[3],
                                  ch->args[4], ch->args[5]);
    } else if (kind == UMBRA_MSG_PLACEHOLDER) {
      /* A native fd that holds the number of an emulated object. */
      int flags = O_RDWR | (ch->args[0] ? O_CLOEXEC : 0);
      ch->ret = RAW4(SYS_openat, AT_FDCWD, "/dev/null", flags, 0);
    } else if (kind == UMBRA_MSG_CLONE) {
      if (ch->args[0] & CLONE_THREAD) {
        ch->ret = clone_thread(ch);
      } else {
        int is_child = 0;
        long r = clone_process(ch, &is_child);
        if (is_child) return 0; /* the fork child: the parent's channel is not ours */
        ch->ret = r;
      }
    } else {
      char msg[] = "umbra shim: unexpected message 000 from the simulator";
      msg[31] = (char)('0' + kind / 100 % 10);
      msg[32] = (char)('0' + kind / 10 % 10);
      msg[33] = (char)('0' + kind % 10);
      shim_die(msg);
    }
    ch->kind = UMBRA_MSG_CALL_RESULT;
  }
}
