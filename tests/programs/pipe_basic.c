/* Single-threaded pipe semantics under umbra: data, FIONREAD, pipe size,
 * nonblocking EAGAIN when full, PIPE_BUF atomicity, EOF, EPIPE, O_DIRECT
 * packets, fstat and F_GETFL. Prints one line per check. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

static char buf[70000];

int main(void) {
  setvbuf(stdout, NULL, _IONBF, 0);
  int p[2];
  if (pipe(p) != 0) { printf("pipe failed %d\n", errno); return 1; }
  printf("write=%zd\n", write(p[1], "hello", 5));
  int avail = -1;
  ioctl(p[0], FIONREAD, &avail);
  printf("fionread=%d\n", avail);
  memset(buf, 0, sizeof buf);
  printf("read=%zd '%s'\n", read(p[0], buf, sizeof buf), buf);
  printf("pipesz=%d\n", fcntl(p[1], F_GETPIPE_SZ));
  struct stat st;
  fstat(p[0], &st);
  printf("fifo=%d\n", S_ISFIFO(st.st_mode) ? 1 : 0);
  printf("getfl r=%d w=%d\n", fcntl(p[0], F_GETFL) & O_ACCMODE, fcntl(p[1], F_GETFL) & O_ACCMODE);
  printf("read on write end: %zd errno=%d\n", read(p[1], buf, 1), errno);

  /* Fill a nonblocking pipe: exactly 64 KiB fits. */
  fcntl(p[1], F_SETFL, O_NONBLOCK);
  fcntl(p[0], F_SETFL, O_NONBLOCK);
  printf("read empty: %zd errno=%s\n", read(p[0], buf, 10), errno == EAGAIN ? "EAGAIN" : "?");
  long total = 0;
  for (;;) {
    ssize_t n = write(p[1], buf, 1000);
    if (n < 0) { printf("full after %ld errno=%s\n", total, errno == EAGAIN ? "EAGAIN" : "?"); break; }
    total += n;
  }
  /* 536 bytes free: a 4096-byte write is all-or-nothing, a 536-byte one fits. */
  errno = 0;
  printf("atomic 4096: %zd %s\n", write(p[1], buf, 4096), errno == EAGAIN ? "EAGAIN" : "?");
  printf("small 536: %zd\n", write(p[1], buf, 536));
  ioctl(p[0], FIONREAD, &avail);
  printf("fionread=%d\n", avail);
  /* Draining 4096 bytes makes room for exactly one more atomic write. */
  printf("drain: %zd\n", read(p[0], buf, 4096));
  printf("atomic 4096: %zd\n", write(p[1], buf, 4096));
  /* A big nonblocking write returns what fits. */
  printf("drain: %zd\n", read(p[0], buf, 10000));
  printf("partial: %zd\n", write(p[1], buf, 20000));
  printf("setpipesz busy: %d errno=%s\n", fcntl(p[1], F_SETPIPE_SZ, 4096), errno == EBUSY ? "EBUSY" : "?");
  while (read(p[0], buf, sizeof buf) > 0) {}
  printf("setpipesz 5000 -> %d\n", fcntl(p[1], F_SETPIPE_SZ, 5000));
  printf("getpipesz %d\n", fcntl(p[0], F_GETPIPE_SZ));
  total = 0;
  while (write(p[1], buf, 100) > 0) total += 100;
  printf("small pipe holds %ld\n", total);

  /* EOF: the write end goes, the data stays readable, then 0. */
  write(p[1], "x", 0);
  close(p[1]);
  ioctl(p[0], FIONREAD, &avail);
  ssize_t got = 0, n;
  while ((n = read(p[0], buf, sizeof buf)) > 0) got += n;
  printf("drained %zd then %zd (eof)\n", got, n);
  close(p[0]);

  /* EPIPE: no reader left (SIGPIPE ignored). */
  signal(SIGPIPE, SIG_IGN);
  pipe(p);
  close(p[0]);
  errno = 0;
  printf("epipe: %zd %s\n", write(p[1], "x", 1), errno == EPIPE ? "EPIPE" : "?");
  close(p[1]);

  /* Packet mode: each write is one packet; a short read drops the rest. */
  if (pipe2(p, O_DIRECT | O_NONBLOCK | O_CLOEXEC) != 0) { printf("pipe2 failed %d\n", errno); return 1; }
  printf("cloexec=%d nonblock=%d\n", fcntl(p[0], F_GETFD) & FD_CLOEXEC, (fcntl(p[1], F_GETFL) & O_NONBLOCK) != 0);
  write(p[1], "first", 5);
  write(p[1], "second", 6);
  memset(buf, 0, 32);
  printf("pkt1=%zd '%s'\n", read(p[0], buf, 100), buf);
  memset(buf, 0, 32);
  printf("pkt2=%zd '%s'\n", read(p[0], buf, 3), buf);
  printf("empty=%zd\n", read(p[0], buf, 100));
  int packets = 0;
  while (write(p[1], "p", 1) == 1) packets++;
  printf("packets that fit=%d\n", packets);
  printf("pipe2 bad flags: %d errno=%s\n", pipe2(p, O_APPEND), errno == EINVAL ? "EINVAL" : "?");
  return 0;
}
