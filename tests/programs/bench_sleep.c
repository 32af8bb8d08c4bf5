// Benchmark: `bench_sleep N` sleeps 1 ms N times with nanosleep and prints
// "sleeps=N elapsed_ns=T", T from CLOCK_MONOTONIC (wall natively, simulated
// under umbra).
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static long long mono_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: bench_sleep N\n");
    return 2;
  }
  long n = atol(argv[1]);
  struct timespec ms = {0, 1000000L};
  long long t0 = mono_ns();
  for (long i = 0; i < n; i++) {
    if (nanosleep(&ms, NULL) != 0) {
      perror("nanosleep");
      return 1;
    }
  }
  long long t1 = mono_ns();
  printf("sleeps=%ld elapsed_ns=%lld\n", n, t1 - t0);
  return 0;
}
