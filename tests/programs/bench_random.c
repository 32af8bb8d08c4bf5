// Benchmark loop: `bench_random N SIZE` makes N getrandom calls of SIZE bytes
// each and prints "calls=N elapsed_ns=T sum=S", T read with clock_gettime
// (wall time natively, simulated time under umbra). The calls are raw
// syscalls, as glibc's getrandom() makes them.
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
    fprintf(stderr, "usage: bench_random N SIZE\n");
    return 2;
  }
  long n = atol(argv[1]);
  long size = atol(argv[2]);
  static unsigned char buf[65536];
  if (size < 0 || size > (long)sizeof buf) return 2;
  unsigned long long sum = 0;
  long long t0 = mono_ns();
  for (long i = 0; i < n; i++) {
    if (syscall(SYS_getrandom, buf, (size_t)size, 0) != size) return 1;
    sum += buf[0];
  }
  long long t1 = mono_ns();
  printf("calls=%ld elapsed_ns=%lld sum=%llu\n", n, t1 - t0, sum);
  return 0;
}
