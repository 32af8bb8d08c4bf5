// Benchmark loop for the spin rule's cost: `bench_spin N R` runs N rounds of a
// syscall-heavy program that never spins: R clock reads (libc, answered in the
// shim) and a getppid (a round trip to the simulator) per round, and a 1 µs
// nanosleep (a block) every 64 rounds, so that at most 64 R reads (below the
// rule's allowance) come at one instant. Prints "rounds=N elapsed_ns=T".
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static long long mono_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: bench_spin N R\n");
    return 2;
  }
  long n = atol(argv[1]), reads = atol(argv[2]);
  long long start = mono_ns(), sum = 0;
  struct timespec us1 = {0, 1000};
  for (long i = 0; i < n; i++) {
    for (long r = 0; r < reads; r++) sum += mono_ns() & 1;
    sum += syscall(SYS_getppid) & 1;
    if (i % 64 == 63) nanosleep(&us1, NULL);
  }
  printf("rounds=%ld elapsed_ns=%lld sum=%lld\n", n, mono_ns() - start, sum);
  return 0;
}
