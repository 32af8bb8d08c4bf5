// Syscalls that name processes by pid, on a child and on ids that do not
// exist: pidfd_open + poll/epoll until exit, pidfd_send_signal, waitid(P_PIDFD),
// process_vm_readv by pid, prlimit64, getpriority/setpriority, capget, sched_*.
// Every line is independent of the actual pid values, so the output under umbra
// must equal the output of a native run.
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef PIDFD_NONBLOCK
#define PIDFD_NONBLOCK O_NONBLOCK
#endif
#ifndef P_PIDFD
#define P_PIDFD 3
#endif

/* An id no process has, natively or under umbra. */
#define NO_PID 4000000

static char shared_text[32] = "parent";

static int pidfd_open(pid_t pid, unsigned flags) {
  return (int)syscall(SYS_pidfd_open, pid, flags);
}

static int pidfd_send_signal(int fd, int sig) {
  return (int)syscall(SYS_pidfd_send_signal, fd, sig, NULL, 0);
}

/* "ok" or the errno's name of the last call. */
static const char *res(long r) {
  if (r >= 0) return "ok";
  switch (errno) {
  case ESRCH: return "ESRCH";
  case EINVAL: return "EINVAL";
  case EBADF: return "EBADF";
  case EPERM: return "EPERM";
  case ENOENT: return "ENOENT";
  case ECHILD: return "ECHILD";
  default: return strerror(errno);
  }
}

static void sleep_ms(long ms) {
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000000};
  nanosleep(&ts, NULL);
}

/* A child that sleeps, then exits with `code`. */
static pid_t child_exiting(long ms, int code) {
  pid_t p = fork();
  if (p == 0) {
    sleep_ms(ms);
    _exit(code);
  }
  return p;
}

static void pidfd_poll_and_waitid(void) {
  pid_t c = child_exiting(300, 3);
  int fd = pidfd_open(c, 0);
  printf("pidfd_open child: %s cloexec=%d\n", res(fd), (fcntl(fd, F_GETFD) & FD_CLOEXEC) != 0);
  struct pollfd pfd = {fd, POLLIN, 0};
  int n = poll(&pfd, 1, 0);
  printf("poll before exit: %d revents=%#x\n", n, pfd.revents);
  int ep = epoll_create1(EPOLL_CLOEXEC);
  struct epoll_event ev = {.events = EPOLLIN, .data.u32 = 7};
  printf("epoll_ctl pidfd: %s\n", res(epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev)));
  struct epoll_event out;
  n = epoll_wait(ep, &out, 1, 5000);
  printf("epoll_wait until exit: %d data=%u in=%d\n", n, out.data.u32, (out.events & EPOLLIN) != 0);
  pfd.revents = 0;
  n = poll(&pfd, 1, 1000);
  printf("poll after exit: %d revents=%#x\n", n, pfd.revents);
  char b;
  printf("read pidfd: %s\n", res(read(fd, &b, 1)));
  printf("pidfd_send_signal zombie: %s\n", res(pidfd_send_signal(fd, SIGTERM)));
  siginfo_t si;
  memset(&si, 0, sizeof si);
  int r = waitid(P_PIDFD, fd, &si, WEXITED);
  printf("waitid P_PIDFD: %s pid_matches=%d code=%d status=%d\n", res(r), si.si_pid == c,
         si.si_code == CLD_EXITED, si.si_status);
  printf("pidfd_send_signal reaped: %s\n", res(pidfd_send_signal(fd, SIGTERM)));
  close(ep);
  close(fd);
}

static void pidfd_signal(void) {
  pid_t c = fork();
  if (c == 0) {
    for (;;) pause();
  }
  int fd = pidfd_open(c, PIDFD_NONBLOCK);
  printf("pidfd_open nonblock: %s\n", res(fd));
  printf("pidfd_send_signal 0: %s\n", res(pidfd_send_signal(fd, 0)));
  printf("pidfd_send_signal SIGTERM: %s\n", res(pidfd_send_signal(fd, SIGTERM)));
  struct pollfd pfd = {fd, POLLIN, 0};
  int n = poll(&pfd, 1, 5000);
  printf("poll until killed: %d revents=%#x\n", n, pfd.revents);
  int st = 0;
  const char *w = res(waitpid(c, &st, 0));
  printf("waitpid: %s signaled=%d sig=%d\n", w, WIFSIGNALED(st), WTERMSIG(st));
  printf("pidfd_send_signal on stdin: %s\n", res(pidfd_send_signal(0, SIGTERM)));
  printf("pidfd_send_signal bad flags: %s\n",
         res(syscall(SYS_pidfd_send_signal, fd, 0, NULL, 1 << 8)));
  printf("waitid P_PIDFD on stdin: %s\n", res(waitid(P_PIDFD, 0, NULL, WEXITED)));
  close(fd);
  printf("pidfd_open no such pid: %s\n", res(pidfd_open(NO_PID, 0)));
  printf("pidfd_open bad flags: %s\n", res(pidfd_open(getpid(), 1)));
  int self = pidfd_open(getpid(), 0);
  printf("pidfd_open self: %s\n", res(self));
  pfd.fd = self;
  printf("poll self: %d\n", poll(&pfd, 1, 0));
  close(self);
}

/* The child writes its own text after the fork, then waits; the parent reads it by pid. */
static void vm_readv(void) {
  int p[2];
  if (pipe(p) != 0) return;
  pid_t c = fork();
  if (c == 0) {
    strcpy(shared_text, "written by the child");
    if (write(p[1], "x", 1) != 1) _exit(1);
    for (;;) pause();
  }
  char b;
  if (read(p[0], &b, 1) != 1) return;
  char got[32] = {0};
  struct iovec local = {got, sizeof got}, remote = {shared_text, sizeof shared_text};
  int n;
  long got_n = syscall(SYS_process_vm_readv, c, &local, 1, &remote, 1, 0);
  printf("process_vm_readv child: %s n=%ld text=%s own=%s\n", res(got_n), got_n, got, shared_text);
  char put[32] = "written by the parent";
  struct iovec src = {put, sizeof put};
  got_n = syscall(SYS_process_vm_writev, c, &src, 1, &remote, 1, 0);
  printf("process_vm_writev child: %s n=%ld\n", res(got_n), got_n);
  memset(got, 0, sizeof got);
  got_n = syscall(SYS_process_vm_readv, c, &local, 1, &remote, 1, 0);
  printf("process_vm_readv again: %s text=%s\n", res(got_n), got);
  got_n = syscall(SYS_process_vm_readv, NO_PID, &local, 1, &remote, 1, 0);
  printf("process_vm_readv no such pid: %s\n", res(got_n));

  struct rlimit own0, own, child;
  int r0 = prlimit(0, RLIMIT_NOFILE, NULL, &own0);
  int r1 = prlimit(getpid(), RLIMIT_NOFILE, NULL, &own);
  int r2 = prlimit(c, RLIMIT_NOFILE, NULL, &child);
  printf("prlimit 0/self/child: %s %s %s same=%d\n", res(r0), res(r1), res(r2),
         own0.rlim_cur == own.rlim_cur && own.rlim_cur == child.rlim_cur);
  struct rlimit lower = {64, child.rlim_max};
  printf("prlimit set child: %s\n", res(prlimit(c, RLIMIT_NOFILE, &lower, NULL)));
  prlimit(c, RLIMIT_NOFILE, NULL, &child);
  printf("prlimit child now: %lu own: %d\n", (unsigned long)child.rlim_cur,
         own0.rlim_cur == own.rlim_cur);
  printf("prlimit no such pid: %s\n", res(prlimit(NO_PID, RLIMIT_NOFILE, NULL, &own)));
  printf("prlimit bad resource no such pid: %s\n", res(prlimit(NO_PID, 999, NULL, &own)));

  errno = 0;
  int pr0 = getpriority(PRIO_PROCESS, 0);
  int prs = getpriority(PRIO_PROCESS, getpid());
  printf("getpriority 0/self: %d %d\n", pr0, prs);
  printf("setpriority child 5: %s\n", res(setpriority(PRIO_PROCESS, c, 5)));
  printf("getpriority child: %d own: %d\n", getpriority(PRIO_PROCESS, c),
         getpriority(PRIO_PROCESS, 0));
  errno = 0;
  n = getpriority(PRIO_PROCESS, NO_PID);
  printf("getpriority no such pid: %d %s\n", n, res(errno ? -1 : 0));
  printf("setpriority no such pid: %s\n", res(setpriority(PRIO_PROCESS, NO_PID, 1)));
  printf("getpriority own group: %d\n", getpriority(PRIO_PGRP, 0));
  errno = 0;
  n = getpriority(PRIO_PGRP, NO_PID);
  printf("getpriority no such group: %d %s\n", n, res(errno ? -1 : 0));

  struct sched_param sp = {0};
  printf("sched_getscheduler child: %d\n", sched_getscheduler(c));
  printf("sched_getparam child: %s prio=%d\n", res(sched_getparam(c, &sp)), sp.sched_priority);
  printf("sched_setscheduler child batch: %s\n", res(sched_setscheduler(c, SCHED_BATCH, &sp)));
  printf("sched_getscheduler no such pid: %s\n", res(sched_getscheduler(NO_PID)));
  printf("sched_setparam bad prio: %s\n", res(sched_setparam(0, &(struct sched_param){5})));
  printf("sched_get_priority_max fifo: %d other: %d\n", sched_get_priority_max(SCHED_FIFO),
         sched_get_priority_max(SCHED_OTHER));

  kill(c, SIGKILL);
  waitpid(c, NULL, 0);
  close(p[0]);
  close(p[1]);
}

static void robust_list(void) {
  void *head = NULL;
  size_t len = 0;
  long r = syscall(SYS_get_robust_list, 0, &head, &len);
  printf("get_robust_list self: %s head_set=%d len=%zu\n", res(r), head != NULL, len);
  r = syscall(SYS_get_robust_list, getpid(), &head, &len);
  printf("get_robust_list own pid: %s\n", res(r));
  r = syscall(SYS_get_robust_list, NO_PID, &head, &len);
  printf("get_robust_list no such pid: %s\n", res(r));
}

static void caps(void) {
  struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
  struct __user_cap_data_struct d0[2], ds[2];
  long r0 = syscall(SYS_capget, &h, d0);
  struct __user_cap_header_struct hs = {_LINUX_CAPABILITY_VERSION_3, getpid()};
  long rs = syscall(SYS_capget, &hs, ds);
  printf("capget 0/self: %s %s same=%d header_pid_kept=%d\n", res(r0), res(rs),
         memcmp(d0, ds, sizeof d0) == 0, hs.pid == getpid());
  struct __user_cap_header_struct hn = {_LINUX_CAPABILITY_VERSION_3, NO_PID};
  printf("capget no such pid: %s\n", res(syscall(SYS_capget, &hn, ds)));
  printf("capset self unchanged: %s\n", res(syscall(SYS_capset, &hs, d0)));
  printf("capset no such pid: %s\n", res(syscall(SYS_capset, &hn, d0)));
}

int main(void) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  pidfd_poll_and_waitid();
  pidfd_signal();
  vm_readv();
  caps();
  robust_list();
  return 0;
}
