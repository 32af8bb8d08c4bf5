// Request/reply over TCP with timeouts, to watch faults from both ends.
//   req_loop server PORT
//       answers each line "req N" with "rep N" on every connection (poll loop);
//       prints each connection it accepts and each that ends, with the errno.
//   req_loop client HOST PORT COUNT INTERVAL_MS TIMEOUT_MS reconnect|keep
//       sends COUNT requests INTERVAL_MS apart, each waiting TIMEOUT_MS for its
//       reply. After a timeout, "reconnect" closes and connects again for the
//       next request (a connect that takes over TIMEOUT_MS is given up); "keep"
//       goes on with the same connection until it fails.
// Every line starts with the simulated time in ms (CLOCK_MONOTONIC − 1 s).
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static long long now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (ts.tv_sec - 1) * 1000LL + ts.tv_nsec / 1000000;
}

static const char *errname(int e) {
  switch (e) {
  case ETIMEDOUT: return "ETIMEDOUT";
  case ECONNREFUSED: return "ECONNREFUSED";
  case ECONNRESET: return "ECONNRESET";
  case EPIPE: return "EPIPE";
  case EHOSTUNREACH: return "EHOSTUNREACH";
  case 0: return "EOF";
  default: return strerror(e);
  }
}

#define MAXC 64

static int server(int port) {
  int l = socket(AF_INET, SOCK_STREAM, 0);
  int one = 1;
  setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
  if (bind(l, (struct sockaddr *)&a, sizeof a) != 0 || listen(l, 16) != 0) {
    perror("bind/listen");
    return 1;
  }
  printf("%lld listening\n", now_ms());
  fflush(stdout);
  struct pollfd fds[MAXC + 1];
  int n = 0;
  fds[0] = (struct pollfd){.fd = l, .events = POLLIN};
  for (;;) {
    if (poll(fds, n + 1, -1) < 0) return 1;
    if ((fds[0].revents & POLLIN) && n < MAXC) {
      int c = accept(l, NULL, NULL);
      if (c >= 0) {
        fds[++n] = (struct pollfd){.fd = c, .events = POLLIN};
        printf("%lld accepted\n", now_ms());
        fflush(stdout);
      }
    }
    for (int i = 1; i <= n; i++) {
      if (!fds[i].revents) continue;
      char buf[256];
      ssize_t r = read(fds[i].fd, buf, sizeof buf - 1);
      if (r > 0) {
        buf[r] = 0;
        int k;
        char out[64];
        for (char *p = buf; (p = strstr(p, "req ")) != NULL; p += 4) {
          if (sscanf(p, "req %d", &k) == 1) {
            int len = snprintf(out, sizeof out, "rep %d\n", k);
            if (write(fds[i].fd, out, len) < 0) break;
          }
        }
        continue;
      }
      printf("%lld connection ended: %s\n", now_ms(), errname(r == 0 ? 0 : errno));
      fflush(stdout);
      close(fds[i].fd);
      fds[i--] = fds[n--];
    }
  }
}

static int connect_to(const char *host, int port, int timeout_ms) {
  struct addrinfo hints = {.ai_family = AF_INET, .ai_socktype = SOCK_STREAM}, *res;
  char ps[16];
  snprintf(ps, sizeof ps, "%d", port);
  if (getaddrinfo(host, ps, &hints, &res) != 0) return -1;
  int s = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  int r = connect(s, res->ai_addr, res->ai_addrlen);
  freeaddrinfo(res);
  if (r != 0 && errno != EINPROGRESS) {
    printf("%lld connect failed: %s\n", now_ms(), errname(errno));
    close(s);
    return -1;
  }
  struct pollfd p = {.fd = s, .events = POLLOUT};
  if (r != 0 && poll(&p, 1, timeout_ms) == 0) {
    printf("%lld connect timeout\n", now_ms());
    close(s);
    return -1;
  }
  int err = 0;
  socklen_t len = sizeof err;
  getsockopt(s, SOL_SOCKET, SO_ERROR, &err, &len);
  if (err != 0) {
    printf("%lld connect failed: %s\n", now_ms(), errname(err));
    close(s);
    return -1;
  }
  fcntl(s, F_SETFL, 0);
  printf("%lld connected\n", now_ms());
  return s;
}

static int client(const char *host, int port, int count, int interval_ms, int timeout_ms,
                  int keep) {
  int s = -1;
  char buf[4096];
  size_t have = 0;
  for (int i = 0; i < count; i++) {
    if (i > 0) usleep(interval_ms * 1000);
    if (s < 0) {
      s = connect_to(host, port, timeout_ms);
      have = 0;
      if (s < 0) {
        fflush(stdout);
        continue;
      }
    }
    char req[32];
    int len = snprintf(req, sizeof req, "req %d\n", i);
    if (write(s, req, len) < 0) {
      printf("%lld send %d failed: %s\n", now_ms(), i, errname(errno));
      close(s);
      s = -1;
      fflush(stdout);
      continue;
    }
    // Wait for "rep i"; older replies that arrive late are skipped.
    long long deadline = now_ms() + timeout_ms;
    int got = 0, failed = 0;
    while (!got && !failed) {
      char *nl;
      while (!got && (nl = memchr(buf, '\n', have)) != NULL) {
        int k = -1;
        sscanf(buf, "rep %d", &k);
        if (k == i)
          got = 1;
        else if (k >= 0)
          printf("%lld late reply %d\n", now_ms(), k);
        size_t used = (size_t)(nl - buf) + 1;
        memmove(buf, nl + 1, have - used);
        have -= used;
      }
      if (got) break;
      long long left = deadline - now_ms();
      struct pollfd p = {.fd = s, .events = POLLIN};
      if (left <= 0 || poll(&p, 1, (int)left) == 0) break;
      ssize_t r = read(s, buf + have, sizeof buf - have);
      if (r <= 0) {
        printf("%lld request %d failed: %s\n", now_ms(), i, errname(r == 0 ? 0 : errno));
        failed = 1;
      } else {
        have += (size_t)r;
      }
    }
    if (got) {
      printf("%lld reply %d\n", now_ms(), i);
    } else if (!failed) {
      printf("%lld timeout %d\n", now_ms(), i);
    }
    if (failed || (!got && !keep)) {
      close(s);
      s = -1;
    }
    fflush(stdout);
  }
  if (s >= 0) close(s);
  printf("%lld done\n", now_ms());
  return 0;
}

int main(int argc, char **argv) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  if (argc == 3 && strcmp(argv[1], "server") == 0) return server(atoi(argv[2]));
  if (argc == 8 && strcmp(argv[1], "client") == 0)
    return client(argv[2], atoi(argv[3]), atoi(argv[4]), atoi(argv[5]), atoi(argv[6]),
                  strcmp(argv[7], "keep") == 0);
  fprintf(stderr, "usage: req_loop server PORT | client HOST PORT COUNT INTERVAL_MS TIMEOUT_MS "
                  "reconnect|keep\n");
  return 2;
}
