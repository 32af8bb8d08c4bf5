/* timerfd under umbra: a 10 ms periodic timer read for 10 s counts exactly
 * 1000 ticks in exactly 10 s of simulated time; plus one-shot, absolute
 * (Unix-epoch) expirations, missed periods counted by one late read,
 * gettime, disarming, nonblocking EAGAIN and argument errors. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/select.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#define SHOW(label, call)                                                                          \
  do {                                                                                             \
    errno = 0;                                                                                     \
    long r_ = (long)(call);                                                                        \
    printf("%s: %ld%s%s\n", label, r_, r_ < 0 ? " " : "", r_ < 0 ? strerrorname_np(errno) : "");   \
  } while (0)

static int64_t now_ns(clockid_t c) {
  struct timespec ts;
  clock_gettime(c, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void sleep_ms(long ms) {
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000000};
  nanosleep(&ts, NULL);
}

int main(void) {
  setvbuf(stdout, NULL, _IONBF, 0);

  /* 1000 ticks of 10 ms. */
  int fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
  struct itimerspec its = {{0, 10000000}, {0, 10000000}};
  int64_t start = now_ns(CLOCK_MONOTONIC);
  SHOW("settime", timerfd_settime(fd, 0, &its, NULL));
  uint64_t ticks = 0, reads = 0;
  while (ticks < 1000) {
    uint64_t n;
    if (read(fd, &n, sizeof n) != sizeof n) {
      printf("read failed %d\n", errno);
      return 1;
    }
    ticks += n;
    reads++;
  }
  int64_t elapsed = now_ns(CLOCK_MONOTONIC) - start;
  printf("ticks=%llu reads=%llu elapsed=%lld.%09lld s\n", (unsigned long long)ticks,
         (unsigned long long)reads, (long long)(elapsed / 1000000000),
         (long long)(elapsed % 1000000000));

  /* Sleep through 25 ms of a 10 ms timer: one read returns the 2 missed periods. */
  sleep_ms(25);
  uint64_t n = 0;
  read(fd, &n, sizeof n);
  printf("after 25 ms sleep: %llu\n", (unsigned long long)n);
  struct itimerspec cur;
  timerfd_gettime(fd, &cur);
  printf("gettime: value=%ld ns interval=%ld ns\n", cur.it_value.tv_nsec, cur.it_interval.tv_nsec);
  memset(&its, 0, sizeof its);
  struct itimerspec old;
  SHOW("disarm", timerfd_settime(fd, 0, &its, &old));
  printf("old: value=%ld ns interval=%ld ns\n", old.it_value.tv_nsec, old.it_interval.tv_nsec);
  timerfd_gettime(fd, &cur);
  printf("disarmed gettime: %ld %ld\n", (long)cur.it_value.tv_sec, cur.it_value.tv_nsec);
  close(fd);

  /* One-shot, nonblocking. */
  fd = timerfd_create(CLOCK_REALTIME, TFD_NONBLOCK);
  SHOW("read unarmed", read(fd, &n, sizeof n));
  struct itimerspec once = {{0, 0}, {0, 300000000}};
  timerfd_settime(fd, 0, &once, NULL);
  sleep_ms(200);
  SHOW("read early", read(fd, &n, sizeof n));
  sleep_ms(100);
  SHOW("read at 300 ms", read(fd, &n, sizeof n));
  printf("n=%llu\n", (unsigned long long)n);
  SHOW("read again", read(fd, &n, sizeof n));
  SHOW("read short", read(fd, &n, 4));

  /* Absolute, on the Unix-epoch realtime clock: 1.5 s from now. */
  int64_t rt = now_ns(CLOCK_REALTIME);
  printf("realtime is 2000-01-01 or later: %d\n", rt >= 946684800LL * 1000000000);
  struct itimerspec abs = {{0, 0},
                           {(rt + 1500000000) / 1000000000, (rt + 1500000000) % 1000000000}};
  SHOW("settime abs", timerfd_settime(fd, TFD_TIMER_ABSTIME, &abs, NULL));
  fd_set r;
  int woke = 0;
  while (!woke) {
    FD_ZERO(&r);
    FD_SET(fd, &r);
    woke = select(fd + 1, &r, NULL, NULL, NULL);
  }
  printf("absolute timer fired %lld ms after its setting\n",
         (long long)((now_ns(CLOCK_REALTIME) - rt) / 1000000));

  /* Absolute start 1 s in the past, 100 ms period: 11 expirations are due at once. */
  rt = now_ns(CLOCK_REALTIME) - 1000000000;
  struct itimerspec past = {{0, 100000000}, {rt / 1000000000, rt % 1000000000}};
  timerfd_settime(fd, TFD_TIMER_ABSTIME, &past, NULL);
  n = 0;
  SHOW("read past", read(fd, &n, sizeof n));
  printf("n=%llu\n", (unsigned long long)n);
  close(fd);

  /* Errors. */
  SHOW("create bad clock", timerfd_create(CLOCK_PROCESS_CPUTIME_ID, 0));
  SHOW("create bad flags", timerfd_create(CLOCK_MONOTONIC, 1));
  fd = timerfd_create(CLOCK_BOOTTIME, 0);
  struct itimerspec bad = {{0, 0}, {0, 1000000000}};
  SHOW("settime bad nsec", timerfd_settime(fd, 0, &bad, NULL));
  SHOW("settime bad flags", timerfd_settime(fd, 4, &once, NULL));
  SHOW("settime on stdout", timerfd_settime(1, 0, &once, NULL));
  SHOW("settime closed fd", timerfd_settime(77, 0, &once, NULL));
  SHOW("gettime closed fd", timerfd_gettime(77, &cur));
  return 0;
}
