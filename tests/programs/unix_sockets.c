// AF_UNIX semantics printed line by line (a native Linux run prints the same):
// socketpair stream/dgram/seqpacket between threads, large blocking writes and
// MSG_WAITALL, named stream and datagram sockets (abstract and path names),
// autobind, names and peer credentials, EOF, EPIPE, ECONNRESET, errors.
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static const char *en(int e) {
  switch (e) {
  case EADDRINUSE: return "EADDRINUSE";
  case EINVAL: return "EINVAL";
  case EAGAIN: return "EAGAIN";
  case ECONNREFUSED: return "ECONNREFUSED";
  case ENOTCONN: return "ENOTCONN";
  case EPIPE: return "EPIPE";
  case ENOENT: return "ENOENT";
  case ECONNRESET: return "ECONNRESET";
  case EPROTOTYPE: return "EPROTOTYPE";
  case EISCONN: return "EISCONN";
  case EOPNOTSUPP: return "EOPNOTSUPP";
  case EMSGSIZE: return "EMSGSIZE";
  case EPERM: return "EPERM";
  case EDESTADDRREQ: return "EDESTADDRREQ";
  default: return "other";
  }
}

static void show(const char *what, long r) {
  if (r < 0)
    printf("%s: -1 %s\n", what, en(errno));
  else
    printf("%s: %ld\n", what, r);
}

#define BIG (300 * 1024)
static int pair_fd[2];

static void *big_writer(void *arg) {
  (void)arg;
  static char buf[BIG];
  for (int i = 0; i < BIG; i++) buf[i] = (char)(i * 7);
  ssize_t w = write(pair_fd[0], buf, BIG);
  printf("writer: one write of %d bytes returned %zd\n", BIG, w);
  shutdown(pair_fd[0], SHUT_WR);
  char reply[16] = {0};
  ssize_t r = read(pair_fd[0], reply, sizeof reply - 1);
  printf("writer: reply %zd '%s'\n", r, reply);
  return NULL;
}

static void stream_pair_threads(void) {
  show("socketpair stream", socketpair(AF_UNIX, SOCK_STREAM, 0, pair_fd));
  pthread_t th;
  pthread_create(&th, NULL, big_writer, NULL);
  static char buf[BIG];
  usleep(100000); /* let the writer fill the buffer and block */
  ssize_t r = recv(pair_fd[1], buf, 200000, MSG_WAITALL);
  printf("reader: MSG_WAITALL 200000 got %zd\n", r);
  long total = r;
  for (;;) {
    r = read(pair_fd[1], buf + total, BIG - total + 1);
    if (r <= 0) break;
    total += r;
  }
  printf("reader: total %ld, then read returned %zd (EOF)\n", total, r);
  int ok = 1;
  for (int i = 0; i < BIG; i++) ok &= buf[i] == (char)(i * 7);
  printf("reader: bytes intact %d\n", ok);
  long w = write(pair_fd[1], "thanks", 6);
  pthread_join(th, NULL);
  show("reader: write reply", w);
  close(pair_fd[0]);
  close(pair_fd[1]);
}

static void dgram_and_seqpacket_pairs(void) {
  int d[2];
  char buf[64];
  socketpair(AF_UNIX, SOCK_DGRAM, 0, d);
  send(d[0], "first", 5, 0);
  send(d[0], "second message", 14, 0);
  int n = -1;
  ioctl(d[1], FIONREAD, &n);
  printf("dgram FIONREAD %d\n", n);
  show("dgram recv into 3 bytes", recv(d[1], buf, 3, 0));
  show("dgram next with MSG_TRUNC", recv(d[1], buf, 3, MSG_TRUNC));
  show("dgram empty", recv(d[1], buf, sizeof buf, MSG_DONTWAIT));
  int sent = 0;
  fcntl(d[0], F_SETFL, O_NONBLOCK);
  while (send(d[0], "x", 1, 0) == 1) sent++;
  printf("dgram queue full after %d datagrams: %s\n", sent, en(errno));
  close(d[0]);
  close(d[1]);

  int s[2];
  socketpair(AF_UNIX, SOCK_SEQPACKET, 0, s);
  send(s[0], "alpha", 5, 0);
  send(s[0], "beta", 4, 0);
  shutdown(s[0], SHUT_WR);
  show("seqpacket recv 64", recv(s[1], buf, sizeof buf, 0));
  show("seqpacket recv 2 (trunc)", recv(s[1], buf, 2, 0));
  show("seqpacket at EOF", recv(s[1], buf, sizeof buf, 0));
  struct pollfd p = {.fd = s[1], .events = POLLIN | POLLOUT | POLLRDHUP};
  poll(&p, 1, 0);
  printf("seqpacket poll: in %d out %d rdhup %d hup %d\n", !!(p.revents & POLLIN),
         !!(p.revents & POLLOUT), !!(p.revents & POLLRDHUP), !!(p.revents & POLLHUP));
  show("seqpacket send after SHUT_WR", send(s[0], "x", 1, MSG_NOSIGNAL));
  close(s[0]);
  close(s[1]);
}

static socklen_t name_of(int fd, int peer, struct sockaddr_un *a) {
  socklen_t l = sizeof *a;
  memset(a, 0, sizeof *a);
  if ((peer ? getpeername : getsockname)(fd, (struct sockaddr *)a, &l) != 0) return (socklen_t)-1;
  return l;
}

static void print_name(const char *what, int fd, int peer) {
  struct sockaddr_un a;
  socklen_t l = name_of(fd, peer, &a);
  if (l == (socklen_t)-1) {
    printf("%s: -1 %s\n", what, en(errno));
    return;
  }
  if (l <= offsetof(struct sockaddr_un, sun_path))
    printf("%s: unnamed (len %u)\n", what, (unsigned)l);
  else if (a.sun_path[0] == 0)
    printf("%s: abstract '%.*s' (len %u)\n", what, (int)(l - 3), a.sun_path + 1, (unsigned)l);
  else
    printf("%s: path '%s' (len %u)\n", what, a.sun_path, (unsigned)l);
}

static void named_stream(void) {
  const char *path = "umbra-test.sock";
  unlink(path);
  int srv = socket(AF_UNIX, SOCK_STREAM, 0);
  show("listen unbound", listen(srv, 4));
  struct sockaddr_un a = {.sun_family = AF_UNIX};
  strcpy(a.sun_path, path);
  socklen_t alen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(path) + 1);
  show("bind relative path", bind(srv, (struct sockaddr *)&a, alen));
  print_name("server name", srv, 0);
  int dup = socket(AF_UNIX, SOCK_STREAM, 0);
  show("bind same path", bind(dup, (struct sockaddr *)&a, alen));
  close(dup);
  show("listen", listen(srv, 4));
  fcntl(srv, F_SETFL, O_NONBLOCK);
  show("accept empty", accept(srv, NULL, NULL));
  int cli = socket(AF_UNIX, SOCK_STREAM, 0);
  struct sockaddr_un abs = {.sun_family = AF_UNIX};
  char cwd[80];
  if (!getcwd(cwd, sizeof cwd)) return;
  snprintf(abs.sun_path, sizeof abs.sun_path, "%s/%s", cwd, path);
  show("connect by absolute path", connect(cli, (struct sockaddr *)&abs, sizeof abs));
  show("connect again", connect(cli, (struct sockaddr *)&abs, sizeof abs));
  show("client writes before accept", write(cli, "early", 5));
  struct sockaddr_un peer;
  socklen_t pl = sizeof peer;
  int acc = accept(srv, (struct sockaddr *)&peer, &pl);
  printf("accept: %s, peer addrlen %u\n", acc >= 0 ? "ok" : en(errno), (unsigned)pl);
  print_name("client local", cli, 0);
  print_name("client peer", cli, 1);
  print_name("accepted local", acc, 0);
  print_name("accepted peer", acc, 1);
  struct ucred cr;
  socklen_t cl = sizeof cr;
  getsockopt(acc, SOL_SOCKET, SO_PEERCRED, &cr, &cl);
  printf("SO_PEERCRED pid is mine %d, len %u\n", cr.pid == getpid(), (unsigned)cl);
  int v = 0;
  socklen_t vl = sizeof v;
  getsockopt(srv, SOL_SOCKET, SO_ACCEPTCONN, &v, &vl);
  printf("SO_ACCEPTCONN %d\n", v);
  char buf[64] = {0};
  show("accepted reads", read(acc, buf, sizeof buf));
  printf("data '%s'\n", buf);
  show("peek empty nonblocking", recv(acc, buf, sizeof buf, MSG_DONTWAIT | MSG_PEEK));
  show("sendto with address on stream",
       sendto(cli, "x", 1, 0, (struct sockaddr *)&abs, sizeof abs));
  // Unread data at close: the other end sees a reset.
  write(acc, "unread", 6);
  write(cli, "never read", 10);
  close(acc);
  show("read after peer closed with unread data", read(cli, buf, sizeof buf));
  show("read again", read(cli, buf, sizeof buf));
  show("read again (EOF)", read(cli, buf, sizeof buf));
  show("write to closed peer", send(cli, "x", 1, MSG_NOSIGNAL));
  close(cli);
  close(srv);
  unlink(path);
  show("connect to missing path",
       connect(socket(AF_UNIX, SOCK_STREAM, 0), (struct sockaddr *)&abs, sizeof abs));
  struct sockaddr_un none = {.sun_family = AF_UNIX};
  memcpy(none.sun_path, "\0nobody-here", 12);
  show("connect to missing abstract name",
       connect(socket(AF_UNIX, SOCK_STREAM, 0), (struct sockaddr *)&none,
               offsetof(struct sockaddr_un, sun_path) + 12));
}

static void named_dgram(void) {
  struct sockaddr_un a = {.sun_family = AF_UNIX};
  memcpy(a.sun_path, "\0umbra-dgram", 12);
  socklen_t alen = offsetof(struct sockaddr_un, sun_path) + 12;
  int r = socket(AF_UNIX, SOCK_DGRAM, 0);
  show("bind abstract", bind(r, (struct sockaddr *)&a, alen));
  print_name("receiver name", r, 0);
  int s = socket(AF_UNIX, SOCK_DGRAM, 0);
  show("send unconnected", send(s, "x", 1, 0));
  show("sendto abstract", sendto(s, "from unnamed", 12, 0, (struct sockaddr *)&a, alen));
  struct sockaddr_un from;
  socklen_t fl = sizeof from;
  char buf[64];
  show("recvfrom", recvfrom(r, buf, sizeof buf, 0, (struct sockaddr *)&from, &fl));
  printf("sender address length %u\n", (unsigned)fl);
  show("autobind", bind(s, (struct sockaddr *)&a, sizeof(sa_family_t)));
  struct sockaddr_un an;
  socklen_t al = name_of(s, 0, &an);
  int hex = 1;
  for (int i = 1; i < 6; i++)
    hex &= (an.sun_path[i] >= '0' && an.sun_path[i] <= '9') ||
           (an.sun_path[i] >= 'a' && an.sun_path[i] <= 'f');
  printf("autobound name: abstract %d, five hex digits %d (len %u)\n", an.sun_path[0] == 0, hex,
         (unsigned)al);
  sendto(s, "from autobound", 14, 0, (struct sockaddr *)&a, alen);
  fl = sizeof from;
  recvfrom(r, buf, sizeof buf, 0, (struct sockaddr *)&from, &fl);
  printf("sender address length %u abstract %d\n", (unsigned)fl, from.sun_path[0] == 0);
  show("connect", connect(s, (struct sockaddr *)&a, alen));
  show("send connected", send(s, "hi", 2, 0));
  show("recv", recv(r, buf, sizeof buf, 0));
  int stream = socket(AF_UNIX, SOCK_STREAM, 0);
  show("stream connect to dgram name", connect(stream, (struct sockaddr *)&a, alen));
  int third = socket(AF_UNIX, SOCK_DGRAM, 0);
  show("connect receiver to s",
       connect(r, (struct sockaddr *)&(struct sockaddr_un){.sun_family = AF_UNIX},
               sizeof(sa_family_t)));
  close(r);
  show("send to closed peer", send(s, "x", 1, 0));
  show("send after that", send(s, "x", 1, 0));
  close(third);
  close(s);
  close(stream);
}

int main(void) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  stream_pair_threads();
  dgram_and_seqpacket_pairs();
  named_stream();
  named_dgram();
  return 0;
}
