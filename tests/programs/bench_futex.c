// Benchmark: `bench_futex MODE N` — two threads hand a turn back and forth N
// round trips and print "rounds=N elapsed_ns=T" (T wall natively, simulated
// under umbra). MODE raw: a shared word with FUTEX_WAIT/FUTEX_WAKE, every
// hand-off a wake and a wait. MODE condvar: pthread mutex + condition variable.
#include <linux/futex.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static long rounds;
static _Atomic int word; /* raw mode: 0 = ping's turn, 1 = pong's turn */
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int turn; /* condvar mode, under mu */

static long long mono_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void futex_wait(int val) {
  syscall(SYS_futex, &word, FUTEX_WAIT_PRIVATE, val, NULL, NULL, 0);
}
static void futex_wake(void) {
  syscall(SYS_futex, &word, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}

/* Waits until the word says `me`, then passes the turn to the other side. */
static void raw_side(int me) {
  for (long r = 0; r < rounds; r++) {
    int v;
    while ((v = atomic_load(&word)) != me) futex_wait(v);
    atomic_store(&word, 1 - me);
    futex_wake();
  }
}

static void condvar_side(int me) {
  for (long r = 0; r < rounds; r++) {
    pthread_mutex_lock(&mu);
    while (turn != me) pthread_cond_wait(&cv, &mu);
    turn = 1 - me;
    pthread_cond_signal(&cv);
    pthread_mutex_unlock(&mu);
  }
}

static int raw_mode;

static void *pong(void *arg) {
  (void)arg;
  if (raw_mode)
    raw_side(1);
  else
    condvar_side(1);
  return NULL;
}

int main(int argc, char **argv) {
  if (argc != 3 || (strcmp(argv[1], "raw") != 0 && strcmp(argv[1], "condvar") != 0)) {
    fprintf(stderr, "usage: bench_futex raw|condvar N\n");
    return 2;
  }
  raw_mode = strcmp(argv[1], "raw") == 0;
  rounds = atol(argv[2]);
  long long t0 = mono_ns();
  pthread_t th;
  if (pthread_create(&th, NULL, pong, NULL) != 0) {
    fprintf(stderr, "bench_futex: pthread_create failed\n");
    return 1;
  }
  if (raw_mode)
    raw_side(0);
  else
    condvar_side(0);
  pthread_join(th, NULL);
  long long t1 = mono_ns();
  printf("rounds=%ld elapsed_ns=%lld\n", rounds, t1 - t0);
  return 0;
}
