/* Advisory locks between processes, printed with simulated timestamps: flock,
 * fcntl record locks (with F_GETLK and EDEADLK), OFD locks and lockf. Each
 * waiter must block in simulated time until the holder, sleeping 5 s, lets go. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double start;

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void say(const char *who, const char *what) {
  printf("%6.3f %s: %s\n", now() - start, who, what);
  fflush(stdout);
}

static int open_file(void) {
  int fd = open("lock.target", O_RDWR | O_CREAT, 0600);
  if (fd < 0) {
    perror("open");
    exit(1);
  }
  return fd;
}

static int record(int fd, int cmd, short type, off_t startb, off_t len) {
  struct flock fl;
  memset(&fl, 0, sizeof fl);
  fl.l_type = type;
  fl.l_whence = SEEK_SET;
  fl.l_start = startb;
  fl.l_len = len;
  return fcntl(fd, cmd, &fl);
}

static void reap(void) {
  int st;
  wait(&st);
  if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) say("parent", "child failed");
}

static void test_flock(void) {
  int fd = open_file();
  flock(fd, LOCK_EX);
  say("parent", "flock LOCK_EX held");
  if (fork() == 0) {
    /* The inherited fd shares the parent's open file description: its lock is ours. */
    say("child", flock(fd, LOCK_EX | LOCK_NB) == 0 ? "inherited fd: LOCK_EX granted"
                                                   : "inherited fd: refused");
    int own = open_file();
    errno = 0;
    int r = flock(own, LOCK_EX | LOCK_NB);
    say("child",
        r < 0 && errno == EWOULDBLOCK ? "own fd: LOCK_NB EWOULDBLOCK" : "own fd: LOCK_NB wrong");
    flock(own, LOCK_SH);
    say("child", "own fd: LOCK_SH granted");
    flock(own, LOCK_UN);
    _exit(0);
  }
  sleep(5);
  say("parent", "LOCK_UN");
  flock(fd, LOCK_UN);
  reap();
  close(fd);
}

static void test_posix(void) {
  int fd = open_file();
  record(fd, F_SETLK, F_WRLCK, 0, 10);
  say("parent", "F_SETLK write lock on 0..9");
  pid_t parent = getpid();
  if (fork() == 0) {
    int own = open_file();
    struct flock fl;
    memset(&fl, 0, sizeof fl);
    fl.l_type = F_RDLCK;
    fl.l_whence = SEEK_SET;
    fl.l_len = 1;
    fcntl(own, F_GETLK, &fl);
    char line[96];
    snprintf(line, sizeof line, "F_GETLK type=%s holder_is_parent=%d start=%ld len=%ld",
             fl.l_type == F_WRLCK ? "F_WRLCK" : "other", fl.l_pid == parent, (long)fl.l_start,
             (long)fl.l_len);
    say("child", line);
    errno = 0;
    int r = record(own, F_SETLK, F_RDLCK, 5, 1);
    say("child",
        r < 0 && (errno == EAGAIN || errno == EACCES) ? "F_SETLK EAGAIN" : "F_SETLK wrong");
    say("child", record(own, F_SETLK, F_WRLCK, 10, 5) == 0 ? "F_SETLK on 10..14 granted" : "wrong");
    record(own, F_SETLKW, F_RDLCK, 5, 1);
    say("child", "F_SETLKW read lock granted");
    _exit(0);
  }
  sleep(5);
  say("parent", "F_UNLCK");
  record(fd, F_SETLK, F_UNLCK, 0, 0);
  reap();
  close(fd);
}

static void test_deadlock(void) {
  int fd = open_file();
  record(fd, F_SETLK, F_WRLCK, 0, 1);
  if (fork() == 0) {
    int own = open_file();
    record(own, F_SETLK, F_WRLCK, 1, 1);
    say("child", "holds byte 1, waits for byte 0");
    say("child",
        record(own, F_SETLKW, F_WRLCK, 0, 1) == 0 ? "got byte 0" : "F_SETLKW byte 0 failed");
    _exit(0);
  }
  sleep(1);
  errno = 0;
  int r = record(fd, F_SETLKW, F_WRLCK, 1, 1);
  say("parent", r < 0 && errno == EDEADLK ? "F_SETLKW byte 1: EDEADLK" : "F_SETLKW byte 1: wrong");
  sleep(1);
  record(fd, F_SETLK, F_UNLCK, 0, 1);
  say("parent", "released byte 0");
  reap();
  close(fd);
}

static void test_ofd(void) {
  int a = open_file();
  int b = open_file();
  record(a, F_OFD_SETLK, F_WRLCK, 0, 0);
  errno = 0;
  int r = record(b, F_OFD_SETLK, F_RDLCK, 0, 0);
  say("parent", r < 0 && errno == EAGAIN ? "OFD: second description of the same process refused"
                                         : "OFD wrong");
  if (fork() == 0) {
    record(a, F_OFD_SETLK, F_WRLCK, 0, 0);
    say("child", "OFD: inherited description granted");
    int own = open_file();
    record(own, F_OFD_SETLKW, F_RDLCK, 0, 0);
    say("child", "OFD: F_OFD_SETLKW granted");
    _exit(0);
  }
  sleep(5);
  say("parent", "OFD unlock");
  record(a, F_OFD_SETLK, F_UNLCK, 0, 0);
  reap();
  close(a);
  close(b);
}

static void test_lockf_close(void) {
  int fd = open_file();
  lockf(fd, F_LOCK, 0);
  say("parent", "lockf F_LOCK held");
  if (fork() == 0) {
    int own = open_file();
    errno = 0;
    int r = lockf(own, F_TLOCK, 0);
    say("child",
        r < 0 && (errno == EAGAIN || errno == EACCES) ? "lockf F_TLOCK refused" : "lockf wrong");
    lockf(own, F_LOCK, 0);
    printf("%4.1f child: lockf F_LOCK granted after the holder's close\n", now() - start);
    fflush(stdout);
    _exit(0);
  }
  sleep(5);
  say("parent", "close (releases its POSIX locks)");
  close(fd);
  reap();
}

static void test_exit(void) {
  pid_t child = fork();
  if (child == 0) {
    int own = open_file();
    flock(own, LOCK_EX);
    say("child", "flock LOCK_EX held; exits in 2 s without unlocking");
    sleep(2);
    _exit(0);
  }
  sleep(1);
  int fd = open_file();
  flock(fd, LOCK_EX);
  say("parent", "flock granted when the holder exited");
  close(fd);
  reap();
}

int main(void) {
  start = now();
  test_flock();
  test_posix();
  test_deadlock();
  test_ofd();
  test_lockf_close();
  test_exit();
  say("parent", "done");
  return 0;
}
