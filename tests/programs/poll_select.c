/* poll, ppoll, select and pselect under umbra: exact simulated timeouts
 * (poll(NULL, 0, 250) sleeps 250 ms), wake-ups by another thread, POLLHUP,
 * POLLERR and POLLNVAL, negative fds, native fds always ready, select's
 * bitmaps, EBADF, and the time left written back into select's timeout. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/select.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define SHOW(label, call)                                                                          \
  do {                                                                                             \
    errno = 0;                                                                                     \
    long r_ = (long)(call);                                                                        \
    printf("%s: %ld%s%s\n", label, r_, r_ < 0 ? " " : "", r_ < 0 ? strerrorname_np(errno) : "");   \
  } while (0)

static int64_t now_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int late_fd;
static long late_ms;
static void *late_writer(void *arg) {
  (void)arg;
  struct timespec ts = {late_ms / 1000, (late_ms % 1000) * 1000000};
  nanosleep(&ts, NULL);
  write(late_fd, "w", 1);
  return NULL;
}

static pthread_t start_late_writer(int fd, long ms) {
  pthread_t th;
  late_fd = fd;
  late_ms = ms;
  pthread_create(&th, NULL, late_writer, NULL);
  return th;
}

int main(void) {
  setvbuf(stdout, NULL, _IONBF, 0);
  char buf[16];
  int64_t t;

  /* poll as a sleep. */
  t = now_us();
  SHOW("poll(NULL, 0, 250)", poll(NULL, 0, 250));
  printf("slept %lld us\n", (long long)(now_us() - t));

  int p[2];
  pipe(p);
  struct pollfd fds[4] = {
      {p[0], POLLIN, 0}, {p[1], POLLOUT, 0}, {-1, POLLIN, 0}, {1, POLLIN | POLLOUT, 0}};
  SHOW("poll ready", poll(fds, 4, 1000));
  printf("revents: %#x %#x %#x %#x\n", fds[0].revents, fds[1].revents, fds[2].revents,
         fds[3].revents);

  /* Waiting for a pipe another thread writes after 40 ms. */
  fds[1].events = 0;
  fds[3].events = 0;
  t = now_us();
  pthread_t th = start_late_writer(p[1], 40);
  SHOW("poll woken", poll(fds, 4, 1000));
  printf("after %lld us, revents %#x\n", (long long)(now_us() - t), fds[0].revents);
  pthread_join(th, NULL);
  read(p[0], buf, 1);
  t = now_us();
  SHOW("poll timeout 75", poll(fds, 2, 75));
  printf("after %lld us, revents %#x %#x\n", (long long)(now_us() - t), fds[0].revents,
         fds[1].revents);

  /* ppoll with a timespec. */
  struct timespec ts = {0, 125000000};
  t = now_us();
  SHOW("ppoll 125 ms", ppoll(fds, 1, &ts, NULL));
  printf("after %lld us\n", (long long)(now_us() - t));
  struct timespec badts = {0, 1000000000};
  SHOW("ppoll bad timespec", ppoll(fds, 1, &badts, NULL));

  /* HUP, ERR, NVAL. */
  write(p[1], "x", 1);
  close(p[1]);
  struct pollfd h[2] = {{p[0], POLLIN, 0}, {99, POLLIN, 0}};
  SHOW("poll hup", poll(h, 2, 0));
  printf("revents: %#x %#x\n", h[0].revents, h[1].revents);
  signal(SIGPIPE, SIG_IGN);
  int e[2];
  pipe(e);
  close(e[0]);
  struct pollfd er = {e[1], POLLOUT, 0};
  SHOW("poll err", poll(&er, 1, 0));
  printf("revents: %#x\n", er.revents);
  close(e[1]);
  close(p[0]);

  /* select: bitmaps, timeout written back, EBADF. */
  pipe(p);
  fd_set r, w, x;
  FD_ZERO(&r);
  FD_ZERO(&w);
  FD_ZERO(&x);
  FD_SET(p[0], &r);
  FD_SET(p[1], &w);
  FD_SET(p[0], &x);
  FD_SET(1, &w);
  struct timeval tv = {2, 500000};
  SHOW("select writable", select(p[1] + 1, &r, &w, &x, &tv));
  printf("r=%d w=%d,%d x=%d tv=%ld.%06ld\n", FD_ISSET(p[0], &r), FD_ISSET(p[1], &w),
         FD_ISSET(1, &w), FD_ISSET(p[0], &x), (long)tv.tv_sec, (long)tv.tv_usec);
  FD_ZERO(&r);
  FD_SET(p[0], &r);
  tv.tv_sec = 1;
  tv.tv_usec = 500000;
  t = now_us();
  th = start_late_writer(p[1], 300);
  SHOW("select woken", select(p[0] + 1, &r, NULL, NULL, &tv));
  printf("after %lld us, r=%d tv=%ld.%06ld\n", (long long)(now_us() - t), FD_ISSET(p[0], &r),
         (long)tv.tv_sec, (long)tv.tv_usec);
  pthread_join(th, NULL);
  read(p[0], buf, 1);
  FD_ZERO(&r);
  FD_SET(p[0], &r);
  tv.tv_sec = 0;
  tv.tv_usec = 1500000; /* more than a second of microseconds: Linux accepts it */
  t = now_us();
  SHOW("select timeout", select(p[0] + 1, &r, NULL, NULL, &tv));
  printf("after %lld us, r=%d tv=%ld.%06ld\n", (long long)(now_us() - t), FD_ISSET(p[0], &r),
         (long)tv.tv_sec, (long)tv.tv_usec);
  t = now_us();
  tv.tv_sec = 0;
  tv.tv_usec = 20000;
  SHOW("select sleep", select(0, NULL, NULL, NULL, &tv));
  printf("after %lld us\n", (long long)(now_us() - t));
  FD_ZERO(&r);
  FD_SET(60, &r);
  SHOW("select bad fd", select(61, &r, NULL, NULL, NULL));
  SHOW("select nfds < 0", select(-1, NULL, NULL, NULL, NULL));
  tv.tv_sec = -1;
  SHOW("select negative timeout", select(0, NULL, NULL, NULL, &tv));

  /* pselect6 with a timespec (not modified by the glibc wrapper). */
  FD_ZERO(&r);
  FD_SET(p[0], &r);
  struct timespec pts = {0, 60000000};
  t = now_us();
  SHOW("pselect timeout", pselect(p[0] + 1, &r, NULL, NULL, &pts, NULL));
  printf("after %lld us\n", (long long)(now_us() - t));
  return 0;
}
