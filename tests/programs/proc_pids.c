/* Reads /proc/<pid>/... of a forked child by the pid fork returned, and prints what it found
 * without pid numbers, so its output is the same natively and under umbra.
 * "proc_pids probe MS PID...": sleeps MS milliseconds, then prints the comm of each PID. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static char buf[8192];

/* The contents of path (NUL-terminated in buf), its length, or -errno. */
static long slurp(const char *path) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -errno;
  long n = 0, r;
  while ((r = read(fd, buf + n, sizeof buf - 1 - (size_t)n)) > 0) n += r;
  close(fd);
  buf[n] = 0;
  return n;
}

/* The number after "key:\t" in buf, or -1. */
static long field(const char *key) {
  size_t len = strlen(key);
  for (char *line = buf; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL)
    if (strncmp(line, key, len) == 0 && line[len] == ':') return strtol(line + len + 1, NULL, 10);
  return -1;
}

static void comm_of(long pid) {
  char path[64];
  snprintf(path, sizeof path, "/proc/%ld/comm", pid);
  long n = slurp(path);
  if (n < 0)
    printf("probe %ld comm: %s\n", pid, strerrorname_np((int)-n));
  else
    printf("probe %ld comm: %s", pid, buf);
}

static void sleep_ms(long ms) {
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000000};
  nanosleep(&ts, NULL);
}

int main(int argc, char **argv) {
  setvbuf(stdout, NULL, _IONBF, 0);
  if (argc > 2 && strcmp(argv[1], "probe") == 0) {
    sleep_ms(atol(argv[2]));
    for (int i = 3; i < argc; i++) comm_of(atol(argv[i]));
    return 0;
  }
  int ready[2];
  if (pipe(ready) != 0) return 1;
  pid_t child = fork();
  if (child == 0) {
    prctl(PR_SET_NAME, "pp-child");
    if (write(ready[1], "x", 1) != 1) _exit(1);
    sleep(30);
    _exit(0);
  }
  char c;
  if (read(ready[0], &c, 1) != 1) return 1;
  char path[128], self_exe[4096], child_exe[4096], own_cmdline[4096];

  snprintf(path, sizeof path, "/proc/%d/comm", child);
  long n = slurp(path);
  printf("comm: %s", n < 0 ? strerrorname_np((int)-n) : buf);

  ssize_t m = readlink("/proc/self/exe", self_exe, sizeof self_exe - 1);
  self_exe[m < 0 ? 0 : m] = 0;
  snprintf(path, sizeof path, "/proc/%d/exe", child);
  m = readlink(path, child_exe, sizeof child_exe - 1);
  if (m < 0)
    printf("readlink exe: %s\n", strerrorname_np(errno));
  else
    child_exe[m] = 0, printf("exe %s /proc/self/exe\n",
                             strcmp(child_exe, self_exe) == 0 ? "matches" : "differs from");

  n = slurp("/proc/self/cmdline");
  memcpy(own_cmdline, buf, (size_t)n);
  long own_len = n;
  snprintf(path, sizeof path, "/proc/%d/cmdline", child);
  n = slurp(path);
  printf("cmdline %s the parent's\n",
         n == own_len && memcmp(buf, own_cmdline, (size_t)n) == 0 ? "is" : "differs from");

  snprintf(path, sizeof path, "/proc/%d/status", child);
  n = slurp(path);
  if (n < 0) {
    printf("status: %s\n", strerrorname_np((int)-n));
  } else {
    printf("status Pid %s child pid\n", field("Pid") == child ? "==" : "!=");
    printf("status Tgid %s child pid\n", field("Tgid") == child ? "==" : "!=");
    printf("status PPid %s getpid()\n", field("PPid") == getpid() ? "==" : "!=");
    printf("status NSpid %s child pid\n", field("NSpid") == child ? "==" : "!=");
    printf("status Name %s\n", strncmp(buf, "Name:\tpp-child\n", 15) == 0 ? "pp-child" : "other");
  }
  snprintf(path, sizeof path, "/proc/%d/task/%d/status", child, child);
  n = slurp(path);
  printf("task status: %s\n", n < 0                   ? strerrorname_np((int)-n)
                              : field("Pid") == child ? "Pid == child pid"
                                                      : "other");

  n = slurp("/proc/self/status");
  printf("self status Pid %s getpid(), PPid %s getppid()\n",
         field("Pid") == getpid() ? "==" : "!=", field("PPid") == getppid() ? "==" : "!=");

  struct stat st;
  snprintf(path, sizeof path, "/proc/%d", child);
  if (stat(path, &st) != 0)
    printf("stat dir: %s\n", strerrorname_np(errno));
  else
    printf("stat dir: %s, owner %s\n", S_ISDIR(st.st_mode) ? "directory" : "other",
           st.st_uid == getuid() ? "me" : "other");
  printf("access dir: %s\n", access(path, R_OK) == 0 ? "ok" : strerrorname_np(errno));

  snprintf(path, sizeof path, "/proc/%d/fd", child);
  DIR *d = opendir(path);
  if (d == NULL) {
    printf("opendir fd: %s\n", strerrorname_np(errno));
  } else {
    /* The descriptors by number (emulated ones, such as the pipe, are /dev/null natively). */
    int listed = 0; /* bit n: fd n (0-4: stdio and the pipe) */
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
      if (e->d_name[0] >= '0' && e->d_name[0] <= '4' && e->d_name[1] == 0)
        listed |= 1 << (e->d_name[0] - '0');
    closedir(d);
    printf("opendir fd: 0 to 4 %s\n", listed == 31 ? "listed" : "missing");
  }

  /* The shim looks at a path only once the kernel could read it. */
  const char *bad = (const char *)8;
  printf("bad path: stat %s, readlink %s, access %s, open %s\n",
         stat(bad, &st) ? strerrorname_np(errno) : "ok",
         readlink(bad, child_exe, 16) < 0 ? strerrorname_np(errno) : "ok",
         access(bad, F_OK) ? strerrorname_np(errno) : "ok",
         open(bad, O_RDONLY) < 0 ? strerrorname_np(errno) : "ok");

  kill(child, SIGKILL);
  int status;
  waitpid(child, &status, 0);
  snprintf(path, sizeof path, "/proc/%d/comm", child);
  n = slurp(path);
  printf("after reaping, comm: %s\n", n < 0 ? strerrorname_np((int)-n) : "still there");
  return 0;
}
