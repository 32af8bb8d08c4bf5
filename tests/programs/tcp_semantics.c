// TCP socket semantics on loopback, printed line by line so a native run on
// Linux and a run under umbra can be compared: connect/accept (blocking and
// not), ECONNREFUSED, readiness bits, peek/waitall/dontwait, shutdown, EOF,
// EPIPE and SIGPIPE, resets, SO_LINGER, SO_REUSEADDR and TIME_WAIT, options,
// tcp_info, timeouts, readv/writev, sendfile. Nothing depends on port numbers
// or timing.
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>
#include <linux/sockios.h>

static const char *en(int e) {
  switch (e) {
  case EADDRINUSE: return "EADDRINUSE";
  case EADDRNOTAVAIL: return "EADDRNOTAVAIL";
  case EINVAL: return "EINVAL";
  case EAGAIN: return "EAGAIN";
  case ECONNREFUSED: return "ECONNREFUSED";
  case ECONNRESET: return "ECONNRESET";
  case ENOTCONN: return "ENOTCONN";
  case ENOPROTOOPT: return "ENOPROTOOPT";
  case EISCONN: return "EISCONN";
  case EINPROGRESS: return "EINPROGRESS";
  case EALREADY: return "EALREADY";
  case EPIPE: return "EPIPE";
  case ENOENT: return "ENOENT";
  case EOPNOTSUPP: return "EOPNOTSUPP";
  case EAFNOSUPPORT: return "EAFNOSUPPORT";
  case EBADF: return "EBADF";
  case ENOTSOCK: return "ENOTSOCK";
  default: return "other";
  }
}

static void show(const char *what, long r) {
  if (r < 0)
    printf("%s: -1 %s\n", what, en(errno));
  else
    printf("%s: %ld\n", what, r);
}

static const char *pollbits(short r) {
  static char b[128];
  b[0] = 0;
  if (r & POLLIN) strcat(b, "IN ");
  if (r & POLLPRI) strcat(b, "PRI ");
  if (r & POLLOUT) strcat(b, "OUT ");
  if (r & POLLERR) strcat(b, "ERR ");
  if (r & POLLHUP) strcat(b, "HUP ");
  if (r & POLLRDHUP) strcat(b, "RDHUP ");
  if (!b[0])
    strcpy(b, "none");
  else
    b[strlen(b) - 1] = 0;
  return b;
}

static void showpoll(const char *what, int fd) {
  struct pollfd p = {.fd = fd, .events = POLLIN | POLLOUT | POLLRDHUP | POLLPRI};
  int r = poll(&p, 1, 0);
  printf("%s: poll %d [%s]\n", what, r, pollbits(p.revents));
}

static struct sockaddr_in lo(int port) {
  struct sockaddr_in a = {
      .sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  return a;
}

static int tcp(void) {
  return socket(AF_INET, SOCK_STREAM, 0);
}

static int port_of(int fd) {
  struct sockaddr_in a;
  socklen_t l = sizeof a;
  getsockname(fd, (struct sockaddr *)&a, &l);
  return ntohs(a.sin_port);
}

/* A listener on an ephemeral loopback port. */
static int listener(int reuse) {
  int s = tcp();
  if (reuse) setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &reuse, sizeof reuse);
  struct sockaddr_in a = lo(0);
  bind(s, (struct sockaddr *)&a, sizeof a);
  listen(s, 8);
  return s;
}

static int connect_to(int port) {
  int c = tcp();
  struct sockaddr_in a = lo(port);
  if (connect(c, (struct sockaddr *)&a, sizeof a) < 0) {
    printf("connect_to: %s\n", en(errno));
    return -1;
  }
  return c;
}

/* Waits until fd reports `ev` (loopback is quick, natively and simulated). */
static short waitfor(int fd, short ev) {
  struct pollfd p = {.fd = fd, .events = ev};
  poll(&p, 1, 2000);
  return p.revents;
}

static int geti(int fd, int level, int name) {
  int v = -12345;
  socklen_t l = sizeof v;
  if (getsockopt(fd, level, name, &v, &l) < 0) return -1000 - errno;
  return v;
}

static volatile sig_atomic_t pipes;
static void on_pipe(int sig) {
  (void)sig;
  pipes++;
}

static long long now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

int main(void) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  char buf[256];

  /* --- fresh sockets --- */
  int s = tcp();
  struct sockaddr_in a;
  socklen_t al = sizeof a;
  getsockname(s, (struct sockaddr *)&a, &al);
  printf("unbound name: %s:%d len %d\n", inet_ntoa(a.sin_addr), ntohs(a.sin_port), al);
  al = sizeof a;
  show("getpeername unconnected", getpeername(s, (struct sockaddr *)&a, &al));
  showpoll("fresh", s);
  printf("SO_TYPE %d SO_ACCEPTCONN %d SO_ERROR %d\n", geti(s, SOL_SOCKET, SO_TYPE),
         geti(s, SOL_SOCKET, SO_ACCEPTCONN), geti(s, SOL_SOCKET, SO_ERROR));
  printf("TCP_NODELAY %d TCP_CORK %d TCP_MAXSEG %d TCP_KEEPIDLE %d TCP_KEEPINTVL %d TCP_KEEPCNT %d "
         "TCP_SYNCNT %d\n",
         geti(s, IPPROTO_TCP, TCP_NODELAY), geti(s, IPPROTO_TCP, TCP_CORK),
         geti(s, IPPROTO_TCP, TCP_MAXSEG), geti(s, IPPROTO_TCP, TCP_KEEPIDLE),
         geti(s, IPPROTO_TCP, TCP_KEEPINTVL), geti(s, IPPROTO_TCP, TCP_KEEPCNT),
         geti(s, IPPROTO_TCP, TCP_SYNCNT));
  show("send unconnected", send(s, "x", 1, MSG_NOSIGNAL));
  show("recv unconnected", recv(s, buf, 1, 0));
  int v = 1;
  show("set TCP_NODELAY", setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &v, sizeof v));
  printf("TCP_NODELAY now %d\n", geti(s, IPPROTO_TCP, TCP_NODELAY));
  v = 10;
  show("set TCP_KEEPIDLE 10", setsockopt(s, IPPROTO_TCP, TCP_KEEPIDLE, &v, sizeof v));
  v = 0;
  show("set TCP_KEEPIDLE 0", setsockopt(s, IPPROTO_TCP, TCP_KEEPIDLE, &v, sizeof v));
  printf("TCP_KEEPIDLE now %d\n", geti(s, IPPROTO_TCP, TCP_KEEPIDLE));
  v = 50;
  show("set TCP_MAXSEG 50", setsockopt(s, IPPROTO_TCP, TCP_MAXSEG, &v, sizeof v));
  show("set TCP_INFO", setsockopt(s, IPPROTO_TCP, TCP_INFO, &v, sizeof v));
  char cc[16] = {0};
  socklen_t cl = sizeof cc;
  getsockopt(s, IPPROTO_TCP, TCP_CONGESTION, cc, &cl);
  printf("TCP_CONGESTION len %d\n", cl); /* the default is a sysctl (cubic, or bbr on some hosts) */
  show("set TCP_CONGESTION reno", setsockopt(s, IPPROTO_TCP, TCP_CONGESTION, "reno", 4));
  cl = sizeof cc;
  getsockopt(s, IPPROTO_TCP, TCP_CONGESTION, cc, &cl);
  printf("TCP_CONGESTION %s\n", cc);
  show("set TCP_CONGESTION bogus", setsockopt(s, IPPROTO_TCP, TCP_CONGESTION, "bogus", 5));
  v = 65536;
  setsockopt(s, SOL_SOCKET, SO_SNDBUF, &v, sizeof v);
  setsockopt(s, SOL_SOCKET, SO_RCVBUF, &v, sizeof v);
  printf("SO_SNDBUF %d SO_RCVBUF %d\n", geti(s, SOL_SOCKET, SO_SNDBUF),
         geti(s, SOL_SOCKET, SO_RCVBUF));
  struct tcp_info ti;
  socklen_t tl = sizeof ti;
  memset(&ti, 0xff, sizeof ti);
  getsockopt(s, IPPROTO_TCP, TCP_INFO, &ti, &tl);
  printf("tcp_info unconnected: state %d len %s\n", ti.tcpi_state,
         tl == sizeof ti ? "full" : "short");
  close(s);

  /* --- refused --- */
  int l0 = listener(0);
  int dead = port_of(l0);
  close(l0);
  s = tcp();
  struct sockaddr_in d = lo(dead);
  show("connect closed port", connect(s, (struct sockaddr *)&d, sizeof d));
  printf("SO_ERROR after refused %d\n", geti(s, SOL_SOCKET, SO_ERROR));
  close(s);
  s = tcp();
  fcntl(s, F_SETFL, O_NONBLOCK);
  show("nonblocking connect closed port", connect(s, (struct sockaddr *)&d, sizeof d));
  waitfor(s, POLLOUT);
  showpoll("refused", s);
  int e1 = geti(s, SOL_SOCKET, SO_ERROR);
  int e2 = geti(s, SOL_SOCKET, SO_ERROR);
  printf("SO_ERROR %s then %d\n", e1 == ECONNREFUSED ? "ECONNREFUSED" : "other", e2);
  close(s);

  /* --- a connection --- */
  int l = listener(1);
  int port = port_of(l);
  printf("listener SO_ACCEPTCONN %d\n", geti(l, SOL_SOCKET, SO_ACCEPTCONN));
  showpoll("idle listener", l);
  fcntl(l, F_SETFL, O_NONBLOCK);
  show("accept empty", accept(l, NULL, NULL));
  show("recv on listener", recv(l, buf, 1, 0));
  int c = tcp();
  fcntl(c, F_SETFL, O_NONBLOCK);
  struct sockaddr_in to = lo(port);
  show("nonblocking connect", connect(c, (struct sockaddr *)&to, sizeof to));
  printf("connect wait: [%s]\n", pollbits(waitfor(c, POLLOUT)));
  printf("SO_ERROR %d\n", geti(c, SOL_SOCKET, SO_ERROR));
  show("connect again", connect(c, (struct sockaddr *)&to, sizeof to));
  show("connect third", connect(c, (struct sockaddr *)&to, sizeof to));
  waitfor(l, POLLIN);
  showpoll("listener with a connection", l);
  struct sockaddr_in pa;
  socklen_t pl = sizeof pa;
  int sv = accept4(l, (struct sockaddr *)&pa, &pl, SOCK_NONBLOCK | SOCK_CLOEXEC);
  printf("accept4: %s, addrlen %d, peer %s, nonblock %d, cloexec %d\n", sv >= 0 ? "ok" : en(errno),
         pl, inet_ntoa(pa.sin_addr), (fcntl(sv, F_GETFL) & O_NONBLOCK) != 0,
         (fcntl(sv, F_GETFD) & FD_CLOEXEC) != 0);
  struct sockaddr_in n1, n2;
  socklen_t l1 = sizeof n1, l2 = sizeof n2;
  getpeername(sv, (struct sockaddr *)&n1, &l1);
  getsockname(c, (struct sockaddr *)&n2, &l2);
  printf("names match: %d, server port matches: %d\n",
         n1.sin_port == n2.sin_port && n1.sin_addr.s_addr == n2.sin_addr.s_addr,
         port_of(sv) == port);
  showpoll("connected client", c);
  printf("SO_ACCEPTCONN on accepted %d\n", geti(sv, SOL_SOCKET, SO_ACCEPTCONN));
  show("listen on connected", listen(c, 1));
  struct sockaddr_in any = lo(0);
  show("bind connected", bind(c, (struct sockaddr *)&any, sizeof any));
  tl = sizeof ti;
  getsockopt(c, IPPROTO_TCP, TCP_INFO, &ti, &tl);
  printf("tcp_info: state %d ca_state %d retrans %u unacked %u options %s\n", ti.tcpi_state,
         ti.tcpi_ca_state, ti.tcpi_total_retrans, ti.tcpi_unacked,
         (ti.tcpi_options & (TCPI_OPT_TIMESTAMPS | TCPI_OPT_SACK | TCPI_OPT_WSCALE)) == 7
             ? "ts,sack,wscale"
             : "other");

  /* --- data --- */
  show("recv nothing yet", recv(sv, buf, sizeof buf, 0));
  show("send hello", send(c, "hello", 5, 0));
  waitfor(sv, POLLIN);
  int fion = -1;
  ioctl(sv, FIONREAD, &fion);
  printf("FIONREAD %d\n", fion);
  memset(buf, 0, sizeof buf);
  show("peek 3", recv(sv, buf, 3, MSG_PEEK));
  printf("peeked '%s'\n", buf);
  memset(buf, 0, sizeof buf);
  show("recv 100", recv(sv, buf, 100, 0));
  printf("got '%s'\n", buf);
  show("recv dontwait", recv(sv, buf, 100, MSG_DONTWAIT));
  show("recv zero length", recv(sv, buf, 0, 0));
  struct iovec wv[3] = {{"ab", 2}, {"cde", 3}, {"f", 1}};
  show("writev", writev(c, wv, 3));
  waitfor(sv, POLLIN);
  char r1[2], r2[10];
  struct iovec rv[2] = {{r1, 2}, {r2, 10}};
  long n = readv(sv, rv, 2);
  printf("readv %ld: '%.2s' '%.*s'\n", n, r1, (int)(n > 2 ? n - 2 : 0), r2);
  send(c, "123", 3, 0);
  send(c, "456", 3, 0);
  waitfor(sv, POLLIN);
  usleep(1000);
  memset(buf, 0, sizeof buf);
  show("recv waitall 6", recv(sv, buf, 6, MSG_WAITALL));
  printf("got '%s'\n", buf);
  usleep(100000); /* past any delayed ACK */
  int outq = -1, nsd = -1;
  ioctl(c, SIOCOUTQ, &outq);
  ioctl(c, SIOCOUTQNSD, &nsd);
  printf("SIOCOUTQ %d SIOCOUTQNSD %d (after the peer acknowledged)\n", outq, nsd);
  show("ioctl FIONREAD on listener", ioctl(l, FIONREAD, &fion));

  /* --- timeouts --- */
  int blk = fcntl(sv, F_GETFL);
  fcntl(sv, F_SETFL, blk & ~O_NONBLOCK);
  struct timeval tv = {.tv_sec = 0, .tv_usec = 200000};
  setsockopt(sv, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  long long t0 = now_ms();
  show("recv with SO_RCVTIMEO", recv(sv, buf, 10, 0));
  printf("waited at least 200 ms: %d\n", now_ms() - t0 >= 200);
  t0 = now_ms();
  show("read with SO_RCVTIMEO", read(sv, buf, 10));
  printf("waited at least 200 ms: %d\n", now_ms() - t0 >= 200);
  fcntl(sv, F_SETFL, blk);

  /* --- sendfile --- */
  char path[] = "/tmp/umbra-tcp-sendfile-XXXXXX";
  int fd = mkstemp(path);
  unlink(path);
  write(fd, "0123456789abcdefghij", 20);
  lseek(fd, 2, SEEK_SET);
  show("sendfile from position", sendfile(c, fd, NULL, 5));
  printf("file position now %ld\n", (long)lseek(fd, 0, SEEK_CUR));
  off_t off = 10;
  show("sendfile at offset", sendfile(c, fd, &off, 100));
  printf("offset now %ld, position still %ld\n", (long)off, (long)lseek(fd, 0, SEEK_CUR));
  close(fd);
  waitfor(sv, POLLIN);
  usleep(100000); /* Nagle may hold the second part until the first is acknowledged */
  memset(buf, 0, sizeof buf);
  n = recv(sv, buf, sizeof buf, 0);
  printf("received %ld '%s'\n", n, buf);

  /* --- half close, EOF, EPIPE, SIGPIPE --- */
  show("shutdown bad how", shutdown(c, 7));
  show("shutdown WR", shutdown(c, SHUT_WR));
  waitfor(sv, POLLRDHUP);
  showpoll("server after client FIN", sv);
  show("server reads EOF", recv(sv, buf, 10, 0));
  show("server sends after FIN", send(sv, "back", 4, 0));
  waitfor(c, POLLIN);
  memset(buf, 0, sizeof buf);
  show("client still reads", recv(c, buf, 10, 0));
  printf("got '%s'\n", buf);
  show("client send after SHUT_WR", send(c, "x", 1, MSG_NOSIGNAL));
  signal(SIGPIPE, on_pipe);
  show("client write after SHUT_WR", write(c, "x", 1));
  usleep(1000);
  printf("SIGPIPE count %d\n", (int)pipes);
  show("server shutdown RDWR", shutdown(sv, SHUT_RDWR));
  waitfor(c, POLLHUP);
  showpoll("client after both FINs", c);
  show("client reads EOF", recv(c, buf, 10, 0));
  close(c);
  close(sv);

  /* --- reset by close with unread data --- */
  c = connect_to(port);
  waitfor(l, POLLIN);
  sv = accept(l, NULL, NULL);
  send(c, "unread", 6, 0);
  waitfor(sv, POLLIN);
  close(sv);
  waitfor(c, POLLERR);
  showpoll("client after reset", c);
  show("recv after reset", recv(c, buf, 10, 0));
  show("recv again", recv(c, buf, 10, 0));
  show("send after reset", send(c, "x", 1, MSG_NOSIGNAL));
  al = sizeof a;
  show("getpeername after reset", getpeername(c, (struct sockaddr *)&a, &al));
  close(c);

  /* --- SO_LINGER 0 --- */
  c = connect_to(port);
  waitfor(l, POLLIN);
  sv = accept(l, NULL, NULL);
  struct linger lg = {1, 0};
  show("set SO_LINGER {1,0}", setsockopt(c, SOL_SOCKET, SO_LINGER, &lg, sizeof lg));
  struct linger lg2;
  socklen_t lgl = sizeof lg2;
  getsockopt(c, SOL_SOCKET, SO_LINGER, &lg2, &lgl);
  printf("SO_LINGER {%d,%d} len %d\n", lg2.l_onoff, lg2.l_linger, lgl);
  close(c);
  waitfor(sv, POLLIN);
  show("recv after abortive close", recv(sv, buf, 10, 0));
  close(sv);

  /* --- MSG_MORE and TCP_CORK hold a partial segment back --- */
  c = connect_to(port);
  waitfor(l, POLLIN);
  sv = accept(l, NULL, NULL);
  send(c, "a", 1, MSG_MORE);
  usleep(1000);
  ioctl(sv, FIONREAD, &fion);
  printf("after MSG_MORE: FIONREAD %d\n", fion);
  send(c, "b", 1, 0);
  waitfor(sv, POLLIN);
  ioctl(sv, FIONREAD, &fion);
  printf("after the next send: FIONREAD %d\n", fion);
  recv(sv, buf, sizeof buf, 0);
  v = 1;
  setsockopt(c, IPPROTO_TCP, TCP_CORK, &v, sizeof v);
  send(c, "xyz", 3, 0);
  usleep(1000);
  ioctl(sv, FIONREAD, &fion);
  printf("corked: FIONREAD %d\n", fion);
  v = 0;
  setsockopt(c, IPPROTO_TCP, TCP_CORK, &v, sizeof v);
  waitfor(sv, POLLIN);
  ioctl(sv, FIONREAD, &fion);
  printf("uncorked: FIONREAD %d\n", fion);
  recv(sv, buf, sizeof buf, 0);

  /* --- a blocking send into a peer that does not read: SO_SNDTIMEO ends it with a partial count
   * --- */
  struct timeval stv = {.tv_sec = 0, .tv_usec = 100000};
  setsockopt(c, SOL_SOCKET, SO_SNDTIMEO, &stv, sizeof stv);
  size_t big = 64 << 20;
  char *mem = calloc(1, big);
  t0 = now_ms();
  long w = send(c, mem, big, 0);
  printf("send 64 MiB with SO_SNDTIMEO: %s, waited at least 100 ms: %d\n",
         w > 0 && w < (long)big ? "partial"
         : w < 0                ? en(errno)
                                : "all",
         now_ms() - t0 >= 100);
  int c2 = connect_to(port);
  waitfor(l, POLLIN);
  int sv2 = accept(l, NULL, NULL);
  setsockopt(c2, SOL_SOCKET, SO_SNDTIMEO, &stv, sizeof stv);
  t0 = now_ms();
  w = write(c2, mem, big);
  printf("write 64 MiB with SO_SNDTIMEO: %s, waited at least 100 ms: %d\n",
         w > 0 && w < (long)big ? "partial"
         : w < 0                ? en(errno)
                                : "all",
         now_ms() - t0 >= 100);
  free(mem);
  close(c2);
  close(sv2);
  close(c);
  close(sv);
  close(l);

  /* --- SO_REUSEADDR and TIME_WAIT --- */
  l = listener(1);
  port = port_of(l);
  c = connect_to(port);
  waitfor(l, POLLIN);
  sv = accept(l, NULL, NULL);
  close(sv); /* the server closes first: its side ends in TIME_WAIT */
  waitfor(c, POLLIN);
  recv(c, buf, 10, 0);
  close(c);
  usleep(1000);
  close(l);
  struct sockaddr_in same = lo(port);
  int b1 = tcp();
  show("bind TIME_WAIT port without SO_REUSEADDR", bind(b1, (struct sockaddr *)&same, sizeof same));
  close(b1);
  b1 = tcp();
  v = 1;
  setsockopt(b1, SOL_SOCKET, SO_REUSEADDR, &v, sizeof v);
  show("bind TIME_WAIT port with SO_REUSEADDR", bind(b1, (struct sockaddr *)&same, sizeof same));
  show("listen", listen(b1, 4));
  int b2 = tcp();
  setsockopt(b2, SOL_SOCKET, SO_REUSEADDR, &v, sizeof v);
  show("bind a listening port with SO_REUSEADDR", bind(b2, (struct sockaddr *)&same, sizeof same));
  close(b2);
  close(b1);
  int r1s = tcp(), r2s = tcp();
  setsockopt(r1s, SOL_SOCKET, SO_REUSEADDR, &v, sizeof v);
  setsockopt(r2s, SOL_SOCKET, SO_REUSEADDR, &v, sizeof v);
  struct sockaddr_in z = lo(0);
  bind(r1s, (struct sockaddr *)&z, sizeof z);
  struct sockaddr_in zz = lo(port_of(r1s));
  show("two SO_REUSEADDR binds", bind(r2s, (struct sockaddr *)&zz, sizeof zz));
  show("first listens", listen(r1s, 1));
  show("second listens", listen(r2s, 1));
  close(r1s);
  close(r2s);
  int p1 = tcp(), p2 = tcp();
  setsockopt(p1, SOL_SOCKET, SO_REUSEPORT, &v, sizeof v);
  setsockopt(p2, SOL_SOCKET, SO_REUSEPORT, &v, sizeof v);
  bind(p1, (struct sockaddr *)&z, sizeof z);
  zz = lo(port_of(p1));
  show("SO_REUSEPORT bind", bind(p2, (struct sockaddr *)&zz, sizeof zz));
  show("SO_REUSEPORT listen 1", listen(p1, 1));
  show("SO_REUSEPORT listen 2", listen(p2, 1));
  close(p1);
  close(p2);
  printf("done\n");
  return 0;
}
