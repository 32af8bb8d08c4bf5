// Prints the host's clocks once per simulated second, ROUNDS times: realtime
// through libc (vDSO), the raw syscall, gettimeofday and time(), then monotonic
// (vDSO and raw). Fault-schedule tests check which of them jump. Then sleeps
// until 1.5 s past the realtime clock's reading (an absolute CLOCK_REALTIME
// deadline) and prints how long that took on the monotonic clock.
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
  struct timespec start, deadline, end;
  clock_gettime(CLOCK_MONOTONIC, &start);
  clock_gettime(CLOCK_REALTIME, &deadline);
  deadline.tv_sec += 1;
  deadline.tv_nsec += 500000000;
  if (deadline.tv_nsec >= 1000000000) {
    deadline.tv_sec++;
    deadline.tv_nsec -= 1000000000;
  }
  int r = clock_nanosleep(CLOCK_REALTIME, TIMER_ABSTIME, &deadline, NULL);
  clock_gettime(CLOCK_MONOTONIC, &end);
  printf("absolute sleep %d took %lld\n", r, ns_of(end) - ns_of(start));
  return 0;
}
