// The shim's signal frames never land on the program's stack: a trapped
// syscall leaves the memory below the stack pointer alone, as a real syscall
// does (Go's goroutine stacks are a few KiB), also after a signal handler
// left with siglongjmp. A handler's own frame does land there: that shows the
// probe sees writes.
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>

#define PROBE_BYTES 16384
#define PATTERN 0xa5

static long raw3(long nr, long a, long b, long c) {
  long ret;
  __asm__ volatile("syscall"
                   : "=a"(ret)
                   : "a"(nr), "D"(a), "S"(b), "d"(c)
                   : "rcx", "r11", "memory");
  return ret;
}

// Fills PROBE_BYTES right below the red zone, makes one syscall (nr, a, b, c) that
// uses no stack itself, and counts the bytes that changed.
static __attribute__((noinline)) int clobbered_by(long nr, long a, long b, long c) {
  uintptr_t sp;
  __asm__ volatile("movq %%rsp, %0" : "=r"(sp));
  volatile unsigned char *lo = (unsigned char *)(sp - 128 - PROBE_BYTES),
                         *hi = (unsigned char *)(sp - 128);
  for (volatile unsigned char *p = lo; p < hi; p++) *p = PATTERN;
  raw3(nr, a, b, c);
  int n = 0;
  for (volatile unsigned char *p = lo; p < hi; p++) n += *p != PATTERN;
  return n;
}

static sigjmp_buf escape;
static volatile int handled;

static void on_usr1(int sig) {
  (void)sig;
  handled++;
}

static void on_usr2(int sig) {
  (void)sig;
  siglongjmp(escape, 1);
}

int main(void) {
  setvbuf(stdout, NULL, _IONBF, 0);
  long pid = getpid(), tid = syscall(SYS_gettid);
  signal(SIGUSR1, on_usr1);
  signal(SIGUSR2, on_usr2);
  printf("a trapped syscall leaves the stack below sp alone: %d\n",
         clobbered_by(SYS_getppid, 0, 0, 0) == 0);
  printf("a handler's frame is seen by the probe: %d\n",
         clobbered_by(SYS_tgkill, pid, tid, SIGUSR1) > 0);
  for (int i = 0; i < 3; i++) {
    if (sigsetjmp(escape, 1) == 0) raise(SIGUSR2);
  }
  printf("left 3 handlers by siglongjmp\n");
  printf("a trapped syscall leaves the stack below sp alone: %d\n",
         clobbered_by(SYS_getppid, 0, 0, 0) == 0);
  printf("handled %d\n", handled);
  return 0;
}
