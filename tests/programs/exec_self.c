/* Re-executes itself through the paths wrappers use: /proc/self/exe, the
 * process's own pid under /proc, and fexecve of an fd open on it. Each child
 * prints how it was started; the parent waits for each in turn. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static void run(const char *how) {
  fflush(stdout);
  pid_t pid = fork();
  if (pid == 0) {
    char *argv[] = {"exec_self", "child", (char *)how, NULL};
    if (strcmp(how, "fexecve") == 0) {
      int fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
      fexecve(fd, argv, environ);
    } else if (strcmp(how, "own-pid") == 0) {
      char path[64];
      snprintf(path, sizeof path, "/proc/%d/exe", (int)getpid());
      execv(path, argv);
    } else {
      execv("/proc/self/exe", argv);
    }
    printf("%s: exec failed: %m\n", how);
    fflush(stdout);
    _exit(1);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  printf("%s: child exited %d\n", how, WEXITSTATUS(status));
}

int main(int argc, char **argv) {
  if (argc == 3 && strcmp(argv[1], "child") == 0) {
    printf("child started via %s\n", argv[2]);
    return 7;
  }
  run("proc-self-exe");
  run("own-pid");
  run("fexecve");
  return 0;
}
