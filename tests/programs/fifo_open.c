/* FIFOs under umbra: a writer's open waits (in simulated time) for the reader,
 * data and end of file flow as through a pipe; O_NONBLOCK writers with no
 * reader get ENXIO; O_RDWR opens alone. Usage: fifo_open DIR */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
  if (argc != 2) return 2;
  char path[4096];
  snprintf(path, sizeof path, "%s/f.fifo", argv[1]);
  if (mkfifo(path, 0600) != 0) {
    perror("mkfifo");
    return 1;
  }
  double t0 = now_s();
  pid_t pid = fork();
  if (pid == 0) {
    int fd = open(path, O_WRONLY);
    printf("child: writer open at %.3f\n", now_s() - t0);
    fflush(stdout);
    if (fd < 0 || write(fd, "hello", 5) != 5) return 1;
    close(fd);
    return 0;
  }
  sleep(2);
  int fd = open(path, O_RDONLY);
  printf("parent: reader open at %.3f\n", now_s() - t0);
  char buf[16] = {0};
  ssize_t n = read(fd, buf, sizeof buf - 1);
  printf("parent: read %zd '%s'\n", n, buf);
  n = read(fd, buf, sizeof buf - 1);
  printf("parent: then read %zd (EOF)\n", n);
  close(fd);
  int status = 0;
  waitpid(pid, &status, 0);
  printf("child exit %d\n", WEXITSTATUS(status));

  int w = open(path, O_WRONLY | O_NONBLOCK);
  printf("nonblocking writer alone: %d %s\n", w, w < 0 ? strerror(errno) : "");
  int r = open(path, O_RDONLY | O_NONBLOCK);
  printf("nonblocking reader alone: %s\n", r >= 0 ? "ok" : strerror(errno));
  n = read(r, buf, sizeof buf);
  printf("its read: %zd\n", n);
  w = open(path, O_WRONLY | O_NONBLOCK);
  printf("nonblocking writer with a reader: %s\n", w >= 0 ? "ok" : strerror(errno));
  close(w);
  close(r);

  int rw = open(path, O_RDWR);
  printf("O_RDWR alone: %s\n", rw >= 0 ? "ok" : strerror(errno));
  if (write(rw, "xy", 2) != 2) return 1;
  n = read(rw, buf, sizeof buf);
  printf("O_RDWR read back %zd at %.3f\n", n, now_s() - t0);
  close(rw);
  unlink(path);
  return 0;
}
