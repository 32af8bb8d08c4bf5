// Many short processes: forks that exit at once with their own status,
// posix_spawns of this program that exit with a given status, and children with
// a second thread parked in a blocking read when the main thread exits.
// Usage: many_exits x N; `many_exits child CODE` exits with CODE.
#include <pthread.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static int fds[2];

static void *reader(void *arg) {
  char c;
  (void)arg;
  if (read(fds[0], &c, 1) < 0) return NULL; /* never returns: nobody writes */
  return NULL;
}

static int wait_code(pid_t pid) {
  int status;
  if (waitpid(pid, &status, 0) != pid) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 1000 + WTERMSIG(status);
}

int main(int argc, char **argv) {
  if (argc == 3 && strcmp(argv[1], "child") == 0) return atoi(argv[2]);
  if (argc != 3) return 2;
  int n = atoi(argv[2]), bad = 0;
  for (int i = 0; i < n; i++) {
    pid_t pid = fork();
    if (pid == 0) _exit(i & 255);
    if (wait_code(pid) != (i & 255)) bad++;
  }
  for (int i = 0; i < n / 4; i++) {
    char code[16];
    snprintf(code, sizeof code, "%d", (i * 7) & 255);
    char *args[] = {argv[0], "child", code, NULL};
    pid_t pid;
    if (posix_spawn(&pid, argv[0], NULL, NULL, args, environ) != 0 ||
        wait_code(pid) != ((i * 7) & 255))
      bad++;
  }
  for (int i = 0; i < n / 4; i++) {
    pid_t pid = fork();
    if (pid == 0) {
      pthread_t t;
      if (pipe(fds) != 0 || pthread_create(&t, NULL, reader, NULL) != 0) _exit(99);
      usleep(1000);
      exit(i & 127);
    }
    if (wait_code(pid) != (i & 127)) bad++;
  }
  /* Several alive at once, reaped in reverse order. */
  pid_t pids[32];
  for (int i = 0; i < 32; i++)
    if ((pids[i] = fork()) == 0) _exit(200 + i % 50);
  for (int i = 31; i >= 0; i--)
    if (wait_code(pids[i]) != 200 + i % 50) bad++;
  printf("processes=%d mismatched=%d\n", n + n / 4 + n / 4 + 32, bad);
  return bad != 0;
}
