// One thread spins on an atomic flag without any syscall; another sleeps
// 1 ms and sets it. Ends only if something preempts the spinner. With the
// argument "hostile" the program first takes SIGVTALRM for itself (a handler
// and a blocked mask), which must not disturb umbra's preemption.
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static atomic_int flag;

static void *setter(void *arg) {
  (void)arg;
  struct timespec d = {0, 1000000};
  nanosleep(&d, NULL);
  atomic_store(&flag, 1);
  return NULL;
}

static void *spinner(void *arg) {
  (void)arg;
  unsigned long spins = 0;
  while (!atomic_load_explicit(&flag, memory_order_relaxed)) spins++;
  return spins > 0 ? (void *)1 : NULL;
}

static void on_vtalrm(int sig) {
  (void)sig;
}

int main(int argc, char **argv) {
  if (argc > 1 && strcmp(argv[1], "hostile") == 0) {
    signal(SIGVTALRM, on_vtalrm);
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, SIGVTALRM);
    pthread_sigmask(SIG_BLOCK, &s, NULL);
  }
  struct timespec a, b;
  clock_gettime(CLOCK_MONOTONIC, &a);
  pthread_t s, t;
  pthread_create(&t, NULL, spinner, NULL);
  pthread_create(&s, NULL, setter, NULL);
  pthread_join(s, NULL);
  pthread_join(t, NULL);
  clock_gettime(CLOCK_MONOTONIC, &b);
  printf("joined elapsed_ns=%ld\n", (b.tv_sec - a.tv_sec) * 1000000000L + (b.tv_nsec - a.tv_nsec));
  return 0;
}
