/* Per-thread state without the program's thread pointer: each thread's struct
 * shim_thread is reached through %gs, set when the shim starts the thread;
 * with it the shim's own signal stack. Also the program's alternate signal
 * stack, kept here per thread because the native one belongs to the shim. */
#include <asm/prctl.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <ucontext.h>

#include "shim.h"

#ifndef SS_AUTODISARM
#define SS_AUTODISARM (1u << 31)
#endif
#define SS_FLAG_BITS SS_AUTODISARM
#define KERNEL_MINSIGSTKSZ 2048

int shim_gs_ready;
struct shim_thread shim_boot_thread = {.self = &shim_boot_thread, .alt_flags = SS_DISABLE};

/* The struct each channel slot had in this process: a thread taking a slot
 * over from one that has exited reuses it instead of mapping a new one. */
static struct shim_thread *by_slot[UMBRA_MAX_THREADS];

/* Whether native thread `tid` of this process still exists: the simulator
 * frees a slot as it tells its thread to exit, a moment before it is gone. */
static int task_alive(int tid) {
  char path[40] = "/proc/self/task/";
  char digits[12];
  int n = 0, at = 16;
  do digits[n++] = (char)('0' + tid % 10);
  while ((tid /= 10) && n < 11);
  while (n) path[at++] = digits[--n];
  path[at] = 0;
  struct stat st;
  return RAW4(SYS_newfstatat, AT_FDCWD, path, &st, 0) == 0;
}

struct shim_thread *shim_thread_setup(long slot) {
  if (slot < 0 || slot >= UMBRA_MAX_THREADS) shim_die("umbra shim: bad channel slot");
  int tid = (int)RAW0(SYS_gettid);
  struct shim_thread *t = by_slot[slot];
  if (t && t->tid != tid && task_alive(t->tid)) t = NULL;
  if (!t) {
    long m = RAW6(SYS_mmap, 0, SHIM_THREAD_MAP_BYTES, PROT_READ | PROT_WRITE,
                  MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (m < 0 && m > -4096) shim_die("umbra shim: cannot map a thread's state");
    t = (struct shim_thread *)m;
    by_slot[slot] = t;
  }
  *t = (struct shim_thread){0};
  t->self = t;
  t->tid = tid;
  t->alt_flags = SS_DISABLE;
  t->stack_lo = ((uint64_t)t + sizeof *t + 63) & ~(uint64_t)63;
  t->stack_hi = (uint64_t)t + SHIM_THREAD_MAP_BYTES;
  if (RAW2(SYS_arch_prctl, ARCH_SET_GS, t) != 0) shim_die("umbra shim: cannot set %gs");
  /* The shim's handlers run here, never on the program's stacks (a goroutine
   * stack is a few KiB). SS_AUTODISARM: a signal frame that lands here while a
   * program handler runs elsewhere must not start again at the top. */
  stack_t ss = {(void *)t->stack_lo, (int)SS_AUTODISARM, t->stack_hi - t->stack_lo};
  if (RAW2(SYS_sigaltstack, &ss, 0) != 0)
    shim_die("umbra shim: cannot set the shim's signal stack");
  shim_gs_ready = 1;
  return t;
}

/* A fork child keeps its copy of the forking thread's struct; only the owner changes. */
void shim_thread_forked(long slot) {
  struct shim_thread *t = shim_self();
  if (slot >= 0 && slot < UMBRA_MAX_THREADS) by_slot[slot] = t;
  t->tid = (int)RAW0(SYS_gettid);
}

/* The kernel disarms the shim's stack (SS_AUTODISARM) while a shim handler
 * runs on it, and re-arms it when that handler returns. A program handler the
 * shim called and that longjmp()ed out never returns: the stack would stay
 * disarmed and the shim's frames would land on the program's stacks from then
 * on. A trap with the stack disarmed is either inside a live program handler
 * (its stack pointer within that handler's range) or after such an escape:
 * then the handlers left are forgotten and the trap's return re-arms it. */
int shim_handlers_prune(struct shim_thread *t, uint64_t sp) {
  while (t->handler_depth > 0) {
    int i = t->handler_depth - 1;
    if (i >= SHIM_MAX_HANDLER_DEPTH) return 1; /* not recorded: assume alive */
    /* Alive: the trap is within its range and the marks the shim left right
     * above its first frame are intact (a program that went on after an
     * escape reuses that memory, possibly deeper than the handler was). */
    const uint64_t *mark = (const uint64_t *)t->handler_hi[i];
    if (sp >= t->handler_lo[i] && sp < t->handler_hi[i] &&
        (!t->handler_mark[i] || (mark[0] == t->handler_mark[i] && mark[1] == ~t->handler_mark[i])))
      return 1;
    t->handler_depth--;
  }
  return 0;
}

void shim_stack_recover(void *vuc) {
  struct shim_thread *t = shim_self();
  ucontext_t *uc = vuc;
  if (!t->stack_hi) return;
  if (shim_handlers_prune(t, (uint64_t)uc->uc_mcontext.gregs[REG_RSP])) return;
  uc->uc_stack = (stack_t){(void *)t->stack_lo, (int)SS_AUTODISARM, t->stack_hi - t->stack_lo};
}

/* ---- the program's alternate signal stack, as Linux keeps it ------------- */

int shim_alt_on(const struct shim_thread *t, uint64_t sp) {
  if (t->alt_flags & SS_AUTODISARM) return 0; /* Linux cannot tell either */
  return t->alt_size && sp > t->alt_sp && sp - t->alt_sp <= t->alt_size;
}

static int alt_report_flags(const struct shim_thread *t, uint64_t sp) {
  int mode = !t->alt_size ? SS_DISABLE : shim_alt_on(t, sp) ? SS_ONSTACK : 0;
  return mode | (int)(t->alt_flags & SS_FLAG_BITS);
}

static void alt_describe(const struct shim_thread *t, uint64_t sp, stack_t *out) {
  out->ss_sp = (void *)t->alt_sp;
  out->ss_size = t->alt_size;
  out->ss_flags = alt_report_flags(t, sp);
}

long shim_alt_set(struct shim_thread *t, uint64_t sp, const stack_t *ss) {
  if (shim_alt_on(t, sp)) return -EPERM;
  int mode = ss->ss_flags & ~(int)SS_FLAG_BITS;
  if (mode != SS_DISABLE && mode != SS_ONSTACK && mode != 0) return -EINVAL;
  if (mode == SS_DISABLE) {
    t->alt_sp = 0;
    t->alt_size = 0;
  } else {
    if (ss->ss_size < KERNEL_MINSIGSTKSZ) return -ENOMEM;
    t->alt_sp = (uint64_t)ss->ss_sp;
    t->alt_size = ss->ss_size;
  }
  t->alt_flags = ss->ss_flags;
  return 0;
}

/* sigaltstack(ss, old_ss), answered here: running it natively inside the SIGSYS
 * handler would change the shim's stack, and the kernel would put back the
 * setting of the moment of the trap when the handler returns. */
long shim_sigaltstack(const void *vss, void *vold) {
  struct shim_thread *t = shim_self();
  const ucontext_t *uc = shim_trap_uc;
  uint64_t sp =
      uc ? (uint64_t)uc->uc_mcontext.gregs[REG_RSP] : (uint64_t)__builtin_frame_address(0);
  stack_t old;
  alt_describe(t, sp, &old);
  if (vss) {
    stack_t ss = *(const stack_t *)vss;
    long r = shim_alt_set(t, sp, &ss);
    if (r != 0) return r;
  }
  if (vold) *(stack_t *)vold = old;
  return 0;
}
