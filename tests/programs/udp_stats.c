// Measures a link: numbered, timestamped UDP datagrams one way.
//   udp_stats send HOST PORT COUNT GAP_US   COUNT datagrams GAP_US apart, each carrying its
//                                           sequence number and CLOCK_MONOTONIC send time
//   udp_stats recv PORT IDLE_MS             one line "SEQ DELAY_NS" per datagram received, in
//                                           arrival order, until IDLE_MS pass with none
#include <arpa/inet.h>
#include <netdb.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static long long now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

struct msg {
  uint32_t seq;
  int64_t sent_ns;
} __attribute__((packed));

static int sender(const char *host, const char *port, int count, int gap_us) {
  struct addrinfo hints = {.ai_family = AF_INET, .ai_socktype = SOCK_DGRAM}, *res;
  if (getaddrinfo(host, port, &hints, &res) != 0) return 1;
  int s = socket(AF_INET, SOCK_DGRAM, 0);
  for (int i = 0; i < count; i++) {
    struct msg m = {.seq = (uint32_t)i, .sent_ns = now_ns()};
    if (sendto(s, &m, sizeof m, 0, res->ai_addr, res->ai_addrlen) < 0) perror("sendto");
    usleep(gap_us);
  }
  freeaddrinfo(res);
  return 0;
}

static int receiver(int port, int idle_ms) {
  int s = socket(AF_INET, SOCK_DGRAM, 0);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
  if (bind(s, (struct sockaddr *)&a, sizeof a) != 0) return 1;
  int started = 0;
  for (;;) {
    struct pollfd p = {.fd = s, .events = POLLIN};
    if (poll(&p, 1, started ? idle_ms : -1) == 0) break;
    struct msg m;
    if (recv(s, &m, sizeof m, 0) != (ssize_t)sizeof m) continue;
    started = 1;
    printf("%u %lld\n", m.seq, now_ns() - (long long)m.sent_ns);
  }
  return 0;
}

int main(int argc, char **argv) {
  if (argc == 6 && strcmp(argv[1], "send") == 0)
    return sender(argv[2], argv[3], atoi(argv[4]), atoi(argv[5]));
  if (argc == 4 && strcmp(argv[1], "recv") == 0) return receiver(atoi(argv[2]), atoi(argv[3]));
  fprintf(stderr, "usage: udp_stats send HOST PORT COUNT GAP_US | recv PORT IDLE_MS\n");
  return 2;
}
