/* Native preemption: a periodic per-thread CPU-time timer ticks every quarter
 * of the native interval while the thread uses CPU (a thread blocked in the
 * simulator uses none). A tick in shim context is ignored: the shim may be in
 * the middle of a conversation with the simulator. When a thread has not come
 * back from the simulator for four counted ticks, it has computed for the
 * whole native interval without a syscall: the simulated interval is charged
 * and the thread yields. Coming back from the simulator only bumps a counter,
 * so the cost when preemption never fires is one increment per call. */
#include <signal.h>
#include <time.h>

#include "shim.h"

#define TICKS_PER_INTERVAL 4

/* A POSIX timer on `clock` whose expiry sends `sig` to the calling thread only
 * (SIGEV_THREAD_ID): the kernel keeps such a timer within this process. */
long shim_thread_timer(long clock, int sig, int *id) {
  struct {
    long value; /* union sigval */
    int signo;
    int notify;
    int tid;
    char pad[44];
  } sev = {0, sig, 4 /* SIGEV_THREAD_ID */, (int)RAW0(SYS_gettid), {0}};
  return RAW3(SYS_timer_create, clock, &sev, id);
}

void shim_preempt_forget_timer(void) {
  shim_self()->timer_state = 0;
}

/* Called after each answer from the simulator (and when a thread starts). */
void shim_preempt_arm(void) {
  const umbra_header *h = &shim_config;
  if (!shim_header || !h->preempt_enabled) return;
  struct shim_thread *t = shim_self();
  t->returns++;
  if (t->timer_state != 0) return;
  int id = 0;
  if (shim_thread_timer(CLOCK_THREAD_CPUTIME_ID, UMBRA_SIG_PREEMPT, &id) != 0) {
    t->timer_state = -1;
    shim_log("umbra shim: warning: cannot create the preemption timer\n");
    return;
  }
  uint64_t us = h->preempt_native_interval_us / TICKS_PER_INTERVAL;
  if (us == 0) us = 1;
  struct itimerspec its = {{(time_t)(us / 1000000), (long)(us % 1000000) * 1000},
                           {(time_t)(us / 1000000), (long)(us % 1000000) * 1000}};
  RAW4(SYS_timer_settime, id, 0, &its, 0);
  t->timer_state = 1;
  t->seen_returns = t->returns;
  t->quiet_ticks = 0;
}

static void tick(int outer_ctx, void *uc) {
  struct shim_thread *t = shim_self();
  if (t->returns != t->seen_returns) {
    t->seen_returns = t->returns;
    t->quiet_ticks = 0;
    return;
  }
  /* Not attached, or inside the shim: no yield from here. The tick is not
   * counted, but it does not restart the interval either: a program that
   * spins on clock_gettime() spends much of its time in the shim and must
   * still be preempted. */
  if (outer_ctx == SHIM_CTX_SHIM || !shim_channel || !shim_host) return;
  if (++t->quiet_ticks < TICKS_PER_INTERVAL) return;
  t->quiet_ticks = 0;
  shim_channel->preempt_count++;
  shim_host->unapplied_latency_ns += shim_config.preempt_sim_interval_ns;
  long args[6] = {UMBRA_YIELD_PREEMPT, 0, 0, 0, 0, 0};
  /* A signal that became deliverable meanwhile (Go's SIGURG) is delivered on
   * the reply with the registers this tick interrupted, as Linux would: its
   * handler may rewrite them (Go's asyncPreempt). */
  void *outer = t->trap_uc;
  t->trap_uc = uc;
  shim_forward_pseudo(UMBRA_SYS_YIELD, args);
  t->trap_uc = outer;
}

void shim_preempt_handler(int sig, siginfo_t *info, void *uc) {
  int prev = shim_enter();
  (void)sig;
  (void)info;
  tick(prev, uc);
  shim_leave(prev);
}
