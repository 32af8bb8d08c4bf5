// Privilege dropping across execve, and capget/capset naming processes by pid.
// Run as root. Output has no pids, so a native run and a run under umbra
// compare line by line.
//   privdrop su UID GID PROG ARGS...  su-style wrapper: groups, gid, uid, exec
//   privdrop keepcaps PROG ARGS...    keep CAP_NET_BIND_SERVICE as ambient for uid 65534,
//                                     with umask 027 and RLIMIT_NOFILE 200, then exec
//   privdrop report                   what the process is and may do
//   privdrop capget                   capget/capset on self, a child, and no process
//   privdrop peercred                 SO_PEERCRED between root and a child that became nobody
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

static int cap_get(pid_t pid, uint64_t *prm, uint64_t *eff, uint64_t *inh) {
  struct __user_cap_header_struct hdr = {_LINUX_CAPABILITY_VERSION_3, pid};
  struct __user_cap_data_struct d[2];
  if (syscall(SYS_capget, &hdr, d) != 0) return -1;
  *prm = d[0].permitted | (uint64_t)d[1].permitted << 32;
  *eff = d[0].effective | (uint64_t)d[1].effective << 32;
  *inh = d[0].inheritable | (uint64_t)d[1].inheritable << 32;
  return hdr.pid == pid ? 0 : -2; // the header must read back as written
}

static int cap_set(pid_t pid, uint64_t prm, uint64_t eff, uint64_t inh) {
  struct __user_cap_header_struct hdr = {_LINUX_CAPABILITY_VERSION_3, pid};
  struct __user_cap_data_struct d[2] = {
      {(uint32_t)eff, (uint32_t)prm, (uint32_t)inh},
      {(uint32_t)(eff >> 32), (uint32_t)(prm >> 32), (uint32_t)(inh >> 32)},
  };
  return (int)syscall(SYS_capset, &hdr, d);
}

static void fail(const char *what) {
  printf("%s: %s\n", what, strerror(errno));
  exit(1);
}

static int report(void) {
  uid_t r, e, s;
  gid_t gr, ge, gs;
  getresuid(&r, &e, &s);
  getresgid(&gr, &ge, &gs);
  printf("uid %u %u %u gid %u %u %u groups", r, e, s, gr, ge, gs);
  gid_t groups[64];
  int n = getgroups(64, groups);
  for (int i = 0; i < n; i++) printf(" %u", groups[i]);
  printf("\n");
  uint64_t prm, eff, inh;
  if (cap_get(0, &prm, &eff, &inh) != 0) fail("capget");
  printf("caps permitted %llx effective %llx inheritable %llx\n", (unsigned long long)prm,
         (unsigned long long)eff, (unsigned long long)inh);
  mode_t m = umask(0);
  struct rlimit rl;
  getrlimit(RLIMIT_NOFILE, &rl);
  printf("umask %03o nofile %llu\n", (unsigned)m, (unsigned long long)rl.rlim_cur);
  int fd = open("/etc/shadow", O_RDONLY);
  printf("open /etc/shadow: %s\n", fd >= 0 ? "ok" : strerror(errno));
  printf("setuid(0): %s\n", setuid(0) == 0 ? "ok" : strerror(errno));
  return 0;
}

static int su(char **argv) {
  uid_t uid = (uid_t)atoi(argv[0]);
  gid_t gid = (gid_t)atoi(argv[1]);
  if (setgroups(1, &gid) != 0) fail("setgroups");
  if (setgid(gid) != 0) fail("setgid");
  if (setuid(uid) != 0) fail("setuid");
  execv(argv[2], argv + 2);
  fail("execv");
  return 1;
}

static int keepcaps(char **argv) {
  const uint64_t bind = 1ull << CAP_NET_BIND_SERVICE;
  umask(027);
  struct rlimit rl = {200, 200};
  if (setrlimit(RLIMIT_NOFILE, &rl) != 0) fail("setrlimit");
  if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) != 0) fail("keepcaps");
  gid_t none[1] = {0};
  if (setgroups(0, none) != 0) fail("setgroups");
  if (setresgid(65534, 65534, 65534) != 0) fail("setresgid");
  if (setresuid(65534, 65534, 65534) != 0) fail("setresuid");
  if (cap_set(0, bind, bind, bind) != 0) fail("capset");
  if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, CAP_NET_BIND_SERVICE, 0, 0) != 0) fail("ambient");
  execv(argv[0], argv);
  fail("execv");
  return 1;
}

static int capget_pids(void) {
  uint64_t prm, eff, inh, p2, e2, i2;
  int ready[2], go[2];
  if (pipe(ready) != 0 || pipe(go) != 0) fail("pipe");
  pid_t child = fork();
  if (child == 0) {
    // Keep only CAP_KILL, so the parent sees a set that differs from its own.
    const uint64_t k = 1ull << CAP_KILL;
    char c = cap_set(0, k, k, 0) == 0 ? 'y' : 'n';
    if (write(ready[1], &c, 1) != 1) _exit(1);
    if (read(go[0], &c, 1) < 0) _exit(1);
    _exit(0);
  }
  char c;
  if (read(ready[0], &c, 1) != 1 || c != 'y') fail("child capset");
  if (cap_get(0, &prm, &eff, &inh) != 0) fail("capget 0");
  if (cap_get(getpid(), &p2, &e2, &i2) != 0) fail("capget self");
  printf("self: %s\n", p2 == prm && e2 == eff && i2 == inh ? "same as pid 0" : "differs");
  int r = cap_get(child, &p2, &e2, &i2);
  printf("child: %d permitted %llx effective %llx\n", r, (unsigned long long)p2,
         (unsigned long long)e2);
  errno = 0;
  r = cap_get(4194303, &p2, &e2, &i2);
  printf("no such pid: %d %s\n", r, strerror(errno));
  errno = 0;
  r = cap_set(child, 0, 0, 0);
  printf("capset child: %d %s\n", r, strerror(errno));
  r = cap_set(getpid(), prm, eff, inh);
  printf("capset self by pid: %d\n", r);
  if (write(go[1], "x", 1) != 1) fail("write");
  int st;
  waitpid(child, &st, 0);
  return 0;
}

static int peercred(void) {
  struct sockaddr_un a = {.sun_family = AF_UNIX};
  memcpy(a.sun_path, "\0privdrop-peercred", 18);
  socklen_t alen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 18);
  int l = socket(AF_UNIX, SOCK_STREAM, 0);
  if (l < 0 || bind(l, (struct sockaddr *)&a, alen) != 0 || listen(l, 1) != 0) fail("listen");
  pid_t child = fork();
  if (child == 0) {
    // Made as root, connected as nobody: the peer sees who connected.
    int c = socket(AF_UNIX, SOCK_STREAM, 0);
    if (setresgid(65534, 65534, 65534) != 0 || setresuid(65534, 65534, 65534) != 0) _exit(1);
    if (c < 0 || connect(c, (struct sockaddr *)&a, alen) != 0) _exit(2);
    struct ucred cr;
    socklen_t n = sizeof cr;
    if (getsockopt(c, SOL_SOCKET, SO_PEERCRED, &cr, &n) != 0) _exit(3);
    printf("child sees listener: uid %u gid %u parent %s\n", cr.uid, cr.gid,
           cr.pid == getppid() ? "yes" : "no");
    // Signal permission as nobody: not the root parent, except SIGCONT within the session.
    printf("kill(parent, 0): %s\n", kill(getppid(), 0) == 0 ? "ok" : strerror(errno));
    printf("kill(parent, SIGCONT): %s\n", kill(getppid(), SIGCONT) == 0 ? "ok" : strerror(errno));
    printf("kill(self, 0): %s\n", kill(getpid(), 0) == 0 ? "ok" : strerror(errno));
    // Printed first, then told: the two lines come in one order natively and under umbra.
    if (write(c, "x", 1) != 1) _exit(4);
    _exit(0);
  }
  int s = accept(l, NULL, NULL);
  char x;
  if (s < 0 || read(s, &x, 1) != 1) fail("accept");
  struct ucred cr;
  socklen_t n = sizeof cr;
  if (getsockopt(s, SOL_SOCKET, SO_PEERCRED, &cr, &n) != 0) fail("SO_PEERCRED");
  printf("listener sees child: uid %u gid %u child %s\n", cr.uid, cr.gid,
         cr.pid == child ? "yes" : "no");
  printf("kill(child, 0) as root: %s\n", kill(child, 0) == 0 ? "ok" : strerror(errno));
  close(s);
  int st;
  waitpid(child, &st, 0);
  printf("child exit %d\n", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
  return 0;
}

int main(int argc, char **argv) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  if (argc >= 2 && strcmp(argv[1], "report") == 0) return report();
  if (argc >= 5 && strcmp(argv[1], "su") == 0) return su(argv + 2);
  if (argc >= 3 && strcmp(argv[1], "keepcaps") == 0) return keepcaps(argv + 2);
  if (argc >= 2 && strcmp(argv[1], "capget") == 0) return capget_pids();
  if (argc >= 2 && strcmp(argv[1], "peercred") == 0) return peercred();
  fprintf(stderr, "usage: privdrop report | su UID GID PROG ARGS... | keepcaps PROG ARGS... | "
                  "capget | peercred\n");
  return 2;
}
