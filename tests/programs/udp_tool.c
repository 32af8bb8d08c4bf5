// UDP workloads for the network tests, one per subcommand:
//   sink PORT TIMEOUT_MS          count datagrams until TIMEOUT_MS of silence;
//                                 print the count, byte total, first/last
//                                 arrival times and a map of sequence numbers
//   source HOST PORT TOTAL SIZE GAP_US  send TOTAL bytes in datagrams of SIZE
//                                 bytes (the last may be shorter; the first 4
//                                 bytes hold a sequence number), GAP_US apart
//                                 (0: back to back on a blocking socket)
//   resolve NAME...               getaddrinfo each name, print address or error
//   sendname NAME PORT            resolve NAME and send one datagram to it
// Times are simulated nanoseconds since the simulation started.
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define SIM_EPOCH 946684800LL

static long long sim_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return ((long long)ts.tv_sec - SIM_EPOCH) * 1000000000LL + ts.tv_nsec;
}

static const char *eai_name(int r) {
  switch (r) {
  case EAI_NONAME: return "EAI_NONAME";
  case EAI_AGAIN: return "EAI_AGAIN";
  case EAI_FAIL: return "EAI_FAIL";
  case EAI_FAMILY: return "EAI_FAMILY";
  case EAI_SERVICE: return "EAI_SERVICE";
  case EAI_SYSTEM: return "EAI_SYSTEM";
  case EAI_NODATA: return "EAI_NODATA";
  default: return "other";
  }
}

static int sink(int port, int timeout_ms) {
  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
  if (bind(fd, (struct sockaddr *)&a, sizeof a) != 0) {
    perror("bind");
    return 1;
  }
  int big = 4 << 20;
  setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof big);
  static char seen[100000];
  static char buf[65536];
  long count = 0, bytes = 0, maxseq = -1;
  long long first = -1, last = -1;
  for (;;) {
    struct timeval tv = {.tv_sec = timeout_ms / 1000, .tv_usec = (timeout_ms % 1000) * 1000};
    if (count > 0) setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ssize_t n = recv(fd, buf, sizeof buf, 0);
    if (n < 0) {
      if (errno == EAGAIN) break;
      perror("recv");
      return 1;
    }
    long long t = sim_ns();
    if (first < 0) first = t;
    last = t;
    count++;
    bytes += n;
    if (n >= 4) {
      unsigned seq;
      memcpy(&seq, buf, 4);
      if (seq < sizeof seen) {
        seen[seq] = 1;
        if ((long)seq > maxseq) maxseq = seq;
      }
    }
  }
  printf("received %ld datagrams, %ld bytes\n", count, bytes);
  printf("first at %lld ns, last at %lld ns\n", first, last);
  printf("map ");
  for (long i = 0; i <= maxseq; i++) putchar(seen[i] ? 'x' : '.');
  printf("\n");
  return 0;
}

static int source(const char *host, const char *port, long total, long size, long gap_us) {
  struct addrinfo hints = {.ai_family = AF_INET, .ai_socktype = SOCK_DGRAM}, *res;
  int r = getaddrinfo(host, port, &hints, &res);
  if (r != 0) {
    printf("getaddrinfo %s: %s\n", host, eai_name(r));
    return 1;
  }
  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  static char buf[65536];
  memset(buf, 'u', sizeof buf);
  printf("start at %lld ns\n", sim_ns());
  long sent = 0, n = 0;
  for (long i = 0; sent < total; i++, n++) {
    unsigned seq = (unsigned)i;
    memcpy(buf, &seq, 4);
    long len = total - sent < size ? total - sent : size;
    ssize_t w = sendto(fd, buf, (size_t)len, 0, res->ai_addr, res->ai_addrlen);
    if (w != len) {
      perror("sendto");
      return 1;
    }
    sent += w;
    if (gap_us > 0) {
      struct timespec ts = {.tv_sec = gap_us / 1000000, .tv_nsec = (gap_us % 1000000) * 1000};
      nanosleep(&ts, NULL);
    }
  }
  printf("sent %ld datagrams, %ld bytes, done at %lld ns\n", n, sent, sim_ns());
  freeaddrinfo(res);
  return 0;
}

static int resolve(int argc, char **argv) {
  for (int i = 0; i < argc; i++) {
    struct addrinfo hints = {.ai_family = AF_INET, .ai_socktype = SOCK_DGRAM}, *res;
    long long t0 = sim_ns();
    int r = getaddrinfo(argv[i], "9", &hints, &res);
    long long dt = sim_ns() - t0;
    if (r != 0) {
      printf("%s: %s after %lld ms\n", argv[i], eai_name(r), dt / 1000000);
      continue;
    }
    printf("%s: %s after %lld ms\n", argv[i],
           inet_ntoa(((struct sockaddr_in *)res->ai_addr)->sin_addr), dt / 1000000);
    freeaddrinfo(res);
  }
  /* Unspecified family (A and AAAA asked together) too. */
  struct addrinfo *res;
  int r = getaddrinfo(argv[0], NULL, NULL, &res);
  if (r != 0)
    printf("%s (any family): %s\n", argv[0], eai_name(r));
  else {
    int n = 0;
    for (struct addrinfo *p = res; p; p = p->ai_next) n++;
    printf("%s (any family): %d entries, first family %s\n", argv[0], n,
           res->ai_family == AF_INET ? "AF_INET" : "other");
    freeaddrinfo(res);
  }
  return 0;
}

static int sendname(const char *name, const char *port) {
  struct addrinfo hints = {.ai_family = AF_INET, .ai_socktype = SOCK_DGRAM}, *res;
  int r = getaddrinfo(name, port, &hints, &res);
  if (r != 0) {
    printf("getaddrinfo %s: %s (%s)\n", name, eai_name(r), gai_strerror(r));
    return 3;
  }
  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  ssize_t w = sendto(fd, "x", 1, 0, res->ai_addr, res->ai_addrlen);
  printf("sent %zd bytes to %s\n", w, name);
  return 0;
}

int main(int argc, char **argv) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  if (argc == 4 && strcmp(argv[1], "sink") == 0) return sink(atoi(argv[2]), atoi(argv[3]));
  if (argc == 7 && strcmp(argv[1], "source") == 0)
    return source(argv[2], argv[3], atol(argv[4]), atol(argv[5]), atol(argv[6]));
  if (argc >= 3 && strcmp(argv[1], "resolve") == 0) return resolve(argc - 2, argv + 2);
  if (argc == 4 && strcmp(argv[1], "sendname") == 0) return sendname(argv[2], argv[3]);
  fprintf(stderr, "usage: see the comment at the top of udp_tool.c\n");
  return 2;
}
