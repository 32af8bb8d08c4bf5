// Bulk TCP transfer for tests and benchmarks.
//   tcp_bulk server PORT BYTES [CONNECTIONS]  serves BYTES of a fixed pattern to each client in
//   turn
//                                             (PORT 0: an ephemeral port, printed as port=N)
//   tcp_bulk client HOST PORT                 downloads until EOF and reports timing
// The client prints when it connected, the byte count, a checksum, when it
// finished, and the rate over the second half of the transfer (counted from
// the first MiB boundary at or past the middle: after slow start), all in
// CLOCK_MONOTONIC nanoseconds. A failed connect prints the
// error name and the time it took, and exits 3.
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
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

static const char *errname(int e) {
  switch (e) {
  case ETIMEDOUT: return "ETIMEDOUT";
  case ECONNREFUSED: return "ECONNREFUSED";
  case ECONNRESET: return "ECONNRESET";
  case EHOSTUNREACH: return "EHOSTUNREACH";
  case ENETUNREACH: return "ENETUNREACH";
  default: return strerror(e);
  }
}

/* The byte at stream offset i: position-dependent with a prime period, so a
   lost, duplicated or reordered block never lines up by accident. */
#define PERIOD 251
static inline unsigned char pattern(uint64_t i) {
  return (unsigned char)(i % PERIOD);
}

static int serve(int port, long long bytes, int conns) {
  int ls = socket(AF_INET, SOCK_STREAM, 0);
  int one = 1;
  setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
  if (bind(ls, (struct sockaddr *)&a, sizeof a) < 0 || listen(ls, 16) < 0) {
    perror("bind/listen");
    return 1;
  }
  if (port == 0) {
    /* An ephemeral port (native benchmark runs): say which. */
    socklen_t al = sizeof a;
    getsockname(ls, (struct sockaddr *)&a, &al);
    printf("port=%d\n", ntohs(a.sin_port));
    fflush(stdout);
  }
  static unsigned char buf[(1 << 16) + PERIOD];
  for (size_t i = 0; i < sizeof buf; i++) buf[i] = pattern(i);
  for (int c = 0; c < conns; c++) {
    int s = accept(ls, NULL, NULL);
    if (s < 0) {
      perror("accept");
      return 1;
    }
    long long sent = 0;
    while (sent < bytes) {
      size_t n = 1 << 16;
      if ((long long)n > bytes - sent) n = (size_t)(bytes - sent);
      ssize_t w = write(s, buf + sent % PERIOD, n);
      if (w < 0) {
        perror("write");
        return 1;
      }
      sent += w;
    }
    close(s);
    printf("served %lld bytes\n", sent);
    fflush(stdout);
  }
  close(ls);
  return 0;
}

static int download(const char *host, int port, int check) {
  struct addrinfo hints = {.ai_family = AF_INET, .ai_socktype = SOCK_STREAM}, *ai;
  char ps[16];
  snprintf(ps, sizeof ps, "%d", port);
  if (getaddrinfo(host, ps, &hints, &ai) != 0) {
    fprintf(stderr, "cannot resolve %s\n", host);
    return 2;
  }
  int s = socket(AF_INET, SOCK_STREAM, 0);
  long long t0 = now_ns();
  if (connect(s, ai->ai_addr, ai->ai_addrlen) < 0) {
    int e = errno;
    printf("connect: %s after %lld ns\n", errname(e), now_ns() - t0);
    return 3;
  }
  long long tc = now_ns();
  printf("connected after %lld ns\n", tc - t0);
  static unsigned char buf[1 << 16];
  /* When each whole MiB had arrived (up to 64 GiB), for the second-half rate. */
  enum { MIB = 1 << 20, MAX_MIB = 1 << 16 };
  static long long mib_at[MAX_MIB + 1];
  long long got = 0;
  uint64_t sum = 1469598103934665603ULL;
  long long bad = -1;
  for (;;) {
    ssize_t r = read(s, buf, sizeof buf);
    if (r < 0) {
      printf("read: %s after %lld bytes\n", errname(errno), got);
      return 4;
    }
    if (r == 0) break;
    if (check) {
      unsigned p = (unsigned)(got % PERIOD);
      for (ssize_t i = 0; i < r; i++) {
        if (bad < 0 && buf[i] != p) bad = got + i;
        sum = (sum ^ buf[i]) * 1099511628211ULL;
        if (++p == PERIOD) p = 0;
      }
    }
    long long before = got / MIB;
    got += r;
    if (got / MIB != before && got / MIB <= MAX_MIB) mib_at[got / MIB] = now_ns();
  }
  long long te = now_ns();
  /* The first MiB boundary at or past the middle; the whole transfer when it is under 2 MiB. */
  long long half_mib = (got / 2 + MIB - 1) / MIB;
  long long half_at = tc, half_bytes = 0;
  if (got >= 2LL * MIB && half_mib <= MAX_MIB) {
    half_at = mib_at[half_mib];
    half_bytes = half_mib * MIB;
  }
  printf("received %lld bytes, checksum %016llx, pattern %s\n", got, (unsigned long long)sum,
         bad < 0 ? "ok" : "BAD");
  printf("done %lld ns after connect\n", te - tc);
  if (!check) printf("elapsed_ns=%lld bytes=%lld\n", te - tc, got);
  double secs = (te - half_at) / 1e9;
  printf("rate over the second half: %.0f bit/s\n",
         secs > 0 ? (got - half_bytes) * 8.0 / secs : 0.0);
  close(s);
  return 0;
}

int main(int argc, char **argv) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  if (argc >= 4 && strcmp(argv[1], "server") == 0)
    return serve(atoi(argv[2]), atoll(argv[3]), argc > 4 ? atoi(argv[4]) : 1);
  if (argc >= 4 && strcmp(argv[1], "client") == 0)
    return download(argv[2], atoi(argv[3]), !(argc > 4 && strcmp(argv[4], "nocheck") == 0));
  fprintf(stderr, "usage: tcp_bulk server PORT BYTES [CONNS] | client HOST PORT [nocheck]\n");
  return 2;
}
