/* Blocks natively, where the simulator cannot see it: a read on a FIFO opened
 * O_RDWR (the shim runs it natively). Something outside the simulation writes
 * one byte to unblock it. Used by the watchdog test. */
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: native_block FIFO\n");
    return 2;
  }
  int fd = open(argv[1], O_RDWR);
  if (fd < 0) {
    perror("open");
    return 1;
  }
  char c = 0;
  ssize_t n = read(fd, &c, 1);
  printf("read %zd byte: %c\n", n, c);
  return n == 1 ? 0 : 1;
}
