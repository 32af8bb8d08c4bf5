// UDP socket semantics on loopback, printed line by line so a native run on
// Linux and a run under umbra can be compared: bind rules, ephemeral ports,
// options, peek/trunc, timeouts, connected sockets, ECONNREFUSED, msghdr and
// mmsghdr calls, shutdown. Nothing here depends on timing or port numbers.
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

static const char *en(int e) {
  switch (e) {
  case EADDRINUSE: return "EADDRINUSE";
  case EADDRNOTAVAIL: return "EADDRNOTAVAIL";
  case EINVAL: return "EINVAL";
  case EAGAIN: return "EAGAIN";
  case ECONNREFUSED: return "ECONNREFUSED";
  case EDESTADDRREQ: return "EDESTADDRREQ";
  case ENOTCONN: return "ENOTCONN";
  case ENOPROTOOPT: return "ENOPROTOOPT";
  case EMSGSIZE: return "EMSGSIZE";
  case EAFNOSUPPORT: return "EAFNOSUPPORT";
  case EOPNOTSUPP: return "EOPNOTSUPP";
  case ENOTSOCK: return "ENOTSOCK";
  case EBADF: return "EBADF";
  case EFAULT: return "EFAULT";
  case EACCES: return "EACCES";
  case EISCONN: return "EISCONN";
  case EDOM: return "EDOM";
  case EPROTONOSUPPORT: return "EPROTONOSUPPORT";
  case ESOCKTNOSUPPORT: return "ESOCKTNOSUPPORT";
  case EPIPE: return "EPIPE";
  case ENOENT: return "ENOENT";
  case ECONNRESET: return "ECONNRESET";
  case EPROTOTYPE: return "EPROTOTYPE";
  case EPERM: return "EPERM";
  default: return "other";
  }
}

static void show(const char *what, long r) {
  if (r < 0)
    printf("%s: -1 %s\n", what, en(errno));
  else
    printf("%s: %ld\n", what, r);
}

static struct sockaddr_in lo(int port) {
  struct sockaddr_in a = {
      .sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  return a;
}

static int udp(void) {
  return socket(AF_INET, SOCK_DGRAM, 0);
}

static int port_of(int fd) {
  struct sockaddr_in a;
  socklen_t l = sizeof a;
  getsockname(fd, (struct sockaddr *)&a, &l);
  return ntohs(a.sin_port);
}

static int geti(int fd, int level, int name) {
  int v = -12345;
  socklen_t l = sizeof v;
  if (getsockopt(fd, level, name, &v, &l) != 0) return -100 - errno;
  return v;
}

static long long ms_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

int main(void) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  int a = udp();
  struct sockaddr_in sa;
  socklen_t sl = sizeof sa;
  getsockname(a, (struct sockaddr *)&sa, &sl);
  printf("unbound name: %s:%d len %u\n", inet_ntoa(sa.sin_addr), ntohs(sa.sin_port), (unsigned)sl);

  // Binding rules.
  struct sockaddr_in x = lo(0);
  show("bind 127.0.0.1:0", bind(a, (struct sockaddr *)&x, sizeof x));
  int pa = port_of(a);
  printf("ephemeral port nonzero: %d\n", pa != 0);
  show("bind again", bind(a, (struct sockaddr *)&x, sizeof x));
  int b = udp();
  x = lo(pa);
  show("bind same port", bind(b, (struct sockaddr *)&x, sizeof x));
  struct sockaddr_in any = {.sin_family = AF_INET, .sin_port = htons(pa)};
  show("bind same port on 0.0.0.0", bind(b, (struct sockaddr *)&any, sizeof any));
  struct sockaddr_in other = {
      .sin_family = AF_INET, .sin_port = htons(pa), .sin_addr.s_addr = inet_addr("10.99.99.99")};
  show("bind foreign address", bind(b, (struct sockaddr *)&other, sizeof other));
  show("bind short addrlen", bind(b, (struct sockaddr *)&x, 8));
  close(b);
  int r1 = udp(), r2 = udp(), one = 1;
  setsockopt(r1, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  setsockopt(r2, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  x = lo(0);
  bind(r1, (struct sockaddr *)&x, sizeof x);
  x = lo(port_of(r1));
  show("SO_REUSEADDR on both", bind(r2, (struct sockaddr *)&x, sizeof x));
  close(r1);
  close(r2);
  r1 = udp();
  r2 = udp();
  setsockopt(r1, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
  x = lo(0);
  bind(r1, (struct sockaddr *)&x, sizeof x);
  x = lo(port_of(r1));
  show("SO_REUSEPORT on one only", bind(r2, (struct sockaddr *)&x, sizeof x));
  close(r1);
  close(r2);

  // Options.
  printf("SO_TYPE %d SO_DOMAIN %d SO_PROTOCOL %d SO_ERROR %d SO_ACCEPTCONN %d\n",
         geti(a, SOL_SOCKET, SO_TYPE), geti(a, SOL_SOCKET, SO_DOMAIN),
         geti(a, SOL_SOCKET, SO_PROTOCOL), geti(a, SOL_SOCKET, SO_ERROR),
         geti(a, SOL_SOCKET, SO_ACCEPTCONN));
  int v = 10000;
  setsockopt(a, SOL_SOCKET, SO_SNDBUF, &v, sizeof v);
  v = 5000;
  setsockopt(a, SOL_SOCKET, SO_RCVBUF, &v, sizeof v);
  printf("SO_SNDBUF 10000 -> %d, SO_RCVBUF 5000 -> %d\n", geti(a, SOL_SOCKET, SO_SNDBUF),
         geti(a, SOL_SOCKET, SO_RCVBUF));
  v = 1;
  setsockopt(a, SOL_SOCKET, SO_SNDBUF, &v, sizeof v);
  setsockopt(a, SOL_SOCKET, SO_RCVBUF, &v, sizeof v);
  printf("SO_SNDBUF 1 -> %d, SO_RCVBUF 1 -> %d\n", geti(a, SOL_SOCKET, SO_SNDBUF),
         geti(a, SOL_SOCKET, SO_RCVBUF));
  v = 1 << 30;
  setsockopt(a, SOL_SOCKET, SO_RCVBUF, &v, sizeof v);
  printf("SO_RCVBUF 1 GiB clamped: %d\n", geti(a, SOL_SOCKET, SO_RCVBUF) <= (16 << 20));
  v = 65536;
  setsockopt(a, SOL_SOCKET, SO_RCVBUF, &v, sizeof v);
  setsockopt(a, SOL_SOCKET, SO_SNDBUF, &v, sizeof v);
  setsockopt(a, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof one);
  setsockopt(a, SOL_SOCKET, SO_BROADCAST, &one, sizeof one);
  printf("SO_REUSEADDR %d SO_KEEPALIVE %d SO_BROADCAST %d\n", geti(a, SOL_SOCKET, SO_REUSEADDR),
         geti(a, SOL_SOCKET, SO_KEEPALIVE), geti(a, SOL_SOCKET, SO_BROADCAST));
  v = 0x10;
  show("IP_TOS set", setsockopt(a, IPPROTO_IP, IP_TOS, &v, sizeof v));
  printf("IP_TOS %d IP_TTL %d\n", geti(a, IPPROTO_IP, IP_TOS), geti(a, IPPROTO_IP, IP_TTL));
  show("IP_RECVERR set", setsockopt(a, IPPROTO_IP, IP_RECVERR, &one, sizeof one));
  v = 0;
  setsockopt(a, IPPROTO_IP, IP_RECVERR, &v, sizeof v);
  show("unknown SOL_SOCKET option", setsockopt(a, SOL_SOCKET, 9999, &one, sizeof one));
  show("get unknown SOL_SOCKET option",
       geti(a, SOL_SOCKET, 9999) < -100 ? (errno = -geti(a, SOL_SOCKET, 9999) - 100, -1) : 0);
  show("set SO_TYPE", setsockopt(a, SOL_SOCKET, SO_TYPE, &one, sizeof one));
  show("SO_REUSEADDR short optlen", setsockopt(a, SOL_SOCKET, SO_REUSEADDR, &one, 2));
  struct timeval tv = {.tv_sec = 0, .tv_usec = 250000};
  show("SO_RCVTIMEO set", setsockopt(a, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv));
  struct timeval tv2;
  socklen_t tl = sizeof tv2;
  getsockopt(a, SOL_SOCKET, SO_RCVTIMEO, &tv2, &tl);
  // Linux rounds to scheduler ticks (up to 4 ms more); umbra keeps the exact value.
  printf("SO_RCVTIMEO about 250 ms: %d len %u\n",
         tv2.tv_sec == 0 && tv2.tv_usec >= 250000 && tv2.tv_usec <= 254000, (unsigned)tl);
  tv.tv_usec = 2000000;
  show("SO_RCVTIMEO bad usec", setsockopt(a, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv));

  // Timeout.
  char buf[256];
  long long t0 = ms_now();
  show("recv with 250 ms timeout", recv(a, buf, sizeof buf, 0));
  long long dt = ms_now() - t0;
  printf("waited at least 250 ms: %d\n", dt >= 250);
  tv.tv_sec = 0;
  tv.tv_usec = 0;
  setsockopt(a, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  show("recv MSG_DONTWAIT", recv(a, buf, sizeof buf, MSG_DONTWAIT));

  // Data on loopback.
  int c = udp();
  struct sockaddr_in to = lo(pa);
  show("sendto", sendto(c, "hello world", 11, 0, (struct sockaddr *)&to, sizeof to));
  printf("sender autobound: %d\n", port_of(c) != 0);
  int n = -1;
  ioctl(a, FIONREAD, &n);
  printf("FIONREAD %d\n", n);
  show("recv MSG_PEEK", recv(a, buf, 5, MSG_PEEK));
  show("recv MSG_TRUNC into 5 bytes", recv(a, buf, 5, MSG_PEEK | MSG_TRUNC));
  struct iovec iv[2] = {{buf, 3}, {buf + 100, 4}};
  struct sockaddr_in from;
  struct msghdr mh = {
      .msg_name = &from, .msg_namelen = sizeof from, .msg_iov = iv, .msg_iovlen = 2};
  char ctl[64];
  mh.msg_control = ctl;
  mh.msg_controllen = sizeof ctl;
  long got = recvmsg(a, &mh, 0);
  printf("recvmsg: %ld '%.3s' '%.4s' flags %s namelen %u from-loopback %d controllen %zu\n", got,
         buf, buf + 100, (mh.msg_flags & MSG_TRUNC) ? "MSG_TRUNC" : "none",
         (unsigned)mh.msg_namelen, from.sin_addr.s_addr == htonl(INADDR_LOOPBACK),
         (size_t)mh.msg_controllen);
  ioctl(a, FIONREAD, &n);
  printf("FIONREAD empty %d\n", n);

  // Gather on send.
  struct iovec sv[3] = {{"abc", 3}, {"", 0}, {"defgh", 5}};
  struct msghdr sm = {.msg_name = &to, .msg_namelen = sizeof to, .msg_iov = sv, .msg_iovlen = 3};
  show("sendmsg 3 iovecs", sendmsg(c, &sm, 0));
  memset(buf, 0, sizeof buf);
  show("recvfrom", recvfrom(a, buf, sizeof buf, 0, NULL, NULL));
  printf("one datagram: '%s'\n", buf);
  show("zero-length datagram", sendto(c, "", 0, 0, (struct sockaddr *)&to, sizeof to));
  show("recv zero-length", recv(a, buf, sizeof buf, 0));

  // mmsg.
  struct mmsghdr mm[3];
  struct iovec mv[3] = {{"one", 3}, {"three", 5}, {"fourteen", 8}};
  memset(mm, 0, sizeof mm);
  for (int i = 0; i < 3; i++) {
    mm[i].msg_hdr.msg_name = &to;
    mm[i].msg_hdr.msg_namelen = sizeof to;
    mm[i].msg_hdr.msg_iov = &mv[i];
    mm[i].msg_hdr.msg_iovlen = 1;
  }
  show("sendmmsg", sendmmsg(c, mm, 3, 0));
  printf("msg_len %u %u %u\n", mm[0].msg_len, mm[1].msg_len, mm[2].msg_len);
  char rb[4][32];
  struct iovec rv[4];
  struct mmsghdr rm[4];
  memset(rm, 0, sizeof rm);
  for (int i = 0; i < 4; i++) {
    rv[i].iov_base = rb[i];
    rv[i].iov_len = sizeof rb[i];
    rm[i].msg_hdr.msg_iov = &rv[i];
    rm[i].msg_hdr.msg_iovlen = 1;
  }
  show("recvmmsg MSG_WAITFORONE", recvmmsg(a, rm, 4, MSG_WAITFORONE, NULL));
  printf("msg_len %u %u %u\n", rm[0].msg_len, rm[1].msg_len, rm[2].msg_len);

  // Sizes.
  static char big[70000];
  show("sendto 65507", sendto(c, big, 65507, 0, (struct sockaddr *)&to, sizeof to));
  show("sendto 65508", sendto(c, big, 65508, 0, (struct sockaddr *)&to, sizeof to));
  show("recv 65507", recv(a, big, sizeof big, 0));

  // Connected sockets.
  show("send without address", send(c, "x", 1, 0));
  show("write unconnected", write(c, "x", 1));
  show("getpeername unconnected", getpeername(c, (struct sockaddr *)&sa, &sl));
  show("connect", connect(c, (struct sockaddr *)&to, sizeof to));
  sl = sizeof sa;
  getpeername(c, (struct sockaddr *)&sa, &sl);
  printf("peer is a: %d\n", ntohs(sa.sin_port) == pa);
  sl = sizeof sa;
  getsockname(c, (struct sockaddr *)&sa, &sl);
  printf("local address after connect: %s\n", inet_ntoa(sa.sin_addr));
  show("write connected", write(c, "via write", 9));
  show("read", read(a, buf, sizeof buf));
  int d = udp();
  show("stranger sends to connected socket",
       sendto(d, "no", 2, 0,
              (struct sockaddr *)&(struct sockaddr_in){.sin_family = AF_INET,
                                                       .sin_port = htons(port_of(c)),
                                                       .sin_addr.s_addr = htonl(INADDR_LOOPBACK)},
              sizeof to));
  show("connected socket ignores it", recv(c, buf, sizeof buf, MSG_DONTWAIT));
  struct sockaddr_in unspec = {.sin_family = AF_UNSPEC};
  show("connect AF_UNSPEC", connect(c, (struct sockaddr *)&unspec, sizeof unspec));
  show("getpeername after disconnect", getpeername(c, (struct sockaddr *)&sa, &sl));
  show("shutdown unconnected", shutdown(c, SHUT_RDWR));

  // ICMP port unreachable: a connected socket learns ECONNREFUSED.
  int e = udp();
  int closedport = port_of(d);
  close(d);
  struct sockaddr_in dead = lo(closedport);
  show("connect to closed port", connect(e, (struct sockaddr *)&dead, sizeof dead));
  show("send to closed port", send(e, "anyone?", 7, 0));
  usleep(10000);
  show("recv after unreachable", recv(e, buf, sizeof buf, MSG_DONTWAIT));
  show("recv again", recv(e, buf, sizeof buf, MSG_DONTWAIT));
  show("send to closed port", send(e, "anyone?", 7, 0));
  usleep(10000);
  printf("SO_ERROR %s\n", geti(e, SOL_SOCKET, SO_ERROR) == ECONNREFUSED ? "ECONNREFUSED" : "other");
  printf("SO_ERROR cleared %d\n", geti(e, SOL_SOCKET, SO_ERROR));

  // Flags and fd-level facts.
  int f = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  printf("SOCK_NONBLOCK %d SOCK_CLOEXEC %d\n", (fcntl(f, F_GETFL) & O_NONBLOCK) != 0,
         (fcntl(f, F_GETFD) & FD_CLOEXEC) != 0);
  show("nonblocking recv", recv(f, buf, sizeof buf, 0));
  struct stat st;
  fstat(f, &st);
  printf("S_ISSOCK %d\n", S_ISSOCK(st.st_mode));
  show("socket bad type", socket(AF_INET, 77, 0));
  show("socket bad flags", socket(AF_INET, SOCK_DGRAM | 0x100, 0));
  show("socket UDP protocol 17", socket(AF_INET, SOCK_DGRAM, IPPROTO_UDP) >= 0 ? 0 : -1);
  show("socket DGRAM protocol TCP", socket(AF_INET, SOCK_DGRAM, IPPROTO_TCP));
  show("sendto on a pipe", ({
         int p[2];
         pipe(p);
         sendto(p[1], "x", 1, 0, NULL, 0);
       }));
  show("recv on bad fd", recv(999, buf, 1, 0));
  show("getsockname NULL", getsockname(a, NULL, &sl));
  show("listen on UDP", listen(a, 5));
  show("accept on UDP", accept(a, NULL, NULL));
  show("socketpair AF_INET", socketpair(AF_INET, SOCK_DGRAM, 0, (int[2]){0, 0}));
  return 0;
}
