// getsockopt/setsockopt(IP_OPTIONS) on TCP (listening, connected, accepted)
// and UDP sockets over loopback: prints each optlen and the bytes read back,
// so a native run and a run under umbra can be compared line by line.
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static void show(const char *what, int fd) {
  unsigned char buf[40];
  socklen_t len = sizeof buf;
  memset(buf, 0xee, sizeof buf);
  if (getsockopt(fd, IPPROTO_IP, IP_OPTIONS, buf, &len) != 0) {
    perror(what);
    return;
  }
  printf("%s: optlen %u", what, (unsigned)len);
  for (socklen_t i = 0; i < len; i++) printf(" %02x", buf[i]);
  printf("\n");
}

static void set(const char *what, int fd, const void *opts, socklen_t len) {
  int r = setsockopt(fd, IPPROTO_IP, IP_OPTIONS, opts, len);
  printf("%s: set %u -> %d (%s)\n", what, (unsigned)len, r, r == 0 ? "ok" : strerror(errno));
}

int main(void) {
  const unsigned char nops[3] = {1, 1, 1};
  unsigned char big[44];
  memset(big, 1, sizeof big);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  socklen_t alen = sizeof a;
  int l = socket(AF_INET, SOCK_STREAM, 0);
  if (l < 0 || bind(l, (struct sockaddr *)&a, sizeof a) != 0 || listen(l, 1) != 0) return 1;
  if (getsockname(l, (struct sockaddr *)&a, &alen) != 0) return 1;
  show("listener", l);
  int c = socket(AF_INET, SOCK_STREAM, 0);
  if (connect(c, (struct sockaddr *)&a, sizeof a) != 0) return 1;
  int s = accept(l, NULL, NULL);
  if (s < 0) return 1;
  show("client", c);
  show("accepted", s);
  set("client nops", c, nops, sizeof nops);
  show("client", c);
  set("client too long", c, big, sizeof big);
  show("client", c);
  set("client clear", c, NULL, 0);
  show("client", c);
  int u = socket(AF_INET, SOCK_DGRAM, 0);
  show("udp", u);
  set("udp nops", u, nops, 2);
  show("udp", u);
  close(u);
  close(s);
  close(c);
  close(l);
  return 0;
}
