// The libc calls use_preload_libc serves without the trap, checked for what
// libc promises: cancellation points (a thread blocked in read, poll, recv or
// epoll_wait is cancelled, a cancellation already pending acts on entry to
// write), -1 and errno, signal handlers and SA_RESTART around a blocked read,
// and syscall() for futex and ids. Prints the same lines natively.
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>
#include <linux/futex.h>

static int pipefd[2], udp, ep;
static volatile int cleaned;

static void cleanup(void *arg) {
  (void)arg;
  cleaned++;
}

static void *blocker(void *arg) {
  const char *how = arg;
  char buf[8];
  pthread_cleanup_push(cleanup, NULL);
  if (strcmp(how, "read") == 0) {
    if (read(pipefd[0], buf, 1) >= 0) return "read returned";
  } else if (strcmp(how, "poll") == 0) {
    struct pollfd p = {pipefd[0], POLLIN, 0};
    poll(&p, 1, -1);
  } else if (strcmp(how, "recv") == 0) {
    recv(udp, buf, sizeof buf, 0);
  } else if (strcmp(how, "epoll_wait") == 0) {
    struct epoll_event ev;
    epoll_wait(ep, &ev, 1, -1);
  } else if (strcmp(how, "write-pending") == 0) {
    int old;
    pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &old);
    struct timespec ts = {0, 200 * 1000 * 1000};
    while (nanosleep(&ts, &ts) != 0) {
    }
    pthread_setcancelstate(PTHREAD_CANCEL_ENABLE, &old);
    if (write(pipefd[1], "", 0) >= 0) return "write returned";
  }
  pthread_cleanup_pop(0);
  return "not cancelled";
}

static void cancel_one(const char *how) {
  pthread_t t;
  void *ret;
  int before = cleaned;
  pthread_create(&t, NULL, blocker, (void *)how);
  struct timespec ts = {0, 50 * 1000 * 1000};
  nanosleep(&ts, NULL);
  pthread_cancel(t);
  pthread_join(t, &ret);
  printf("%s: cancelled=%d cleanup=%d\n", how, ret == PTHREAD_CANCELED, cleaned - before);
}

static volatile int alarms;
static void on_alarm(int sig) {
  (void)sig;
  alarms++;
  if (alarms == 1) return;
  if (write(pipefd[1], "x", 1) != 1) alarms = 100;
}

static int word;
static void *waker(void *arg) {
  (void)arg;
  struct timespec ts = {0, 10 * 1000 * 1000};
  nanosleep(&ts, NULL);
  __atomic_store_n(&word, 1, __ATOMIC_SEQ_CST);
  long woken = syscall(SYS_futex, &word, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
  return (void *)woken;
}

int main(void) {
  setvbuf(stdout, NULL, _IONBF, 0);
  if (pipe(pipefd) != 0) return 1;
  udp = socket(AF_INET, SOCK_DGRAM, 0);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  if (bind(udp, (struct sockaddr *)&a, sizeof a) != 0) return 1;
  ep = epoll_create1(0);
  struct epoll_event ev = {.events = EPOLLIN, .data.fd = pipefd[0]};
  epoll_ctl(ep, EPOLL_CTL_ADD, pipefd[0], &ev);

  cancel_one("read");
  cancel_one("poll");
  cancel_one("recv");
  cancel_one("epoll_wait");
  cancel_one("write-pending");

  char c;
  ssize_t r = read(-1, &c, 1);
  printf("read(-1): %zd %s\n", r, strerror(errno));
  r = recv(pipefd[0], &c, 1, 0);
  printf("recv(pipe): %zd %s\n", r, strerror(errno));
  r = write(pipefd[0], "x", 1);
  printf("write(read end): %zd %s\n", r, strerror(errno));
  struct iovec iov[2] = {{"ab", 2}, {"cd", 2}};
  char got[5] = {0};
  struct iovec in = {got, 4};
  r = writev(pipefd[1], iov, 2);
  printf("writev=%zd", r);
  r = readv(pipefd[0], &in, 1);
  printf(" readv=%zd %s\n", r, got);
  struct pollfd p = {pipefd[0], POLLIN, 0};
  struct timespec ms = {0, 1000 * 1000};
  int n = poll(&p, 1, 0);
  printf("poll(empty, 0)=%d", n);
  n = ppoll(&p, 1, &ms, NULL);
  printf(" ppoll(empty, 1 ms)=%d timeout kept: %ld ns\n", n, (long)ms.tv_nsec);

  // A handler interrupts a blocked read: without SA_RESTART it fails with EINTR;
  // with it the read goes on and gets the byte the second handler writes.
  struct sigaction sa = {0};
  sa.sa_handler = on_alarm;
  sigaction(SIGALRM, &sa, NULL);
  alarm(1);
  errno = 0;
  r = read(pipefd[0], &c, 1);
  printf("read interrupted: %zd %s alarms=%d\n", r, strerror(errno), alarms);
  sa.sa_flags = SA_RESTART;
  sigaction(SIGALRM, &sa, NULL);
  alarm(1);
  r = read(pipefd[0], &c, 1);
  printf("read restarted: %zd %c alarms=%d\n", r, c, alarms);

  pthread_t t;
  pthread_create(&t, NULL, waker, NULL);
  long w = syscall(SYS_futex, &word, FUTEX_WAIT_PRIVATE, 0, NULL, NULL, 0);
  int werr = errno;
  void *woken;
  pthread_join(t, &woken);
  printf("futex wait=%ld%s woken=%ld\n", w, w == 0 ? "" : (werr == EAGAIN ? " EAGAIN" : " ?"),
         (long)woken);
  printf("syscall ids agree: %d\n", syscall(SYS_getpid) == getpid() &&
                                        syscall(SYS_gettid) == gettid() &&
                                        syscall(SYS_getppid) == getppid());
  long bad = syscall(SYS_futex, &word, 12345, 0, NULL, NULL, 0);
  printf("syscall(futex, bad op): %ld %s\n", bad, strerror(errno));
  return 0;
}
