// Spins on a raw sched_yield syscall (no libc wrapper) until another thread,
// which first sleeps 1 ms, flips a flag.
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <time.h>

static atomic_int flag;

static void raw_yield(void) {
  long ret;
  __asm__ volatile("syscall" : "=a"(ret) : "a"((long)SYS_sched_yield) : "rcx", "r11", "memory");
}

static void *setter(void *arg) {
  (void)arg;
  struct timespec d = {0, 1000000};
  nanosleep(&d, NULL);
  atomic_store(&flag, 1);
  return NULL;
}

int main(void) {
  pthread_t s;
  pthread_create(&s, NULL, setter, NULL);
  unsigned long yields = 0;
  while (!atomic_load(&flag)) {
    raw_yield();
    yields++;
  }
  pthread_join(s, NULL);
  printf("flag seen after %s yields\n", yields > 0 ? "some" : "no");
  return 0;
}
