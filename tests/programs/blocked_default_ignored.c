/* A signal whose default action is to be ignored (SIGURG, SIGCHLD) stays
 * pending while blocked, as on Linux: sigpending shows it and a signalfd
 * reads it. PostgreSQL 15 wakes its processes this way (SIGURG blocked, read
 * through a signalfd in its epoll set). */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int main(void) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGURG);
  sigprocmask(SIG_BLOCK, &set, NULL);

  /* Sent to ourselves while blocked: pending, not dropped. */
  kill(getpid(), SIGURG);
  sigset_t pending;
  sigpending(&pending);
  printf("pending after kill: %d\n", sigismember(&pending, SIGURG));

  int sfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
  struct signalfd_siginfo si;
  ssize_t got1 = read(sfd, &si, sizeof si);
  printf("signalfd read: %zd signo %u\n", got1, si.ssi_signo);
  sigpending(&pending);
  printf("pending after read: %d\n", sigismember(&pending, SIGURG));

  /* From another process while we wait in epoll on the signalfd. */
  int ep = epoll_create1(0);
  struct epoll_event ev = {.events = EPOLLIN, .data.fd = sfd};
  epoll_ctl(ep, EPOLL_CTL_ADD, sfd, &ev);
  pid_t parent = getpid();
  pid_t child = fork();
  if (child == 0) {
    struct timespec ts = {0, 200000000};
    nanosleep(&ts, NULL);
    kill(parent, SIGURG);
    _exit(0);
  }
  struct epoll_event got;
  int n = epoll_wait(ep, &got, 1, 5000);
  printf("epoll_wait: %d (woken by the child, not the 5 s timeout)\n", n);
  memset(&si, 0, sizeof si);
  ssize_t got2 = read(sfd, &si, sizeof si);
  printf("signalfd read: %zd signo %u from the child %d\n", got2, si.ssi_signo,
         (pid_t)si.ssi_pid == child);
  waitpid(child, NULL, 0);

  /* Unblocked with the default action: discarded, as Linux does. */
  kill(getpid(), SIGURG);
  sigprocmask(SIG_UNBLOCK, &set, NULL);
  sigpending(&pending);
  printf("pending after unblock: %d\n", sigismember(&pending, SIGURG));
  return 0;
}
