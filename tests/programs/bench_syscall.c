// Benchmark loop: `bench_syscall MODE N` makes N calls and prints
// "calls=N elapsed_ns=T sum=S", T read with clock_gettime (wall time natively,
// simulated time under umbra). MODE: getppid (libc syscall(), emulated under
// umbra), clock (libc clock_gettime, answered in the shim), rawclock
// (clock_gettime as a raw syscall instruction: trapped, answered in the shim),
// pipe (a 1-byte write and its read on one pipe: two emulated calls), spawn
// (posix_spawn of /bin/true and waitpid for it).
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long long mono_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static long raw_clock(struct timespec *ts) {
  long ret;
  __asm__ volatile("syscall"
                   : "=a"(ret)
                   : "0"((long)SYS_clock_gettime), "D"((long)CLOCK_MONOTONIC), "S"(ts)
                   : "rcx", "r11", "memory");
  return ret;
}

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: bench_syscall getppid|clock|rawclock|pipe|spawn N\n");
    return 2;
  }
  const char *mode = argv[1];
  long n = atol(argv[2]);
  unsigned long long sum = 0;
  long long t0 = mono_ns();
  if (strcmp(mode, "getppid") == 0) {
    for (long i = 0; i < n; i++) sum += (unsigned long long)syscall(SYS_getppid);
  } else if (strcmp(mode, "clock") == 0) {
    struct timespec ts;
    for (long i = 0; i < n; i++) {
      clock_gettime(CLOCK_MONOTONIC, &ts);
      sum += (unsigned long long)ts.tv_nsec;
    }
  } else if (strcmp(mode, "rawclock") == 0) {
    struct timespec ts;
    for (long i = 0; i < n; i++) {
      raw_clock(&ts);
      sum += (unsigned long long)ts.tv_nsec;
    }
  } else if (strcmp(mode, "pipe") == 0) {
    int fds[2];
    if (pipe(fds) != 0) return 1;
    char c = 'x';
    for (long i = 0; i < n; i++) {
      if (write(fds[1], &c, 1) != 1 || read(fds[0], &c, 1) != 1) return 1;
      sum += (unsigned char)c;
    }
  } else if (strcmp(mode, "spawn") == 0) {
    extern char **environ;
    char *args[] = {"/bin/true", NULL};
    for (long i = 0; i < n; i++) {
      pid_t pid;
      int status;
      if (posix_spawn(&pid, "/bin/true", NULL, NULL, args, environ) != 0) return 1;
      if (waitpid(pid, &status, 0) != pid || status != 0) return 1;
      sum++;
    }
  } else {
    fprintf(stderr, "bench_syscall: unknown mode %s\n", mode);
    return 2;
  }
  long long t1 = mono_ns();
  printf("calls=%ld elapsed_ns=%lld sum=%llu\n", n, t1 - t0, sum);
  return 0;
}
