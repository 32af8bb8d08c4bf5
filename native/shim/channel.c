/* Transport over a thread's channel: post a message, wait for the simulator's
 * answer, hand the channel back. Strict ping-pong, one side runs at a time.
 * What an answer means is dispatch.c's business. */
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
