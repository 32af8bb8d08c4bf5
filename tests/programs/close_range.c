// close_range over emulated descriptors: a UDP socket's number, freed by
// close_range, is reused by open() of a regular file, whose writes must reach
// the file; CLOSE_RANGE_CLOEXEC only marks descriptors. argv[1]: a scratch file.
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

static long close_range_(unsigned first, unsigned last, unsigned flags) {
  return syscall(SYS_close_range, first, last, flags);
}

int main(int argc, char **argv) {
  if (argc < 2) return 2;
  setvbuf(stdout, NULL, _IOLBF, 0);
  int s = socket(AF_INET, SOCK_DGRAM, 0);
  int s2 = socket(AF_INET, SOCK_DGRAM, 0);
  int p[2];
  if (s < 0 || s2 < 0 || pipe(p) != 0) return 3;

  // CLOEXEC: nothing closes, every descriptor in the range gets FD_CLOEXEC.
  long r = close_range_((unsigned)s, ~0U, CLOSE_RANGE_CLOEXEC);
  printf("close_range cloexec: %ld socket_cloexec=%d pipe_cloexec=%d socket_open=%d\n", r,
         (fcntl(s, F_GETFD) & FD_CLOEXEC) != 0, (fcntl(p[1], F_GETFD) & FD_CLOEXEC) != 0,
         send(s, "x", 1, MSG_DONTWAIT) < 0 ? errno == EDESTADDRREQ : 1);
  printf("close_range bad flags: %s\n",
         close_range_(3, 4, 1U << 8) < 0 && errno == EINVAL ? "EINVAL" : "?");
  printf("close_range first > last: %s\n",
         close_range_(9, 4, 0) < 0 && errno == EINVAL ? "EINVAL" : "?");

  // Close everything from the first socket up, then reuse its number for a file.
  r = close_range_((unsigned)s, ~0U, 0);
  printf("close_range: %ld socket_closed=%d pipe_closed=%d\n", r,
         fcntl(s, F_GETFD) < 0 && errno == EBADF, fcntl(p[0], F_GETFD) < 0 && errno == EBADF);
  int fd = open(argv[1], O_CREAT | O_TRUNC | O_RDWR, 0600);
  printf("open reuses the number: %d\n", fd == s);
  const char msg[] = "bytes for the file\n";
  printf("write: %zd\n", write(fd, msg, strlen(msg)));
  close(fd);
  char back[64] = {0};
  fd = open(argv[1], O_RDONLY);
  ssize_t n = read(fd, back, sizeof back - 1);
  printf("read back %zd: %s", n, back);
  close(fd);
  return 0;
}
