/* Native preemption: a per-thread CPU-time timer, re-armed each time the
 * thread comes back from the simulator. If it fires while the thread runs
 * application code, the thread has computed for the whole native interval
 * without a syscall: charge the simulated interval and yield to the simulator. */
#include <signal.h>
#include <time.h>

#include "shim.h"

#define SIGEV_THREAD_ID_ 4

static SHIM_TLS int timer_state; /* 0 = none yet, 1 = created, -1 = failed */
static SHIM_TLS long timer_id;

void shim_preempt_forget_timer(void) { timer_state = 0; }

/* Called after each answer from the simulator: a full interval starts now. */
void shim_preempt_arm(void) {
  umbra_header *h = shim_header;
  if (!h || !h->preempt_enabled || timer_state < 0) return;
  if (timer_state == 0) {
    struct {
      long value; /* union sigval */
      int signo;
      int notify;
      int tid;
      char pad[48];
    } sev = {0, UMBRA_PREEMPT_SIGNAL, SIGEV_THREAD_ID_, (int)RAW0(SYS_gettid), {0}};
    int id = 0;
    if (RAW3(SYS_timer_create, CLOCK_THREAD_CPUTIME_ID, &sev, &id) != 0) {
      timer_state = -1;
      shim_log("umbra shim: warning: cannot create the preemption timer\n");
      return;
    }
    timer_id = id;
    timer_state = 1;
  }
  uint64_t us = h->preempt_native_interval_us;
  struct itimerspec its = {{(time_t)(us / 1000000), (long)(us % 1000000) * 1000},
                           {(time_t)(us / 1000000), (long)(us % 1000000) * 1000}};
  RAW4(SYS_timer_settime, timer_id, 0, &its, 0);
}

void shim_preempt_handler(int sig, siginfo_t *info, void *uc) {
  (void)sig;
  (void)info;
  (void)uc;
  /* In the shim (or not attached): the thread is not computing in the program. */
  if (shim_depth > 0 || !shim_channel || !shim_host) return;
  shim_depth++;
  shim_channel->preempt_count++;
  shim_host->unapplied_latency_ns += shim_header->preempt_sim_interval_ns;
  long args[6] = {UMBRA_YIELD_PREEMPT, 0, 0, 0, 0, 0};
  shim_forward(UMBRA_SYS_YIELD, args);
  shim_depth--;
}
