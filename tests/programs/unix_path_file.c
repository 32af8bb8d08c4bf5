/* A unix socket bound to a path is a socket file, as on Linux: stat, chmod and
 * readdir see it, a stale file makes bind fail with EADDRINUSE, unlink removes
 * it (the bound socket then cannot be reached), a renamed file still leads to
 * its socket. Runs in the current directory; the output must match Linux. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

static struct sockaddr_un addr_of(const char *path, socklen_t *len) {
  struct sockaddr_un a;
  memset(&a, 0, sizeof a);
  a.sun_family = AF_UNIX;
  strcpy(a.sun_path, path);
  *len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(path) + 1);
  return a;
}

static const char *res(int r) {
  return r < 0 ? strerror(errno) : "ok";
}

static int bind_to(int type, const char *path) {
  int s = socket(AF_UNIX, type, 0);
  socklen_t len;
  struct sockaddr_un a = addr_of(path, &len);
  int r = bind(s, (struct sockaddr *)&a, len);
  printf("bind %s: %s\n", path, res(r));
  if (r < 0) {
    close(s);
    return -1;
  }
  return s;
}

static int connect_to(const char *path) {
  int s = socket(AF_UNIX, SOCK_STREAM, 0);
  socklen_t len;
  struct sockaddr_un a = addr_of(path, &len);
  int r = connect(s, (struct sockaddr *)&a, len);
  printf("connect %s: %s\n", path, res(r));
  if (r < 0) {
    close(s);
    return -1;
  }
  return s;
}

static void show_stat(const char *path) {
  struct stat st;
  if (stat(path, &st) < 0) {
    printf("stat %s: %s\n", path, strerror(errno));
    return;
  }
  printf("stat %s: socket %d mode %o\n", path, S_ISSOCK(st.st_mode), st.st_mode & 07777);
}

static int by_name(const void *x, const void *y) {
  return strcmp(x, y);
}

static void list_sockets(void) {
  DIR *d = opendir(".");
  char names[8][64];
  int n = 0;
  struct dirent *e;
  while ((e = readdir(d)) != NULL && n < 8) {
    if (e->d_type != DT_SOCK) continue;
    snprintf(names[n++], sizeof names[0], "%.60s", e->d_name);
  }
  closedir(d);
  /* readdir's order is the file system's. */
  qsort(names, (size_t)n, sizeof names[0], by_name);
  printf("sockets in the directory: %d:", n);
  for (int i = 0; i < n; i++) printf(" %s", names[i]);
  printf("\n");
}

int main(void) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  umask(022);
  unlink("srv.sock");
  unlink("moved.sock");
  unlink("dgram.sock");
  int l = bind_to(SOCK_STREAM, "srv.sock");
  show_stat("srv.sock");
  printf("chmod: %s\n", res(chmod("srv.sock", 0700)));
  show_stat("srv.sock");
  bind_to(SOCK_STREAM, "srv.sock");
  listen(l, 4);
  int c = connect_to("srv.sock");
  int a = accept(l, NULL, NULL);
  printf("accepted: %d\n", a >= 0);
  close(c);
  close(a);
  list_sockets();

  /* Renamed: the file still leads to the listener. */
  printf("rename: %s\n", res(rename("srv.sock", "moved.sock")));
  connect_to("srv.sock");
  c = connect_to("moved.sock");
  close(c);
  close(accept(l, NULL, NULL));

  /* Closed: the file stays, nobody listens, and it is in the way. */
  close(l);
  show_stat("moved.sock");
  connect_to("moved.sock");
  bind_to(SOCK_STREAM, "moved.sock");
  printf("unlink: %s\n", res(unlink("moved.sock")));
  show_stat("moved.sock");
  connect_to("moved.sock");

  /* Unlinked while listening: unreachable; a new bind makes a new socket. */
  int l1 = bind_to(SOCK_STREAM, "srv.sock");
  listen(l1, 4);
  unlink("srv.sock");
  connect_to("srv.sock");
  int l2 = bind_to(SOCK_STREAM, "srv.sock");
  listen(l2, 4);
  c = connect_to("srv.sock");
  fcntl(l1, F_SETFL, O_NONBLOCK);
  fcntl(l2, F_SETFL, O_NONBLOCK);
  int a1 = accept(l1, NULL, NULL);
  printf("old listener accepts: %s\n", res(a1));
  printf("new listener accepts: %s\n", res(accept(l2, NULL, NULL)));

  /* Errors of paths that are no sockets. */
  bind_to(SOCK_STREAM, "no-such-dir/x.sock");
  int f = open("plain.txt", O_CREAT | O_WRONLY, 0644);
  close(f);
  connect_to("plain.txt");
  bind_to(SOCK_STREAM, "plain.txt");
  unlink("plain.txt");

  /* Datagrams to a path. */
  int d = bind_to(SOCK_DGRAM, "dgram.sock");
  int s = socket(AF_UNIX, SOCK_DGRAM, 0);
  socklen_t len;
  struct sockaddr_un da = addr_of("dgram.sock", &len);
  printf("sendto: %zd\n", sendto(s, "hi", 2, 0, (struct sockaddr *)&da, len));
  char buf[8];
  printf("recv: %zd\n", recv(d, buf, sizeof buf, 0));
  list_sockets();
  unlink("srv.sock");
  unlink("dgram.sock");
  return 0;
}
