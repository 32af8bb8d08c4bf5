// Benchmark: UDP datagrams between two programs, sent in acknowledged bursts
// so that neither side overruns the other.
//   server PORT                    print "port=P" (PORT 0: any free port), then
//                                  answer each burst's last datagram with an
//                                  ack carrying how many of the burst arrived;
//                                  exit on the client's "done"
//   client HOST PORT N BURST SIZE  after a hello, send N datagrams of SIZE
//                                  bytes in bursts of BURST, waiting for the
//                                  ack after each; print
//                                  "sent=N acked=A elapsed_ns=T" where T runs
//                                  from the hello's ack to the last ack (wall
//                                  time natively, simulated under umbra)
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

enum { F_DATA = 0, F_LAST = 1, F_DONE = 2, F_HELLO = 3 };

struct hdr {
  uint32_t burst;
  uint32_t flag;
};

struct ack {
  uint32_t burst;
  uint32_t count;
};

static long long mono_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int server(int port) {
  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
  if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) != 0) {
    perror("server: bind");
    return 1;
  }
  socklen_t al = sizeof a;
  getsockname(fd, (struct sockaddr *)&a, &al);
  printf("port=%d\n", ntohs(a.sin_port)); /* PORT 0 picks a free one: say which */
  fflush(stdout);
  static char buf[65536];
  long total = 0;
  uint32_t in_burst = 0, cur = UINT32_MAX;
  for (;;) {
    struct sockaddr_in from;
    socklen_t fl = sizeof from;
    ssize_t n = recvfrom(fd, buf, sizeof buf, 0, (struct sockaddr *)&from, &fl);
    if (n < (ssize_t)sizeof(struct hdr)) {
      if (n < 0 && errno == EINTR) continue;
      perror("server: recvfrom");
      return 1;
    }
    struct hdr h;
    memcpy(&h, buf, sizeof h);
    if (h.flag == F_DATA || h.flag == F_LAST) {
      if (h.burst != cur) cur = h.burst, in_burst = 0;
      in_burst++;
      total++;
    }
    if (h.flag == F_DATA) continue;
    struct ack k = {h.burst, h.flag == F_LAST ? in_burst : 0};
    if (sendto(fd, &k, sizeof k, 0, (struct sockaddr *)&from, fl) < 0) perror("server: sendto");
    if (h.flag == F_DONE) break;
  }
  printf("received=%ld\n", total);
  close(fd);
  return 0;
}

/* Sends one control datagram until an ack for `burst` comes back (at most
 * 1 s per try; 10 ms while the server's port is not bound yet). */
static int handshake(int fd, uint32_t burst, uint32_t flag, int tries) {
  for (int t = 0; t < tries; t++) {
    struct hdr h = {burst, flag};
    if (send(fd, &h, sizeof h, 0) < 0 && errno != ECONNREFUSED) return -1;
    struct ack k;
    for (;;) {
      ssize_t n = recv(fd, &k, sizeof k, 0);
      if (n == (ssize_t)sizeof k && k.burst == burst) return 0;
      if (n < 0 && errno == ECONNREFUSED) { /* not bound yet: wait a little */
        struct timespec ms10 = {0, 10000000L};
        nanosleep(&ms10, NULL);
      }
      if (n < 0) break; /* timeout or refused: send again */
    }
  }
  return -1;
}

static int client(const char *host, const char *port, long n, long burst, long size) {
  struct addrinfo hints = {.ai_family = AF_INET, .ai_socktype = SOCK_DGRAM}, *res;
  int r = getaddrinfo(host, port, &hints, &res);
  if (r != 0) {
    fprintf(stderr, "client: getaddrinfo %s: %s\n", host, gai_strerror(r));
    return 1;
  }
  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  if (fd < 0 || connect(fd, res->ai_addr, res->ai_addrlen) != 0) {
    perror("client: connect");
    return 1;
  }
  freeaddrinfo(res);
  struct timeval tv = {1, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  if (handshake(fd, 0, F_HELLO, 50) != 0) {
    fprintf(stderr, "client: no answer to hello\n");
    return 1;
  }
  static char buf[65536];
  if (size < (long)sizeof(struct hdr)) size = sizeof(struct hdr);
  if (size > (long)sizeof buf) size = sizeof buf;
  memset(buf, 'x', sizeof buf);
  long acked = 0, sent = 0;
  uint32_t b = 1;
  long long t0 = mono_ns();
  while (sent < n) {
    long k = n - sent < burst ? n - sent : burst;
    for (long i = 0; i < k; i++) {
      struct hdr h = {b, i == k - 1 ? F_LAST : F_DATA};
      memcpy(buf, &h, sizeof h);
      if (send(fd, buf, (size_t)size, 0) != size) {
        perror("client: send");
        return 1;
      }
    }
    sent += k;
    struct ack a;
    for (;;) {
      ssize_t got = recv(fd, &a, sizeof a, 0);
      if (got < 0) break; /* the burst's last datagram or its ack was lost */
      if (got == (ssize_t)sizeof a && a.burst == b) {
        acked += a.count;
        break;
      }
    }
    b++;
  }
  long long t1 = mono_ns();
  if (handshake(fd, b, F_DONE, 5) != 0) fprintf(stderr, "client: no answer to done\n");
  printf("sent=%ld acked=%ld elapsed_ns=%lld\n", sent, acked, t1 - t0);
  close(fd);
  return 0;
}

int main(int argc, char **argv) {
  if (argc == 3 && strcmp(argv[1], "server") == 0) return server(atoi(argv[2]));
  if (argc == 7 && strcmp(argv[1], "client") == 0)
    return client(argv[2], argv[3], atol(argv[4]), atol(argv[5]), atol(argv[6]));
  fprintf(stderr, "usage: bench_udp server PORT | client HOST PORT N BURST SIZE\n");
  return 2;
}
