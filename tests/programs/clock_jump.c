// Prints the host's clocks once per simulated second, ROUNDS times: realtime
// through libc (vDSO), the raw syscall, gettimeofday and time(), then monotonic
// (vDSO and raw). Fault-schedule tests check which of them jump.
//   clock_jump ROUNDS
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static long long ns_of(struct timespec ts) {
  return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int main(int argc, char **argv) {
  int rounds = argc > 1 ? atoi(argv[1]) : 5;
  for (int i = 0; i < rounds; i++) {
    struct timespec rt, rt_raw, mono, mono_raw;
    struct timeval tv;
    clock_gettime(CLOCK_REALTIME, &rt);
    syscall(SYS_clock_gettime, CLOCK_REALTIME, &rt_raw);
    gettimeofday(&tv, NULL);
    time_t t = time(NULL);
    clock_gettime(CLOCK_MONOTONIC, &mono);
    syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &mono_raw);
    printf("realtime %lld raw %lld tod %lld time %lld mono %lld monoraw %lld\n", ns_of(rt),
           ns_of(rt_raw), tv.tv_sec * 1000000LL + tv.tv_usec, (long long)t, ns_of(mono),
           ns_of(mono_raw));
    fflush(stdout);
    sleep(1);
  }
  return 0;
}
