// Prints the simulated time, sleeps argv[1] milliseconds argv[2] times, prints again.
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

int main(int argc, char **argv) {
  long ms = argc > 1 ? atol(argv[1]) : 1000;
  long n = argc > 2 ? atol(argv[2]) : 1;
  struct timespec a, b, req = {ms / 1000, (ms % 1000) * 1000000L};
  clock_gettime(CLOCK_MONOTONIC, &a);
  for (long i = 0; i < n; i++) nanosleep(&req, NULL);
  clock_gettime(CLOCK_MONOTONIC, &b);
  printf("slept %ld ns\n", (b.tv_sec - a.tv_sec) * 1000000000L + (b.tv_nsec - a.tv_nsec));
  fflush(stdout);
  return 0;
}
