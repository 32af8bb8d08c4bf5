// Receive-buffer autotuning seen by an application: a thread sends BYTES over
// loopback TCP as fast as it can while main reads CHUNK bytes at a time and
// prints SO_RCVBUF at the start, after each power-of-two MiB read, and at the
// end. Usage: tcp_rcvbuf BYTES CHUNK
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

static int port;
static long long total;

static void *sender(void *arg) {
  (void)arg;
  int s = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(s, (struct sockaddr *)&sa, sizeof sa) != 0) perror("connect");
  static char buf[1 << 16];
  for (long long left = total; left > 0;) {
    ssize_t n = write(s, buf, left < (long long)sizeof buf ? (size_t)left : sizeof buf);
    if (n <= 0) break;
    left -= n;
  }
  close(s);
  return NULL;
}

static int rcvbuf(int fd) {
  int v = 0;
  socklen_t len = sizeof v;
  getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &v, &len);
  return v;
}

int main(int argc, char **argv) {
  if (argc != 3) return 2;
  total = atoll(argv[1]);
  size_t chunk = (size_t)atol(argv[2]);
  int l = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in sa = {.sin_family = AF_INET};
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof sa;
  if (bind(l, (struct sockaddr *)&sa, sizeof sa) || listen(l, 1) ||
      getsockname(l, (struct sockaddr *)&sa, &len))
    return 1;
  port = ntohs(sa.sin_port);
  pthread_t th;
  pthread_create(&th, NULL, sender, NULL);
  int c = accept(l, NULL, NULL);
  printf("start rcvbuf=%d\n", rcvbuf(c));
  char *buf = malloc(chunk);
  long long got = 0, next = 1 << 20;
  for (;;) {
    ssize_t n = read(c, buf, chunk);
    if (n <= 0) break;
    got += n;
    if (got >= next) {
      printf("mib=%lld rcvbuf=%d\n", next >> 20, rcvbuf(c));
      next *= 2;
    }
  }
  pthread_join(th, NULL);
  printf("end bytes=%lld rcvbuf=%d\n", got, rcvbuf(c));
  return 0;
}
