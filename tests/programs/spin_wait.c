// Loops that wait for simulated time without ever blocking, each of which ends
// only through the spin rule, and the allowance of free clock reads (argument:
// UMBRA_SPIN_FREE_READS). Prints simulated times relative to the start.
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static long long mono_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* The trapped syscall, not the vDSO or libc's function. */
static long long raw_mono_ns(void) {
  struct timespec ts;
  syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int pipefd[2];

static void *writer(void *arg) {
  (void)arg;
  struct timespec d = {0, 5000000};
  nanosleep(&d, NULL);
  if (write(pipefd[1], "x", 1) != 1) abort();
  return NULL;
}

static void sleep_1ms(void) {
  struct timespec d = {0, 1000000};
  nanosleep(&d, NULL);
}

int main(int argc, char **argv) {
  long free_reads = argc > 1 ? atol(argv[1]) : 0;
  long long start = mono_ns();

  /* The allowance: that many reads at one instant all see it. */
  int same = 1;
  for (long i = 1; i < free_reads; i++) same &= mono_ns() == start;
  long long next = mono_ns();
  long long after = mono_ns();
  printf("%ld reads at one instant: %s; read %ld: +%lld ns\n", free_reads,
         same ? "all equal" : "DIFFER", free_reads + 2, after - next);

  /* A block starts a new count. */
  sleep_1ms();
  long long woke = mono_ns();
  same = 1;
  for (long i = 1; i < free_reads; i++) same &= mono_ns() == woke;
  printf("after a 1 ms sleep at +%lld ns: %ld reads %s\n", woke - start, free_reads,
         same ? "all equal" : "DIFFER");

  /* clock_gettime (libc and vDSO), the trapped syscall, gettimeofday and time() spin to a deadline.
   */
  long long t0 = mono_ns();
  while (mono_ns() - t0 < 2000000) {
  }
  printf("clock_gettime spin of 2 ms ended at +%lld ns\n", mono_ns() - start);
  t0 = raw_mono_ns();
  while (raw_mono_ns() - t0 < 3000000) {
  }
  printf("syscall(clock_gettime) spin of 3 ms ended at +%lld ns\n", mono_ns() - start);
  struct timeval tv0, tv;
  gettimeofday(&tv0, NULL);
  do gettimeofday(&tv, NULL);
  while ((tv.tv_sec - tv0.tv_sec) * 1000000 + (tv.tv_usec - tv0.tv_usec) < 4000);
  printf("gettimeofday spin of 4 ms ended at +%lld ns\n", mono_ns() - start);
  time_t s0 = time(NULL);
  while (time(NULL) == s0) {
  }
  printf("time() spin to the next second ended at +%lld ns, second %ld\n", mono_ns() - start,
         (long)(time(NULL) - s0));

  /* Zero-timeout polls with other syscalls between them, while another thread sleeps 5 ms and
   * writes. */
  if (pipe(pipefd) != 0) abort();
  pthread_t w;
  pthread_create(&w, NULL, writer, NULL);
  long long p0 = mono_ns();
  struct pollfd pfd = {.fd = pipefd[0], .events = POLLIN};
  long polls = 0;
  while (poll(&pfd, 1, 0) == 0) {
    polls++;
    getppid();
  }
  pthread_join(w, NULL);
  printf("polled %s times; the write came after +%lld ns\n", polls > 1000 ? "thousands of" : "few",
         mono_ns() - p0);
  return 0;
}
