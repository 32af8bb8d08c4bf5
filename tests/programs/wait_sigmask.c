/* The temporary signal mask of ppoll, pselect and epoll_pwait: a signal the
 * caller blocks but the call's mask lets through interrupts the wait (EINTR,
 * handler run), and the caller's mask is back afterwards; when the call ends
 * for another reason, such a signal stays pending. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t handled;

static void on_alarm(int sig) {
  (void)sig;
  handled++;
}

static void arm_alarm_ms(long ms) {
  struct itimerval it = {{0, 0}, {ms / 1000, (ms % 1000) * 1000}};
  setitimer(ITIMER_REAL, &it, NULL);
}

static void report(const char *what, int r) {
  sigset_t now;
  sigprocmask(SIG_SETMASK, NULL, &now);
  printf("%s: ret %d %s, handled %d, SIGALRM blocked after %d\n", what, r,
         r < 0 ? strerror(errno) : "-", (int)handled, sigismember(&now, SIGALRM));
  handled = 0;
}

int main(void) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_alarm;
  sigaction(SIGALRM, &sa, NULL);
  sigset_t blocked, empty;
  sigemptyset(&blocked);
  sigaddset(&blocked, SIGALRM);
  sigemptyset(&empty);
  sigprocmask(SIG_BLOCK, &blocked, NULL);

  struct timespec five = {5, 0};
  arm_alarm_ms(100);
  report("ppoll", ppoll(NULL, 0, &five, &empty));

  arm_alarm_ms(100);
  report("pselect", pselect(0, NULL, NULL, NULL, &five, &empty));

  int ep = epoll_create1(0);
  arm_alarm_ms(100);
  report("epoll_pwait", epoll_pwait(ep, (struct epoll_event[1]){{0}}, 1, 5000, &empty));

  /* Without a mask argument the blocked signal does not interrupt: the wait times out. */
  arm_alarm_ms(100);
  struct timespec short_wait = {0, 300 * 1000 * 1000};
  report("ppoll, no mask", ppoll(NULL, 0, &short_wait, NULL));
  sigset_t pend;
  sigpending(&pend);
  printf("pending after: %d\n", sigismember(&pend, SIGALRM));
  sigsuspend(&empty); /* take it */
  report("sigsuspend", -1);

  /* Ready at once: the call returns the fd, and the signal its mask would let through stays
   * pending. */
  int p[2];
  if (pipe(p) != 0 || write(p[1], "x", 1) != 1) return 1;
  arm_alarm_ms(50);
  struct timespec tenth = {0, 200 * 1000 * 1000};
  nanosleep(&tenth, NULL); /* the alarm is pending (blocked) by now */
  struct pollfd pfd = {p[0], POLLIN, 0};
  report("ppoll, fd ready", ppoll(&pfd, 1, &five, &empty));
  sigpending(&pend);
  printf("pending after: %d\n", sigismember(&pend, SIGALRM));
  return 0;
}
