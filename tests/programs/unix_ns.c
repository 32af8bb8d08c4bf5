/* A unix socket at a path outside the host's directory (e.g. in /tmp), as a
 * server on a machine of its own sees it: bind makes the file, stat, lstat,
 * access, chmod, chown, open and calls relative to a directory fd act on it
 * (a bad path pointer is EFAULT still), a forked client connects through it,
 * rename moves it, a second bind finds it taken, unlink removes it.
 * Usage: unix_ns PATH MODE TOKEN [keep]: MODE (octal) for chmod, TOKEN is what
 * the client sends; with "keep" the file is left bound at the end. */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *res(int r) {
  return r < 0 ? strerror(errno) : "ok";
}

static socklen_t addr_of(const char *path, struct sockaddr_un *a) {
  memset(a, 0, sizeof *a);
  a->sun_family = AF_UNIX;
  strncpy(a->sun_path, path, sizeof a->sun_path - 1);
  return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(a->sun_path) + 1);
}

static int bind_to(const char *what, const char *path) {
  int s = socket(AF_UNIX, SOCK_STREAM, 0);
  struct sockaddr_un a;
  socklen_t len = addr_of(path, &a);
  int r = bind(s, (struct sockaddr *)&a, len);
  printf("bind %s: %s\n", what, res(r));
  if (r < 0) {
    close(s);
    return -1;
  }
  return s;
}

static int connect_to(const char *what, const char *path) {
  int s = socket(AF_UNIX, SOCK_STREAM, 0);
  struct sockaddr_un a;
  socklen_t len = addr_of(path, &a);
  int r = connect(s, (struct sockaddr *)&a, len);
  printf("connect %s: %s\n", what, res(r));
  if (r < 0) {
    close(s);
    return -1;
  }
  return s;
}

static void show(const char *what, const char *path) {
  struct stat st;
  if (stat(path, &st) < 0) {
    printf("stat %s: %s\n", what, strerror(errno));
  } else {
    printf("stat %s: socket %d mode %o\n", what, S_ISSOCK(st.st_mode), st.st_mode & 07777);
  }
  if (lstat(path, &st) < 0) {
    printf("lstat %s: %s\n", what, strerror(errno));
  } else {
    printf("lstat %s: socket %d mode %o\n", what, S_ISSOCK(st.st_mode), st.st_mode & 07777);
  }
  printf("access %s: %s\n", what, res(access(path, R_OK | W_OK)));
}

int main(int argc, char **argv) {
  if (argc < 4) {
    fprintf(stderr, "usage: unix_ns PATH MODE TOKEN [keep]\n");
    return 2;
  }
  const char *path = argv[1];
  mode_t mode = (mode_t)strtol(argv[2], NULL, 8);
  const char *token = argv[3];
  int keep = argc > 4 && strcmp(argv[4], "keep") == 0;
  char moved[200];
  snprintf(moved, sizeof moved, "%s.moved", path);
  setvbuf(stdout, NULL, _IOLBF, 0);
  umask(022);

  int s = bind_to("path", path);
  if (s < 0) return 1;
  show("path", path);
  printf("chmod path: %s\n", res(chmod(path, mode)));
  printf("chown path: %s\n", res(chown(path, getuid(), getgid())));
  struct stat st;
  int r = fstatat(AT_FDCWD, path, &st, AT_SYMLINK_NOFOLLOW);
  printf("fstatat path: %s mode %o\n", res(r), r == 0 ? st.st_mode & 07777 : 0);
  printf("faccessat path: %s\n", res(faccessat(AT_FDCWD, path, R_OK, 0)));
  /* Relative to a directory fd, an open (a socket file cannot be opened), a bad pointer. */
  char dir[200];
  snprintf(dir, sizeof dir, "%s", path);
  char *slash = strrchr(dir, '/');
  const char *base = path;
  if (slash) {
    *slash = 0;
    base = path + (slash - dir) + 1;
  }
  int dfd = open(slash && dir[0] ? dir : slash ? "/" : ".", O_RDONLY | O_DIRECTORY);
  r = fstatat(dfd, base, &st, 0);
  printf("fstatat dirfd: %s socket %d mode %o\n", res(r), r == 0 && S_ISSOCK(st.st_mode),
         r == 0 ? st.st_mode & 07777 : 0);
  close(dfd);
  r = open(path, O_RDONLY);
  printf("open path: %s\n", res(r));
  if (r >= 0) close(r);
  printf("stat bad pointer: %s\n", res(stat((const char *)8, &st)));
  printf("listen: %s\n", res(listen(s, 4)));

  pid_t child = fork();
  if (child == 0) {
    int c = connect_to("path", path);
    if (c < 0) _exit(1);
    ssize_t n = write(c, token, strlen(token));
    _exit(n == (ssize_t)strlen(token) ? 0 : 1);
  }
  int a = accept(s, NULL, NULL);
  char buf[100] = {0};
  ssize_t n = a < 0 ? -1 : read(a, buf, sizeof buf - 1);
  printf("accepted: %s\n", n > 0 ? buf : "nothing");
  int status = 0;
  waitpid(child, &status, 0);
  printf("client exit: %d\n", WIFEXITED(status) ? WEXITSTATUS(status) : -1);
  close(a);

  printf("rename to moved: %s\n", res(rename(path, moved)));
  show("path", path);
  show("moved", moved);
  int c = connect_to("moved", moved);
  if (c >= 0) close(c);
  printf("rename back: %s\n", res(renameat(AT_FDCWD, moved, AT_FDCWD, path)));
  show("moved", moved);

  int again = bind_to("path again", path);
  if (again >= 0) close(again);
  if (keep) {
    printf("kept\n");
    return 0;
  }
  printf("unlink path: %s\n", res(unlink(path)));
  show("path", path);
  c = connect_to("path", path);
  if (c >= 0) close(c);
  printf("unlink path again: %s\n", res(unlinkat(AT_FDCWD, path, 0)));
  close(s);
  s = bind_to("path after unlink", path);
  printf("unlink path: %s\n", res(unlink(path)));
  if (s >= 0) close(s);
  printf("done\n");
  return 0;
}
