// Threads made with a raw clone() (no pthread_create), all given one dummy TLS
// block: they must not share anything of the shim's (each has its own
// conversation with the simulator), and the threads outlive the main thread,
// which exits first with a plain exit. The threads use raw syscalls only: with
// a dummy thread pointer, libc is off limits to them.
#include <linux/futex.h>
#include <sched.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <time.h>

static long sys6(long nr, long a, long b, long c, long d, long e, long f) {
  register long r10 __asm__("r10") = d;
  register long r8 __asm__("r8") = e;
  register long r9 __asm__("r9") = f;
  long ret;
  __asm__ volatile("syscall"
                   : "=a"(ret)
                   : "a"(nr), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
                   : "rcx", "r11", "memory");
  return ret;
}
#define SYS(nr, a, b, c, d) sys6((nr), (long)(a), (long)(b), (long)(c), (long)(d), 0, 0)

static void out(const char *s) {
  long n = 0;
  while (s[n]) n++;
  SYS(SYS_write, 1, s, n, 0);
}

static char *fmt_u(char *p, unsigned long v, int width) {
  char tmp[24];
  int n = 0;
  do tmp[n++] = (char)('0' + v % 10);
  while ((v /= 10) || n < width);
  while (n) *p++ = tmp[--n];
  return p;
}

// "<who> <i> tid-distinct=<0|1> t=<sec>.<ms>\n"
static void report(const char *who, int i, int distinct) {
  struct timespec now;
  SYS(SYS_clock_gettime, CLOCK_MONOTONIC, &now, 0, 0);
  char line[96], *p = line;
  while (*who) *p++ = *who++;
  *p++ = ' ';
  p = fmt_u(p, (unsigned long)i, 1);
  const char *a = " tid-distinct=";
  while (*a) *p++ = *a++;
  *p++ = distinct ? '1' : '0';
  const char *b = " t=";
  while (*b) *p++ = *b++;
  p = fmt_u(p, (unsigned long)now.tv_sec, 1);
  *p++ = '.';
  p = fmt_u(p, (unsigned long)now.tv_nsec / 1000000, 3);
  *p++ = '\n';
  *p = 0;
  out(line);
}

static char dummy_tls[4096] __attribute__((aligned(64)));
static char stacks[2][256 * 1024] __attribute__((aligned(64)));
static volatile int child_tid[2]; // cleared by the kernel (CLONE_CHILD_CLEARTID) when a thread ends
static volatile int main_tid;

struct job {
  const char *name;
  int index;
  long step_ms;
};
static struct job jobs[2] = {{"A", 0, 300}, {"B", 1, 500}};

static void sleep_ms(long ms) {
  struct timespec d = {ms / 1000, (ms % 1000) * 1000000};
  SYS(SYS_nanosleep, &d, 0, 0, 0);
}

static void worker(void *arg) {
  struct job *j = arg;
  int me = (int)SYS(SYS_gettid, 0, 0, 0, 0);
  for (int i = 0; i < 3; i++) {
    sleep_ms(j->step_ms);
    unsigned lo, hi;
    __asm__ volatile("rdtsc"
                     : "=a"(lo),
                       "=d"(hi)); // emulated by the shim: its state must not be found via %fs
    (void)lo;
    (void)hi;
    report(j->name, i, me != main_tid && me != child_tid[1 - j->index]);
  }
  if (j->index == 1) {
    // The last one out waits for A (its tid word goes to 0 when it ends), then ends the process.
    int t;
    while ((t = child_tid[0]) != 0) SYS(SYS_futex, &child_tid[0], FUTEX_WAIT, t, 0);
    out("B saw A end; all done\n");
    SYS(SYS_exit_group, 0, 0, 0, 0);
  }
}

static long raw_clone(unsigned long flags, char *stack_top, volatile int *ptid, volatile int *ctid,
                      void *tls, void (*fn)(void *), void *arg) {
  uintptr_t top = (uintptr_t)stack_top & ~(uintptr_t)15;
  ((void **)top)[-2] = (void *)fn;
  ((void **)top)[-1] = arg;
  register long r10 __asm__("r10") = (long)ctid;
  register long r8 __asm__("r8") = (long)tls;
  long ret;
  __asm__ volatile("syscall\n"
                   "testq %%rax, %%rax\n"
                   "jnz 1f\n"
                   "xorl %%ebp, %%ebp\n"
                   "popq %%rax\n"
                   "popq %%rdi\n"
                   "andq $-16, %%rsp\n"
                   "call *%%rax\n"
                   "movl $60, %%eax\n"
                   "xorl %%edi, %%edi\n"
                   "syscall\n"
                   "hlt\n"
                   "1:\n"
                   : "=a"(ret)
                   : "a"(SYS_clone), "D"(flags), "S"(top - 16), "d"(ptid), "r"(r10), "r"(r8)
                   : "rcx", "r11", "memory");
  return ret;
}

int main(void) {
  main_tid = (int)SYS(SYS_gettid, 0, 0, 0, 0);
  unsigned long flags = CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD |
                        CLONE_SYSVSEM | CLONE_SETTLS | CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID;
  for (int i = 0; i < 2; i++) {
    long r = raw_clone(flags, stacks[i] + sizeof stacks[i], &child_tid[i], &child_tid[i], dummy_tls,
                       worker, &jobs[i]);
    if (r < 0) {
      out("clone failed\n");
      return 1;
    }
  }
  report("main", 0, child_tid[0] != child_tid[1] && child_tid[0] != main_tid);
  out("main exits first\n");
  SYS(SYS_exit, 0, 0, 0, 0); // the thread only: the others go on
  return 0;
}
