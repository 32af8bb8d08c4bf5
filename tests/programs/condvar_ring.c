// Four threads pass a token around a ring with a mutex and condition
// variables for N rounds; prints a checksum and the simulated duration.
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define THREADS 4
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv[THREADS];
static int turn = 0;
static long rounds;
static unsigned long checksum = 0;

static void *worker(void *arg) {
  int me = (int)(long)arg;
  for (long r = 0; r < rounds; r++) {
    pthread_mutex_lock(&mu);
    while (turn != me) pthread_cond_wait(&cv[me], &mu);
    checksum = checksum * 31 + (unsigned long)me + (unsigned long)r;
    turn = (me + 1) % THREADS;
    pthread_cond_signal(&cv[turn]);
    pthread_mutex_unlock(&mu);
  }
  return NULL;
}

int main(int argc, char **argv) {
  rounds = argc > 1 ? atol(argv[1]) : 1000;
  struct timespec a, b;
  clock_gettime(CLOCK_MONOTONIC, &a);
  pthread_t th[THREADS];
  for (int i = 0; i < THREADS; i++) pthread_cond_init(&cv[i], NULL);
  for (int i = 0; i < THREADS; i++) pthread_create(&th[i], NULL, worker, (void *)(long)i);
  for (int i = 0; i < THREADS; i++) pthread_join(th[i], NULL);
  clock_gettime(CLOCK_MONOTONIC, &b);
  printf("rounds=%ld checksum=%lu elapsed_ns=%ld\n", rounds, checksum,
         (b.tv_sec - a.tv_sec) * 1000000000L + (b.tv_nsec - a.tv_nsec));
  return 0;
}
