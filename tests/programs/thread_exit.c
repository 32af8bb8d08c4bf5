// The main thread exits with pthread_exit while a worker still runs: the
// process must live on until the worker finishes.
#include <pthread.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

static void *worker(void *arg) {
  (void)arg;
  struct timespec d = {1, 0};
  nanosleep(&d, NULL);
  struct timespec now;
  clock_gettime(CLOCK_REALTIME, &now);
  printf("worker done at %ld\n", (long)now.tv_sec);
  fflush(stdout);
  return NULL;
}

int main(void) {
  pthread_t t;
  pthread_create(&t, NULL, worker, NULL);
  printf("main exits first\n");
  fflush(stdout);
  pthread_exit(NULL);
}
