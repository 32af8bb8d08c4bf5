/* Acting on the simulator's answers. A forwarded syscall ends with COMPLETE
 * (its result, maybe a signal to deliver) or DO_NATIVE; before that the
 * simulator may ask for work only this process can do: a native call, a
 * placeholder fd, a clone, or this thread's exit. */
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <ucontext.h>

#include <errno.h>

#include "shim.h"

/* START handshake on a fresh channel: the simulator answers when this thread may run. */
void shim_attach_thread(umbra_channel *ch) {
  ch->kind = UMBRA_MSG_START;
  ch->native_pid = (int32_t)RAW0(SYS_getpid);
  ch->native_tid = (int32_t)RAW0(SYS_gettid);
  channel_send(ch);
  channel_wait_reply(ch);
  if (ch->kind != UMBRA_MSG_START_OK) shim_die("umbra shim: bad answer to START");
  shim_channel = ch;
  shim_preempt_arm(); /* the thread now runs program code: its native interval starts */
}

/* Entry of a new native thread (from umbra_clone_thread), on its own stack.
 * Its thread-local state starts zeroed, so it starts in application context. */
void umbra_thread_child(struct thread_start *ts) {
  shim_thread_setup((long)ts->slot); /* %gs still names the parent's state until here */
  int prev = shim_enter();
  shim_attach_thread(shim_channel_at((long)ts->slot));
  ts->gregs[REG_RAX] = 0; /* clone returns 0 in the child */
  shim_leave(prev);
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
  if (mine->proc < 0 || mine->proc >= UMBRA_MAX_PROCS) shim_die("umbra shim: bad process slot");
  shim_proc =
      (umbra_process *)(shim_shm + UMBRA_OFF_PROCS + (uint64_t)mine->proc * sizeof(umbra_process));
  RAW2(SYS_prctl, PR_SET_PDEATHSIG, SIGKILL);
  shim_thread_forked(slot);
  shim_preempt_forget_timer(); /* timers are not inherited by fork */
  shim_attach_thread(mine);
  if (child_stack && shim_trap_uc)
    ((ucontext_t *)shim_trap_uc)->uc_mcontext.gregs[REG_RSP] = child_stack;
  return 0;
}

static void unexpected(uint32_t kind) __attribute__((noreturn));
static void unexpected(uint32_t kind) {
  shim_log("umbra shim: unexpected message ");
  shim_log_u64(kind);
  shim_die(" from the simulator");
}

/* Send a syscall to the simulator and carry out its answer. */
long shim_forward_kind(uint32_t msg_kind, long nr, const long args[6]) {
  umbra_channel *ch = shim_channel;
  ch->kind = msg_kind;
  ch->nr = nr;
  for (int i = 0; i < 6; i++) ch->args[i] = args[i];
  if (msg_kind == UMBRA_MSG_SYSCALL)
    shim_stage(ch, nr, args);
  else if (ch->stage_count != 0)
    ch->stage_count = 0;
  for (;;) {
    channel_send(ch);
    channel_wait_reply(ch);
    uint32_t kind = ch->kind;
    switch (kind) {
    case UMBRA_MSG_COMPLETE: {
      shim_unstage(ch);
      long ret = ch->ret;
      uint32_t sig = ch->deliver_sig;
      shim_preempt_arm();
      return sig ? shim_deliver(ch, msg_kind, nr, args, ret) : ret;
    }
    case UMBRA_MSG_DO_NATIVE: {
      shim_unstage(ch);
      /* The simulator may have rewritten the arguments (virtual to native ids). */
      long n = ch->nr, a0 = ch->args[0], a1 = ch->args[1], a2 = ch->args[2], a3 = ch->args[3],
           a4 = ch->args[4], a5 = ch->args[5];
      shim_preempt_arm();
      return umbra_raw_syscall(n, a0, a1, a2, a3, a4, a5);
    }
    case UMBRA_MSG_NATIVE_CALL:
      /* A helper syscall the simulator needs done inside this process. */
      ch->ret = umbra_raw_syscall(ch->nr, ch->args[0], ch->args[1], ch->args[2], ch->args[3],
                                  ch->args[4], ch->args[5]);
      break;
    case UMBRA_MSG_PLACEHOLDER: {
      /* A native fd that holds the number of an emulated object. */
      int flags = O_RDWR | (ch->args[0] ? O_CLOEXEC : 0);
      ch->ret = RAW4(SYS_openat, AT_FDCWD, "/dev/null", flags, 0);
      break;
    }
    case UMBRA_MSG_CLONE:
      if (ch->args[0] & CLONE_THREAD) {
        ch->ret = clone_thread(ch);
      } else {
        int is_child = 0;
        long r = clone_process(ch, &is_child);
        if (is_child) return 0; /* the fork child: the parent's channel is not ours */
        ch->ret = r;
      }
      break;
    case UMBRA_MSG_EXEC: {
      /* The channel is not touched again: the new image has its own. It
       * starts with no signal blocked natively, or the loader's SIGSYS
       * handler could not run and the first trapped call would kill it. */
      long path = ch->args[0], argv = ch->args[1], envp = ch->args[2];
      uint64_t none = 0;
      RAW4(SYS_rt_sigprocmask, SIG_SETMASK, &none, 0, 8);
      long r = RAW3(SYS_execve, path, argv, envp);
      shim_log("umbra shim: execve in place failed: errno ");
      shim_log_u64((uint64_t)-r);
      shim_die("");
    }
    case UMBRA_MSG_EXIT_THREAD:
      /* No reply: the simulator already counts this thread as gone. */
      RAW1(SYS_exit, ch->args[0]);
      __builtin_unreachable();
    default: unexpected(kind);
    }
    ch->kind = UMBRA_MSG_CALL_RESULT;
  }
}
