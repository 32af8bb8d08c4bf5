// Prints everything that must be deterministic under umbra: random bytes
// (getrandom, /dev/urandom, AT_RANDOM), ids, host name and every clock.
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/auxv.h>
#include <sys/random.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>
#include <x86intrin.h>

static void hex(const char *label, const unsigned char *b, size_t n) {
  printf("%s ", label);
  for (size_t i = 0; i < n; i++) printf("%02x", b[i]);
  printf("\n");
}

int main(void) {
  unsigned char buf[16];
  if (getrandom(buf, sizeof buf, 0) != (ssize_t)sizeof buf) return 1;
  hex("getrandom", buf, sizeof buf);
  int fd = open("/dev/urandom", O_RDONLY);
  if (fd < 0 || read(fd, buf, sizeof buf) != (ssize_t)sizeof buf) return 2;
  close(fd);
  hex("urandom", buf, sizeof buf);
  hex("at_random", (const unsigned char *)getauxval(AT_RANDOM), 16);
  printf("pid %d ppid %d tid %ld\n", getpid(), getppid(), (long)syscall(SYS_gettid));
  struct utsname u;
  uname(&u);
  char host[256];
  gethostname(host, sizeof host);
  printf("uname %s %s %s gethostname %s\n", u.sysname, u.nodename, u.machine, host);
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  printf("realtime %ld.%09ld\n", (long)ts.tv_sec, ts.tv_nsec);
  clock_gettime(CLOCK_MONOTONIC, &ts);
  printf("monotonic %ld.%09ld\n", (long)ts.tv_sec, ts.tv_nsec);
  syscall(SYS_clock_gettime, CLOCK_BOOTTIME, &ts);
  printf("boottime-syscall %ld.%09ld\n", (long)ts.tv_sec, ts.tv_nsec);
  struct timeval tv;
  gettimeofday(&tv, NULL);
  printf("gettimeofday %ld.%06ld time %ld\n", (long)tv.tv_sec, (long)tv.tv_usec, (long)time(NULL));
  printf("rdtsc-nonzero %d\n", __rdtsc() != 0);
  return 0;
}
