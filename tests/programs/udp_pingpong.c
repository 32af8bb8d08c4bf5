// UDP ping-pong. `server PORT COUNT` echoes COUNT datagrams back to their
// senders; `client HOST PORT COUNT` sends COUNT pings one at a time and prints
// each round trip measured with clock_gettime (exact simulated time).
#include <arpa/inet.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static long long now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int server(int port, int count) {
  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  struct sockaddr_in a = {
      .sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(INADDR_ANY)};
  if (bind(fd, (struct sockaddr *)&a, sizeof a) != 0) {
    perror("bind");
    return 1;
  }
  for (int i = 0; i < count; i++) {
    char buf[256];
    struct sockaddr_in from;
    socklen_t fl = sizeof from;
    ssize_t n = recvfrom(fd, buf, sizeof buf - 1, 0, (struct sockaddr *)&from, &fl);
    if (n < 0) {
      perror("recvfrom");
      return 1;
    }
    buf[n] = 0;
    printf("server: '%s' from %s (addrlen %u)\n", buf, inet_ntoa(from.sin_addr), (unsigned)fl);
    if (sendto(fd, buf, (size_t)n, 0, (struct sockaddr *)&from, fl) != n) {
      perror("sendto");
      return 1;
    }
  }
  close(fd);
  return 0;
}

static int client(const char *host, const char *port, int count) {
  struct addrinfo hints = {.ai_family = AF_INET, .ai_socktype = SOCK_DGRAM}, *res;
  int r = getaddrinfo(host, port, &hints, &res);
  if (r != 0) {
    printf("getaddrinfo %s: %s\n", host, gai_strerror(r));
    return 1;
  }
  printf("client: %s is %s\n", host, inet_ntoa(((struct sockaddr_in *)res->ai_addr)->sin_addr));
  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  for (int i = 0; i < count; i++) {
    char msg[64], buf[64];
    int len = snprintf(msg, sizeof msg, "ping %d", i);
    long long t0 = now_ns();
    if (sendto(fd, msg, (size_t)len, 0, res->ai_addr, res->ai_addrlen) != len) {
      perror("sendto");
      return 1;
    }
    struct sockaddr_in from;
    socklen_t fl = sizeof from;
    ssize_t n = recvfrom(fd, buf, sizeof buf - 1, 0, (struct sockaddr *)&from, &fl);
    long long t1 = now_ns();
    if (n < 0) {
      perror("recvfrom");
      return 1;
    }
    buf[n] = 0;
    printf("client: '%s' back from %s:%d after %lld ns\n", buf, inet_ntoa(from.sin_addr),
           ntohs(from.sin_port), t1 - t0);
  }
  freeaddrinfo(res);
  close(fd);
  return 0;
}

int main(int argc, char **argv) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  if (argc == 4 && strcmp(argv[1], "server") == 0) return server(atoi(argv[2]), atoi(argv[3]));
  if (argc == 5 && strcmp(argv[1], "client") == 0) return client(argv[2], argv[3], atoi(argv[4]));
  fprintf(stderr, "usage: udp_pingpong server PORT COUNT | client HOST PORT COUNT\n");
  return 2;
}
