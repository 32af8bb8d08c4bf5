// Zero-length reads as Linux answers them: read(2) and readv(2) of nothing on
// a socket return 0 at once (sock_read_iter, vfs_readv), even with no data
// queued; recv(2) of length 0 waits for data like any other receive, then
// returns 0 and leaves the data queued. A call that waits where Linux does
// not is caught by an alarm and reported. Same output natively and under umbra.
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

static const char *step = "";

static void on_alarm(int sig) {
  (void)sig;
  static char msg[200];
  int n = snprintf(msg, sizeof msg, "%s: still waiting after 5 s\n", step);
  (void)!write(1, msg, (size_t)n);
  _exit(1);
}

static void show(const char *what, long r) {
  if (r < 0)
    printf("%s = -1 %s\n", what, strerrorname_np(errno));
  else
    printf("%s = %ld\n", what, r);
  fflush(stdout);
}

#define TRY(what, call)                                                                            \
  do {                                                                                             \
    step = what;                                                                                   \
    alarm(5);                                                                                      \
    long r_ = (long)(call);                                                                        \
    alarm(0);                                                                                      \
    show(what, r_);                                                                                \
  } while (0)

static double mono(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int peer_fd;

/* Sends one byte after a second, so that a receive of length 0 has something to wait for. */
static void *late_sender(void *arg) {
  (void)arg;
  sleep(1);
  if (send(peer_fd, "x", 1, 0) != 1) perror("send");
  return NULL;
}

static void tcp_pair(int *a, int *b) {
  int l = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  socklen_t len = sizeof sa;
  if (bind(l, (struct sockaddr *)&sa, sizeof sa) || listen(l, 1) ||
      getsockname(l, (struct sockaddr *)&sa, &len))
    perror("listen");
  *a = socket(AF_INET, SOCK_STREAM, 0);
  if (connect(*a, (struct sockaddr *)&sa, sizeof sa)) perror("connect");
  *b = accept(l, NULL, NULL);
  close(l);
}

int main(void) {
  signal(SIGALRM, on_alarm);
  char buf[16];
  struct iovec iov[2] = {{buf, 0}, {NULL, 0}};
  int a, b;
  tcp_pair(&a, &b);

  TRY("tcp read(fd, buf, 0), nothing queued", read(a, buf, 0));
  TRY("tcp read(fd, NULL, 0)", read(a, NULL, 0));
  TRY("tcp readv(fd, two empty iovecs)", readv(a, iov, 2));
  TRY("tcp readv(fd, NULL, 0)", readv(a, NULL, 0));
  TRY("tcp recv(fd, buf, 0, MSG_DONTWAIT), nothing queued", recv(a, buf, 0, MSG_DONTWAIT));
  TRY("tcp recvfrom(fd, buf, 0, MSG_DONTWAIT)", recvfrom(a, buf, 0, MSG_DONTWAIT, NULL, NULL));
  int fl = fcntl(a, F_GETFL);
  fcntl(a, F_SETFL, fl | O_NONBLOCK);
  TRY("tcp read(nonblocking fd, buf, 0)", read(a, buf, 0));
  TRY("tcp read(nonblocking fd, buf, 1)", read(a, buf, 1));
  fcntl(a, F_SETFL, fl);

  /* recv of length 0 waits for data, returns 0, and leaves the byte queued. */
  peer_fd = b;
  pthread_t th;
  pthread_create(&th, NULL, late_sender, NULL);
  double t0 = mono();
  TRY("tcp recv(fd, buf, 0, 0), byte comes 1 s later", recv(a, buf, 0, 0));
  printf("it waited for the byte: %d\n", mono() - t0 >= 0.9);
  pthread_join(th, NULL);
  TRY("tcp read(fd, buf, 0), a byte queued", read(a, buf, 0));
  TRY("tcp recv(fd, buf, 0, 0), a byte queued", recv(a, buf, 0, 0));
  TRY("tcp read(fd, buf, 16) gets the byte", read(a, buf, sizeof buf));

  /* After the peer's FIN: everything returns 0. */
  close(b);
  TRY("tcp recv(fd, buf, 0, 0) after FIN", recv(a, buf, 0, 0));
  TRY("tcp read(fd, buf, 0) after FIN", read(a, buf, 0));
  shutdown(a, SHUT_WR);
  signal(SIGPIPE, SIG_IGN);
  TRY("tcp writev(fd, two empty iovecs) after SHUT_WR", writev(a, iov, 2));
  TRY("tcp write(fd, buf, 0) after SHUT_WR", write(a, buf, 0));
  close(a);

  /* A listening socket and an unconnected one: read of nothing still returns 0. */
  int l = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  bind(l, (struct sockaddr *)&sa, sizeof sa);
  listen(l, 1);
  TRY("listening read(fd, buf, 0)", read(l, buf, 0));
  TRY("listening read(fd, buf, 1)", read(l, buf, 1));
  TRY("listening recv(fd, buf, 0, 0)", recv(l, buf, 0, 0));
  close(l);
  int u = socket(AF_INET, SOCK_STREAM, 0);
  TRY("unconnected read(fd, buf, 0)", read(u, buf, 0));
  TRY("unconnected read(fd, buf, 1)", read(u, buf, 1));
  close(u);

  /* UDP and unix stream sockets follow the same rule for read and readv. */
  int d = socket(AF_INET, SOCK_DGRAM, 0);
  bind(d, (struct sockaddr *)&sa, sizeof sa);
  TRY("udp read(fd, buf, 0), nothing queued", read(d, buf, 0));
  TRY("udp readv(fd, two empty iovecs)", readv(d, iov, 2));
  TRY("udp recv(fd, buf, 0, MSG_DONTWAIT)", recv(d, buf, 0, MSG_DONTWAIT));
  /* Writing nothing: writev sends nothing at all (vfs_writev), write sends an empty datagram. */
  socklen_t slen = sizeof sa;
  getsockname(d, (struct sockaddr *)&sa, &slen);
  int c = socket(AF_INET, SOCK_DGRAM, 0);
  connect(c, (struct sockaddr *)&sa, sizeof sa);
  TRY("udp writev(fd, two empty iovecs)", writev(c, iov, 2));
  TRY("udp recv(fd, buf, 16, MSG_DONTWAIT) finds no datagram",
      recv(d, buf, sizeof buf, MSG_DONTWAIT));
  TRY("udp write(fd, buf, 0)", write(c, buf, 0));
  TRY("udp recv(fd, buf, 16, 0) gets the empty datagram", recv(d, buf, sizeof buf, 0));
  close(c);
  close(d);
  int sv[2];
  socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
  TRY("unix read(fd, buf, 0), nothing queued", read(sv[0], buf, 0));
  TRY("unix readv(fd, two empty iovecs)", readv(sv[0], iov, 2));
  TRY("unix recv(fd, buf, 0, MSG_DONTWAIT)", recv(sv[0], buf, 0, MSG_DONTWAIT));
  close(sv[0]);
  close(sv[1]);
  int p[2];
  if (pipe(p) == 0) {
    TRY("pipe read(fd, buf, 0), nothing queued", read(p[0], buf, 0));
    TRY("pipe readv(fd, two empty iovecs)", readv(p[0], iov, 2));
  }
  return 0;
}
