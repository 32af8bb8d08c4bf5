/* The shim's side of a thread's channel: post a message, wait for the
 * simulator's answer, and act on it (complete, run natively, run a helper
 * syscall for the simulator). Strict ping-pong: one side runs at a time. */
#include <fcntl.h>
#include <linux/futex.h>
#include <stdatomic.h>

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
    if ((atomic_load_explicit(state, memory_order_acquire) & UMBRA_CH_OWNER_MASK) ==
        UMBRA_CH_REPLY)
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

/* Hand the channel back to "application running" after consuming a reply. */
static void channel_release(umbra_channel *ch) {
  atomic_store_explicit((_Atomic uint32_t *)&ch->state, UMBRA_CH_APP, memory_order_release);
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
      channel_release(ch);
      return ret;
    }
    if (kind == UMBRA_MSG_DO_NATIVE) {
      /* The simulator may have rewritten the arguments (virtual to native ids). */
      long n = ch->nr, a0 = ch->args[0], a1 = ch->args[1], a2 = ch->args[2], a3 = ch->args[3],
           a4 = ch->args[4], a5 = ch->args[5];
      channel_release(ch);
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
    } else {
      shim_die("umbra shim: unexpected message from the simulator");
    }
    ch->kind = UMBRA_MSG_CALL_RESULT;
  }
}
