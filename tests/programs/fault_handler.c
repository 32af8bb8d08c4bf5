// A program's own SIGSEGV handler still runs for a real fault (and may
// siglongjmp out), while rdtsc keeps being emulated by the shim.
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <x86intrin.h>

static sigjmp_buf env;
static volatile void *fault_addr;

static void on_segv(int sig, siginfo_t *si, void *uc) {
  (void)sig;
  (void)uc;
  fault_addr = si->si_addr;
  siglongjmp(env, 1);
}

int main(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = on_segv;
  sa.sa_flags = SA_SIGINFO;
  sigaction(SIGSEGV, &sa, NULL);
  for (volatile int i = 0; i < 2; i++) {
    if (sigsetjmp(env, 1) == 0) {
      volatile int *p = (volatile int *)(long)(16 + i * 8);
      *p = 1;
      printf("not reached\n");
    } else {
      printf("caught fault at %p\n", (void *)fault_addr);
    }
  }
  unsigned long long a = __rdtsc(), b = __rdtsc();
  printf("rdtsc still emulated: %s\n", a == b ? "yes" : "no");
  return 0;
}
