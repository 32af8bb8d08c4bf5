// What an execve keeps because the process stays the same one: its POSIX
// record locks (a child asks F_GETLK), its parent, its pid, an fd without
// FD_CLOEXEC; also when a second thread calls it (`from-thread`: the kernel
// ends the main thread and the caller takes the pid). Same output natively
// and under umbra, which runs execve inside the calling process.
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static int lock_seen_by_child(int fd) {
  pid_t c = fork();
  if (c == 0) {
    struct flock q = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 1};
    if (fcntl(fd, F_GETLK, &q) != 0) _exit(2);
    _exit(q.l_type == F_WRLCK ? 1 : 0);
  }
  int status = 0;
  waitpid(c, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static char *self_name;

static void *lock_and_exec(void *unused) {
  (void)unused;
  char path[] = "/tmp/umbra-exec-keep-XXXXXX";
  int fd = mkstemp(path);
  if (fd < 0) exit(1);
  unlink(path);
  struct flock l = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 1};
  if (fcntl(fd, F_SETLK, &l) != 0) exit(1);
  printf("lock seen before exec: %s\n", lock_seen_by_child(fd) == 1 ? "yes" : "no");
  char fds[16], pid[16], ppid[16];
  snprintf(fds, sizeof fds, "%d", fd);
  snprintf(pid, sizeof pid, "%d", (int)getpid());
  snprintf(ppid, sizeof ppid, "%d", (int)getppid());
  char *args[] = {self_name, "after", fds, pid, ppid, NULL};
  execv("/proc/self/exe", args);
  perror("execv");
  exit(1);
}

int main(int argc, char **argv) {
  setvbuf(stdout, NULL, _IONBF, 0);
  self_name = argv[0];
  if (argc >= 2 && strcmp(argv[1], "from-thread") == 0) {
    pthread_t th;
    pthread_create(&th, NULL, lock_and_exec, NULL);
    pthread_join(th, NULL);
    return 1;
  }
  if (argc >= 5 && strcmp(argv[1], "after") == 0) {
    int fd = atoi(argv[2]);
    printf("same pid: %s\n", atoi(argv[3]) == getpid() ? "yes" : "no");
    printf("same parent: %s\n", atoi(argv[4]) == getppid() ? "yes" : "no");
    printf("fd kept: %s\n", fcntl(fd, F_GETFD) >= 0 ? "yes" : "no");
    printf("lock held across exec: %s\n", lock_seen_by_child(fd) == 1 ? "yes" : "no");
    return 0;
  }
  lock_and_exec(NULL);
  return 1;
}
