// Busy-waits on the clock: rdtsc until 1000 cycles pass, then clock_gettime
// until 1 ms passes. Ends only if reading the clock costs simulated time.
#include <stdint.h>
#include <stdio.h>
#include <time.h>
#include <x86intrin.h>

static long now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000000000L + ts.tv_nsec;
}

int main(void) {
  uint64_t t0 = __rdtsc();
  unsigned long reads = 0;
  while (__rdtsc() - t0 < 1000) reads++;
  printf("rdtsc advanced by 1000 cycles after %s reads\n", reads > 0 ? "some" : "no");
  long start = now_ns();
  while (now_ns() - start < 1000000) {
  }
  printf("clock_gettime advanced by 1 ms, elapsed_ns=%ld\n", now_ns() - start);
  return 0;
}
