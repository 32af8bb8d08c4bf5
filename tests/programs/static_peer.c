// Built three ways (dynamic, gcc -static, musl-gcc -static; see the Makefile):
// `serve PORT` echoes UDP datagrams and TCP streams on PORT, upper-cased;
// `client HOST PORT` sleeps, prints the simulated clocks, the seeded random
// bytes (AT_RANDOM, getrandom) and what the echo server sent back over UDP
// and TCP. Everything it prints is deterministic under umbra.
#include <arpa/inet.h>
#include <ctype.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/random.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static void __attribute__((noreturn)) die(const char *what) {
  perror(what);
  exit(1);
}

static void upper(char *s, size_t n) {
  for (size_t i = 0; i < n; i++) s[i] = (char)toupper((unsigned char)s[i]);
}

static void __attribute__((noreturn)) serve(int port) {
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
  int u = socket(AF_INET, SOCK_DGRAM, 0), t = socket(AF_INET, SOCK_STREAM, 0), one = 1;
  setsockopt(t, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (u < 0 || t < 0 || bind(u, (struct sockaddr *)&a, sizeof a) ||
      bind(t, (struct sockaddr *)&a, sizeof a) || listen(t, 8))
    die("serve");
  printf("serving on %d\n", port);
  fflush(stdout);
  for (;;) {
    fd_set r;
    FD_ZERO(&r);
    FD_SET(u, &r);
    FD_SET(t, &r);
    if (select((u > t ? u : t) + 1, &r, NULL, NULL, NULL) < 0) die("select");
    char buf[512];
    if (FD_ISSET(u, &r)) {
      struct sockaddr_in from;
      socklen_t len = sizeof from;
      ssize_t n = recvfrom(u, buf, sizeof buf, 0, (struct sockaddr *)&from, &len);
      if (n < 0) die("recvfrom");
      upper(buf, (size_t)n);
      sendto(u, buf, (size_t)n, 0, (struct sockaddr *)&from, len);
    }
    if (FD_ISSET(t, &r)) {
      int c = accept(t, NULL, NULL);
      if (c < 0) die("accept");
      ssize_t n;
      while ((n = read(c, buf, sizeof buf)) > 0) {
        upper(buf, (size_t)n);
        if (write(c, buf, (size_t)n) != n) die("write");
      }
      close(c);
    }
  }
}

static struct sockaddr_in resolve(const char *host, int port) {
  struct addrinfo hints = {.ai_family = AF_INET}, *res;
  int e = getaddrinfo(host, NULL, &hints, &res);
  if (e != 0) {
    fprintf(stderr, "getaddrinfo %s: %s\n", host, gai_strerror(e));
    exit(1);
  }
  struct sockaddr_in a = *(struct sockaddr_in *)res->ai_addr;
  a.sin_port = htons((uint16_t)port);
  freeaddrinfo(res);
  return a;
}

static void hex(const char *label, const unsigned char *b, size_t n) {
  printf("%s ", label);
  for (size_t i = 0; i < n; i++) printf("%02x", b[i]);
  printf("\n");
}

static int client(const char *host, int port) {
  struct timespec before, after, real;
  clock_gettime(CLOCK_MONOTONIC, &before);
  struct timespec req = {1, 250000000};
  nanosleep(&req, NULL);
  usleep(250000);
  clock_gettime(CLOCK_MONOTONIC, &after);
  clock_gettime(CLOCK_REALTIME, &real);
  struct timeval tv;
  gettimeofday(&tv, NULL);
  printf("slept %ld ms\n", (long)((after.tv_sec - before.tv_sec) * 1000 +
                                  (after.tv_nsec - before.tv_nsec) / 1000000));
  printf("realtime %ld.%09ld gettimeofday %ld.%06ld time %ld\n", (long)real.tv_sec, real.tv_nsec,
         (long)tv.tv_sec, (long)tv.tv_usec, (long)time(NULL));
  hex("AT_RANDOM", (const unsigned char *)getauxval(AT_RANDOM), 16);
  unsigned char rnd[8];
  if (getrandom(rnd, sizeof rnd, 0) != (ssize_t)sizeof rnd) die("getrandom");
  hex("getrandom", rnd, sizeof rnd);
  uint32_t lo, hi;
  __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
  uint64_t tsc0 = (uint64_t)hi << 32 | lo;
  usleep(10000);
  __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
  printf("rdtsc moved with the clock: %s\n", ((uint64_t)hi << 32 | lo) > tsc0 ? "yes" : "no");

  struct sockaddr_in a = resolve(host, port);
  int u = socket(AF_INET, SOCK_DGRAM, 0);
  char buf[512];
  const char *msg = "hello over udp";
  if (sendto(u, msg, strlen(msg), 0, (struct sockaddr *)&a, sizeof a) < 0) die("sendto");
  ssize_t n = recv(u, buf, sizeof buf - 1, 0);
  if (n < 0) die("recv");
  buf[n] = 0;
  printf("udp reply: %s\n", buf);

  int t = socket(AF_INET, SOCK_STREAM, 0);
  if (connect(t, (struct sockaddr *)&a, sizeof a) < 0) die("connect");
  msg = "hello over tcp";
  if (write(t, msg, strlen(msg)) < 0) die("write");
  shutdown(t, SHUT_WR);
  size_t got = 0;
  while ((n = read(t, buf + got, sizeof buf - 1 - got)) > 0) got += (size_t)n;
  buf[got] = 0;
  printf("tcp reply: %s\n", buf);
  clock_gettime(CLOCK_MONOTONIC, &after);
  printf("done at %ld.%09ld\n", (long)after.tv_sec, after.tv_nsec);
  return 0;
}

int main(int argc, char **argv) {
  if (argc == 3 && strcmp(argv[1], "serve") == 0) serve(atoi(argv[2]));
  if (argc == 4 && strcmp(argv[1], "client") == 0) return client(argv[2], atoi(argv[3]));
  fprintf(stderr, "usage: static_peer serve PORT | client HOST PORT\n");
  return 2;
}
