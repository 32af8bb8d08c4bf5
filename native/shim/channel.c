/* Transport over a thread's channel: post a message, wait for the simulator's
 * answer, hand the channel back. Strict ping-pong, one side runs at a time.
 * What an answer means is dispatch.c's business. */
#include <linux/futex.h>
#include <stdatomic.h>
#include <time.h>

#include "shim.h"

void channel_send(umbra_channel *ch) {
  _Atomic uint32_t *state = (_Atomic uint32_t *)&ch->state;
  uint32_t old = atomic_exchange_explicit(state, UMBRA_CH_REQUEST, memory_order_acq_rel);
  if (old & UMBRA_CH_SIM_SLEEPING) RAW6(SYS_futex, state, FUTEX_WAKE, 1, 0, 0, 0);
}

/* Real monotonic time through the raw path (rdtsc traps in managed processes). */
static int64_t raw_monotonic_ns(void) {
  struct timespec ts;
  if (RAW2(SYS_clock_gettime, CLOCK_MONOTONIC, &ts) != 0) return 0;
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* The simulator usually answers within a few microseconds: spin first, for a
 * bounded wall time, but only while the simulator says the machine has a CPU
 * for each side (header spin_ok); otherwise sleep at once. */
#define SHIM_SPIN_BUDGET_NS (30 * 1000)

void channel_wait_reply(umbra_channel *ch) {
  _Atomic uint32_t *state = (_Atomic uint32_t *)&ch->state;
  if (atomic_load_explicit((_Atomic uint32_t *)&shim_header->spin_ok, memory_order_relaxed)) {
    int64_t start_ns = 0;
    for (uint32_t i = 1;; i++) {
      uint32_t s = atomic_load_explicit(state, memory_order_acquire);
      if ((s & UMBRA_CH_OWNER_MASK) == UMBRA_CH_REPLY) return;
      if (s & UMBRA_CH_PARKED) break;
      __builtin_ia32_pause();
      if ((i & 255) == 0) {
        int64_t now = raw_monotonic_ns();
        if (start_ns == 0)
          start_ns = now;
        else if (now - start_ns >= SHIM_SPIN_BUDGET_NS)
          break;
      }
    }
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
