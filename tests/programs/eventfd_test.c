/* eventfd under umbra: counter and semaphore reads, nonblocking EAGAIN,
 * the 2^64-2 ceiling, bad sizes and values, and a thread blocked in read
 * woken by another thread's write at an exact simulated time. */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#define SHOW(label, call)                                                                          \
  do {                                                                                             \
    errno = 0;                                                                                     \
    long r_ = (long)(call);                                                                        \
    printf("%s: %ld%s%s\n", label, r_, r_ < 0 ? " " : "", r_ < 0 ? strerrorname_np(errno) : "");   \
  } while (0)

static struct timespec t0;
static int efd;

static long ms_since_start(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (ts.tv_sec - t0.tv_sec) * 1000 + (ts.tv_nsec - t0.tv_nsec) / 1000000;
}

static void *waker(void *arg) {
  (void)arg;
  for (int i = 1; i <= 3; i++) {
    struct timespec ts = {0, 50 * 1000000};
    nanosleep(&ts, NULL);
    uint64_t v = (uint64_t)i;
    write(efd, &v, sizeof v);
  }
  return NULL;
}

int main(void) {
  setvbuf(stdout, NULL, _IONBF, 0);
  uint64_t v = 0;
  int fd = eventfd(5, EFD_NONBLOCK);
  SHOW("read", read(fd, &v, sizeof v));
  printf("value=%llu\n", (unsigned long long)v);
  SHOW("read empty", read(fd, &v, sizeof v));
  SHOW("read short buffer", read(fd, &v, 4));
  v = 3;
  SHOW("write short buffer", write(fd, &v, 4));
  v = UINT64_MAX;
  SHOW("write 2^64-1", write(fd, &v, sizeof v));
  v = UINT64_MAX - 1;
  SHOW("write 2^64-2", write(fd, &v, sizeof v));
  v = 1;
  SHOW("write past ceiling", write(fd, &v, sizeof v));
  v = 0;
  SHOW("write 0 at ceiling", write(fd, &v, sizeof v));
  SHOW("read", read(fd, &v, sizeof v));
  printf("value=%llu\n", (unsigned long long)v);
  close(fd);

  fd = eventfd(0, EFD_SEMAPHORE | EFD_NONBLOCK | EFD_CLOEXEC);
  v = 3;
  write(fd, &v, sizeof v);
  for (int i = 0; i < 4; i++) {
    v = 99;
    errno = 0;
    ssize_t n = read(fd, &v, sizeof v);
    printf("semaphore read %d: %zd value=%llu %s\n", i, n, (unsigned long long)v,
           n < 0 ? strerrorname_np(errno) : "");
  }
  SHOW("bad flags", eventfd(0, 0x10));
  close(fd);

  /* A blocking reader woken by writes from another thread every 50 ms. */
  clock_gettime(CLOCK_MONOTONIC, &t0);
  efd = eventfd(0, 0);
  pthread_t th;
  pthread_create(&th, NULL, waker, NULL);
  for (int i = 0; i < 3; i++) {
    eventfd_t got = 0;
    eventfd_read(efd, &got);
    printf("woken with %llu at %ld ms\n", (unsigned long long)got, ms_since_start());
  }
  pthread_join(th, NULL);
  return 0;
}
