/* Holds N threads alive at once (argv[1]), each parked on a barrier until all
 * exist, then joins them: the simulation needs one slot per live thread.
 * Prints how many were created, and the first errno if creation failed
 * (EAGAIN is Linux's answer when a limit is reached). */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static pthread_barrier_t all_started;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static long sum;

static void *worker(void *arg) {
  pthread_barrier_wait(&all_started);
  pthread_mutex_lock(&lock);
  sum += (long)arg;
  pthread_mutex_unlock(&lock);
  return NULL;
}

int main(int argc, char **argv) {
  long n = argc > 1 ? atol(argv[1]) : 100;
  pthread_t *ids = calloc((size_t)n, sizeof *ids);
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setstacksize(&attr, 64 * 1024);
  pthread_barrier_init(&all_started, NULL, (unsigned)n + 1);
  long made = 0;
  int err = 0;
  for (; made < n; made++) {
    err = pthread_create(&ids[made], &attr, worker, (void *)(made + 1));
    if (err != 0) break;
  }
  printf("created %ld of %ld\n", made, n);
  if (err != 0) {
    printf("pthread_create: %s\n", strerror(err));
    fflush(stdout);
    _Exit(3); /* the barrier can never open: leave without joining */
  }
  pthread_barrier_wait(&all_started);
  for (long i = 0; i < made; i++) pthread_join(ids[i], NULL);
  printf("joined %ld, sum %ld\n", made, sum);
  return 0;
}
