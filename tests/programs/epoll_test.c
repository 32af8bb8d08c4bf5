/* epoll under umbra: level vs edge triggering on a pipe, one-shot and
 * re-arming, exact 64-bit data, HUP/ERR, timeouts in simulated time, nested
 * instances, round-robin with maxevents=1, registrations that follow the
 * open file, eventfd/timerfd targets, and epoll_ctl's errors. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#define SHOW(label, call)                                                                          \
  do {                                                                                             \
    errno = 0;                                                                                     \
    long r_ = (long)(call);                                                                        \
    printf("%s: %ld%s%s\n", label, r_, r_ < 0 ? " " : "", r_ < 0 ? strerrorname_np(errno) : "");   \
  } while (0)

static int64_t now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int add(int ep, int fd, uint32_t events, uint64_t data) {
  struct epoll_event ev = {.events = events, .data.u64 = data};
  return epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
}

/* Waits with timeout ms and prints "label: n [events/data ...]". */
static int wait_show(const char *label, int ep, int max, int ms) {
  struct epoll_event evs[8];
  errno = 0;
  int n = epoll_wait(ep, evs, max, ms);
  printf("%s: %d", label, n);
  if (n < 0) printf(" %s", strerrorname_np(errno));
  for (int i = 0; i < n; i++)
    printf(" [%#x %#llx]", evs[i].events, (unsigned long long)evs[i].data.u64);
  printf("\n");
  return n;
}

static int late_fd;
static void *late_writer(void *arg) {
  (void)arg;
  struct timespec ts = {0, 30000000};
  nanosleep(&ts, NULL);
  write(late_fd, "z", 1);
  return NULL;
}

int main(void) {
  setvbuf(stdout, NULL, _IONBF, 0);
  char buf[64];
  int p[2];
  pipe2(p, O_NONBLOCK);
  int lt = epoll_create1(EPOLL_CLOEXEC), et = epoll_create(1);

  /* Level vs edge. */
  add(lt, p[0], EPOLLIN, 0x1122334455667788ULL);
  add(et, p[0], EPOLLIN | EPOLLET, 7);
  wait_show("lt empty", lt, 8, 0);
  write(p[1], "a", 1);
  wait_show("lt 1", lt, 8, 0);
  wait_show("lt again", lt, 8, 0);
  wait_show("et 1", et, 8, 0);
  wait_show("et again", et, 8, 0);
  write(p[1], "b", 1);
  wait_show("et new data", et, 8, 0);
  read(p[0], buf, sizeof buf);
  wait_show("lt drained", lt, 8, 0);
  wait_show("et drained", et, 8, 0);

  /* One-shot, then re-armed by MOD. */
  struct epoll_event ev = {.events = EPOLLIN | EPOLLONESHOT, .data.u64 = 9};
  SHOW("mod oneshot", epoll_ctl(lt, EPOLL_CTL_MOD, p[0], &ev));
  write(p[1], "c", 1);
  wait_show("oneshot", lt, 8, 0);
  wait_show("oneshot disabled", lt, 8, 0);
  write(p[1], "d", 1);
  wait_show("still disabled", lt, 8, 0);
  ev.events = EPOLLIN;
  ev.data.u64 = 10;
  SHOW("mod rearm", epoll_ctl(lt, EPOLL_CTL_MOD, p[0], &ev));
  wait_show("rearmed", lt, 8, 0);
  SHOW("del", epoll_ctl(lt, EPOLL_CTL_DEL, p[0], NULL));
  wait_show("after del", lt, 8, 0);

  /* HUP on the read end, OUT then ERR on the write end. */
  add(lt, p[1], EPOLLOUT, 2);
  wait_show("write end", lt, 8, 0);
  add(lt, p[0], EPOLLIN | EPOLLRDHUP, 1);
  close(p[0]);
  wait_show("reader closed", lt, 8, 0);
  close(p[1]);
  wait_show("all closed", lt, 8, 0);

  /* Timeouts are simulated time. */
  int64_t t = now_ms();
  wait_show("timeout 100", lt, 8, 100);
  printf("waited %lld ms\n", (long long)(now_ms() - t));
  pipe(p);
  add(lt, p[0], EPOLLIN, 3);
  late_fd = p[1];
  pthread_t th;
  t = now_ms();
  pthread_create(&th, NULL, late_writer, NULL);
  wait_show("infinite, woken", lt, 8, -1);
  printf("waited %lld ms\n", (long long)(now_ms() - t));
  pthread_join(th, NULL);
  read(p[0], buf, 1);

  /* Nested: the outer instance sees the inner one readable. */
  int outer = epoll_create1(0);
  add(outer, lt, EPOLLIN, 42);
  wait_show("outer idle", outer, 8, 0);
  write(p[1], "n", 1);
  wait_show("outer", outer, 8, 0);
  SHOW("loop", add(lt, outer, EPOLLIN, 0));
  read(p[0], buf, 1);
  close(outer);

  /* Round robin: three ready pipes, one event per call. */
  int rr = epoll_create1(0), q[3][2];
  for (int i = 0; i < 3; i++) {
    pipe(q[i]);
    write(q[i][1], "r", 1);
    add(rr, q[i][0], EPOLLIN, (uint64_t)(100 + i));
  }
  for (int i = 0; i < 4; i++) wait_show("rr", rr, 1, 0);
  wait_show("rr all", rr, 8, 0);

  /* The registration follows the open file: gone with its last descriptor only. */
  int d = dup(q[0][0]);
  close(q[0][0]);
  wait_show("closed, dup alive", rr, 8, 0);
  SHOW("del closed fd", epoll_ctl(rr, EPOLL_CTL_DEL, q[0][0], NULL));
  close(d);
  wait_show("last ref closed", rr, 8, 0);

  /* eventfd and timerfd targets. */
  int efd = eventfd(0, EFD_NONBLOCK), tfd = timerfd_create(CLOCK_MONOTONIC, 0);
  int ep2 = epoll_create1(0);
  add(ep2, efd, EPOLLIN | EPOLLOUT, 5);
  add(ep2, tfd, EPOLLIN, 6);
  wait_show("eventfd writable", ep2, 8, 0);
  eventfd_write(efd, 1);
  wait_show("eventfd readable", ep2, 8, 0);
  eventfd_t v;
  eventfd_read(efd, &v);
  struct itimerspec its = {{0, 0}, {0, 50000000}};
  SHOW("mod eventfd off", epoll_ctl(ep2, EPOLL_CTL_MOD, efd, &(struct epoll_event){.events = 0}));
  timerfd_settime(tfd, 0, &its, NULL);
  t = now_ms();
  wait_show("timerfd", ep2, 8, 1000);
  printf("waited %lld ms\n", (long long)(now_ms() - t));

  /* Errors. */
  struct epoll_event e = {.events = EPOLLIN};
  SHOW("create size 0", epoll_create(0));
  SHOW("create1 bad flags", epoll_create1(1));
  SHOW("add again (EEXIST)", epoll_ctl(ep2, EPOLL_CTL_ADD, efd, &e));
  SHOW("mod missing (ENOENT)", epoll_ctl(ep2, EPOLL_CTL_MOD, p[1], &e));
  SHOW("del missing (ENOENT)", epoll_ctl(ep2, EPOLL_CTL_DEL, p[1], &e));
  SHOW("add closed fd", epoll_ctl(ep2, EPOLL_CTL_ADD, 77, &e));
  SHOW("add regular file", epoll_ctl(ep2, EPOLL_CTL_ADD, 1, &e));
  SHOW("add self", epoll_ctl(ep2, EPOLL_CTL_ADD, ep2, &e));
  SHOW("epfd not epoll", epoll_ctl(p[0], EPOLL_CTL_ADD, p[1], &e));
  SHOW("epfd closed", epoll_ctl(77, EPOLL_CTL_ADD, p[1], &e));
  SHOW("bad op", epoll_ctl(ep2, 9, p[1], &e));
  e.events = EPOLLIN | EPOLLEXCLUSIVE;
  SHOW("add exclusive", epoll_ctl(ep2, EPOLL_CTL_ADD, p[0], &e));
  SHOW("mod exclusive", epoll_ctl(ep2, EPOLL_CTL_MOD, p[0], &e));
  e.events = EPOLLIN;
  SHOW("mod an exclusive item", epoll_ctl(ep2, EPOLL_CTL_MOD, p[0], &e));
  e.events = EPOLLIN | EPOLLEXCLUSIVE | EPOLLONESHOT;
  SHOW("exclusive+oneshot", epoll_ctl(ep2, EPOLL_CTL_ADD, p[1], &e));
  SHOW("wait maxevents 0", epoll_wait(ep2, &e, 0, 0));
  SHOW("wait on pipe", epoll_wait(p[0], &e, 1, 0));
  SHOW("wait closed", epoll_wait(77, &e, 1, 0));
  SHOW("read epoll fd", read(ep2, buf, 8));
  return 0;
}
