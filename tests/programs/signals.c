// Exercises emulated signals: an alarm interrupting a blocking read (EINTR),
// SA_RESTART restarting it, masks and pending sets, sigsuspend, SIGCHLD and
// wait status of a child killed by a signal, sigtimedwait, raise with SA_SIGINFO.
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t alarms, chlds, usr1;
static volatile int usr1_code, usr1_pid;

static void on_alarm(int sig) {
  (void)sig;
  alarms++;
}
static void on_chld(int sig) {
  (void)sig;
  chlds++;
}
static void on_usr1(int sig, siginfo_t *si, void *uc) {
  (void)sig;
  (void)uc;
  usr1++;
  usr1_code = si->si_code;
  usr1_pid = si->si_pid;
}

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (double)(ts.tv_sec - 946684800) + ts.tv_nsec / 1e9;
}

int main(void) {
  setvbuf(stdout, NULL, _IONBF, 0);
  int p[2];
  pipe(p);
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_alarm; /* no SA_RESTART */
  sigaction(SIGALRM, &sa, NULL);
  alarm(2);
  char c;
  ssize_t r = read(p[0], &c, 1);
  printf("read=%zd errno=%s alarms=%d at %.3f\n", r, r < 0 ? strerror(errno) : "-", (int)alarms,
         now());

  /* With SA_RESTART the read resumes and gets the byte a child writes later. */
  sa.sa_flags = SA_RESTART;
  sigaction(SIGALRM, &sa, NULL);
  struct itimerval it = {{0, 0}, {1, 0}};
  setitimer(ITIMER_REAL, &it, NULL);
  pid_t child = fork();
  if (child == 0) {
    struct timespec d = {3, 0};
    nanosleep(&d, NULL);
    write(p[1], "x", 1);
    _exit(7);
  }
  r = read(p[0], &c, 1);
  printf("restarted read=%zd char=%c alarms=%d at %.3f\n", r, c, (int)alarms, now());
  int st;
  waitpid(child, &st, 0);
  printf("child exited=%d status=%d\n", WIFEXITED(st), WEXITSTATUS(st));

  /* Blocked signals stay pending until unblocked; sigsuspend waits for one. */
  struct sigaction su;
  memset(&su, 0, sizeof su);
  su.sa_sigaction = on_usr1;
  su.sa_flags = SA_SIGINFO;
  sigaction(SIGUSR1, &su, NULL);
  sigset_t block, old, pend;
  sigemptyset(&block);
  sigaddset(&block, SIGUSR1);
  sigprocmask(SIG_BLOCK, &block, &old);
  raise(SIGUSR1);
  sigpending(&pend);
  printf("pending usr1=%d handled=%d\n", sigismember(&pend, SIGUSR1), (int)usr1);
  sigprocmask(SIG_SETMASK, &old, NULL);
  printf("after unblock handled=%d code=%d own_pid=%d\n", (int)usr1, usr1_code,
         usr1_pid == getpid());

  /* SIGCHLD and the status of a child killed by SIGTERM. */
  signal(SIGCHLD, on_chld);
  child = fork();
  if (child == 0) {
    pause();
    _exit(0);
  }
  sigprocmask(SIG_BLOCK, &block, &old);
  kill(child, SIGTERM);
  waitpid(child, &st, 0);
  printf("child signaled=%d sig=%d chlds=%d\n", WIFSIGNALED(st), WTERMSIG(st), (int)chlds);

  /* sigsuspend returns once the blocked signal arrives (from a child). */
  child = fork();
  if (child == 0) {
    struct timespec d = {1, 0};
    nanosleep(&d, NULL);
    kill(getppid(), SIGUSR1);
    _exit(0);
  }
  sigset_t waitmask;
  sigemptyset(&waitmask);
  int before = usr1;
  int rr = sigsuspend(&waitmask);
  printf("sigsuspend=%d errno=%s usr1+%d at %.3f\n", rr, strerror(errno), (int)usr1 - before,
         now());
  waitpid(child, NULL, 0);

  /* sigtimedwait takes a blocked signal without running the handler. */
  struct timespec tmo = {0, 500000000};
  siginfo_t si;
  int got = sigtimedwait(&block, &si, &tmo);
  printf("sigtimedwait timeout=%d errno=%s at %.3f\n", got, strerror(errno), now());
  raise(SIGUSR1);
  got = sigtimedwait(&block, &si, &tmo);
  printf("sigtimedwait got=%d\n", got);
  return 0;
}
