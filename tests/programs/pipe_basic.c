/* Single-threaded pipe semantics under umbra: data, FIONREAD, pipe size,
 * nonblocking EAGAIN when full, PIPE_BUF atomicity, EOF, EPIPE, O_DIRECT
 * packets, fstat and F_GETFL. Prints one line per check. With argument
 * "sigpipe": dies of SIGPIPE writing to a pipe without readers. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

/* Prints a call's result, and the errno name when it failed. */
#define SHOW(label, call)                                                                          \
  do {                                                                                             \
    errno = 0;                                                                                     \
    long r_ = (long)(call);                                                                        \
    printf("%s: %ld%s%s\n", label, r_, r_ < 0 ? " " : "", r_ < 0 ? strerrorname_np(errno) : "");   \
  } while (0)

static char buf[70000];

static int fionread(int fd) {
  int n = -1;
  return ioctl(fd, FIONREAD, &n) == 0 ? n : -errno;
}

int main(int argc, char **argv) {
  setvbuf(stdout, NULL, _IONBF, 0);
  int p[2];
  if (argc > 1 && strcmp(argv[1], "sigpipe") == 0) {
    /* SIGPIPE's default action ends the process inside write. */
    pipe(p);
    close(p[0]);
    printf("writing to a pipe without readers\n");
    write(p[1], "x", 1);
    printf("still alive\n");
    return 0;
  }
  SHOW("pipe", pipe(p));
  SHOW("write", write(p[1], "hello", 5));
  printf("fionread=%d\n", fionread(p[0]));
  SHOW("read", read(p[0], buf, sizeof buf));
  printf("data='%.5s'\n", buf);
  SHOW("getpipesz", fcntl(p[1], F_GETPIPE_SZ));
  struct stat st;
  SHOW("fstat", syscall(SYS_fstat, p[0], &st));
  printf("fifo=%d\n", S_ISFIFO(st.st_mode) ? 1 : 0);
  printf("accmode r=%d w=%d\n", fcntl(p[0], F_GETFL) & O_ACCMODE, fcntl(p[1], F_GETFL) & O_ACCMODE);
  SHOW("read write end", read(p[1], buf, 1));
  SHOW("write read end", write(p[0], buf, 1));
  SHOW("lseek", lseek(p[0], 0, SEEK_SET));
  SHOW("ioctl TCGETS", ioctl(p[0], TCGETS, buf));

  /* Fill a nonblocking pipe with 1000-byte writes: 4 share a page, 16 pages. */
  int fl = 1;
  SHOW("fionbio", ioctl(p[1], FIONBIO, &fl));
  fcntl(p[0], F_SETFL, O_NONBLOCK);
  SHOW("read empty", read(p[0], buf, 10));
  long total = 0;
  for (;;) {
    ssize_t n = write(p[1], buf, 1000);
    if (n < 0) break;
    total += n;
  }
  printf("full after %ld\n", total);
  printf("fionread=%d\n", fionread(p[0]));
  /* Every slot is taken: even one byte must wait. */
  SHOW("write 1 when full", write(p[1], buf, 1));
  /* One page freed: an atomic 4096 goes, then nothing. */
  SHOW("drain 4000", read(p[0], buf, 4000));
  SHOW("atomic 4096", write(p[1], buf, 4096));
  SHOW("atomic 10", write(p[1], buf, 10));
  /* A large nonblocking write takes what fits. */
  SHOW("drain 10000", read(p[0], buf, 10000));
  SHOW("partial 20000", write(p[1], buf, 20000));
  SHOW("setpipesz 4096 busy", fcntl(p[1], F_SETPIPE_SZ, 4096));
  while (read(p[0], buf, sizeof buf) > 0) {
  }
  SHOW("setpipesz 5000", fcntl(p[1], F_SETPIPE_SZ, 5000));
  SHOW("getpipesz", fcntl(p[0], F_GETPIPE_SZ));
  SHOW("setpipesz 2MiB", fcntl(p[0], F_SETPIPE_SZ, 2 << 20));
  total = 0;
  while (write(p[1], buf, 100) > 0) total += 100;
  printf("two-page pipe holds %ld in 100-byte writes\n", total);

  /* EOF: the write end goes, the data stays readable, then 0. */
  SHOW("write 0", write(p[1], "x", 0));
  close(p[1]);
  ssize_t got = 0, n;
  while ((n = read(p[0], buf, sizeof buf)) > 0) got += n;
  printf("drained %zd then %zd (eof)\n", got, n);
  close(p[0]);

  /* EPIPE: no reader left (SIGPIPE ignored). */
  signal(SIGPIPE, SIG_IGN);
  SHOW("pipe", pipe(p));
  close(p[0]);
  SHOW("write no reader", write(p[1], "x", 1));
  close(p[1]);

  /* Packet mode: each write is one packet; a short read drops the rest. */
  SHOW("pipe2 direct", pipe2(p, O_DIRECT | O_NONBLOCK | O_CLOEXEC));
  printf("cloexec=%d nonblock=%d\n", fcntl(p[0], F_GETFD) & FD_CLOEXEC,
         (fcntl(p[1], F_GETFL) & O_NONBLOCK) != 0);
  write(p[1], "first", 5);
  write(p[1], "second", 6);
  memset(buf, 0, 32);
  SHOW("pkt1", read(p[0], buf, 100));
  printf("data='%s'\n", buf);
  memset(buf, 0, 32);
  SHOW("pkt2 short", read(p[0], buf, 3));
  printf("data='%s'\n", buf);
  SHOW("empty", read(p[0], buf, 100));
  int packets = 0;
  while (write(p[1], "p", 1) == 1) packets++;
  printf("packets that fit=%d\n", packets);
  SHOW("pipe2 bad flags", pipe2(p, O_APPEND));
  SHOW("pipe NULL", pipe(NULL));

  /* Across fork: the child sees end of file once every write end is closed. */
  pipe(p);
  pid_t child = fork();
  if (child == 0) {
    close(p[1]);
    long sum = 0;
    while ((n = read(p[0], buf, 333)) > 0) sum += n;
    printf("child: %ld bytes, then %zd\n", sum, n);
    _exit(0);
  }
  close(p[0]);
  for (int i = 0; i < 1000; i++) write(p[1], "0123456789", 10);
  close(p[1]);
  int status;
  waitpid(child, &status, 0);
  printf("parent: child exited %d\n", WEXITSTATUS(status));
  return 0;
}
