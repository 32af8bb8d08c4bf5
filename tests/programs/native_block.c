/* Blocks natively, where the simulator cannot see it: a read on an inotify fd
 * (the shim runs inotify natively: real watches on the real file system).
 * Something outside the simulation creates a file in DIR to unblock it.
 * Used by the watchdog test. */
#include <stdio.h>
#include <sys/inotify.h>
#include <unistd.h>

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: native_block DIR\n");
    return 2;
  }
  int fd = inotify_init1(0);
  if (fd < 0 || inotify_add_watch(fd, argv[1], IN_CREATE) < 0) {
    perror("inotify");
    return 1;
  }
  char buf[4096] __attribute__((aligned(8)));
  ssize_t n = read(fd, buf, sizeof buf);
  const struct inotify_event *ev = (const struct inotify_event *)buf;
  printf("read an event: %s\n", n > 0 && ev->len > 0 ? ev->name : "none");
  return n > 0 ? 0 : 1;
}
