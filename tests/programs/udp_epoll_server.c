// A UDP echo server on two ports multiplexed with epoll (one socket
// edge-triggered, one level-triggered, both non-blocking). It answers TOTAL
// requests, then prints how many each client address sent, in address order.
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_CLIENTS 256

static unsigned addrs[MAX_CLIENTS];
static int counts[MAX_CLIENTS];
static int nclients;

static void count(unsigned a) {
  for (int i = 0; i < nclients; i++)
    if (addrs[i] == a) {
      counts[i]++;
      return;
    }
  if (nclients < MAX_CLIENTS) {
    addrs[nclients] = a;
    counts[nclients++] = 1;
  }
}

static int open_port(int port) {
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
  if (bind(fd, (struct sockaddr *)&a, sizeof a) != 0) {
    perror("bind");
    exit(1);
  }
  return fd;
}

int main(int argc, char **argv) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  if (argc != 4) {
    fprintf(stderr, "usage: udp_epoll_server PORT1 PORT2 TOTAL\n");
    return 2;
  }
  int total = atoi(argv[3]);
  int fds[2] = {open_port(atoi(argv[1])), open_port(atoi(argv[2]))};
  int ep = epoll_create1(EPOLL_CLOEXEC);
  struct epoll_event ev = {.events = EPOLLIN | EPOLLET, .data.fd = fds[0]};
  epoll_ctl(ep, EPOLL_CTL_ADD, fds[0], &ev);
  ev.events = EPOLLIN;
  ev.data.fd = fds[1];
  epoll_ctl(ep, EPOLL_CTL_ADD, fds[1], &ev);
  int handled = 0, wakeups = 0;
  while (handled < total) {
    struct epoll_event evs[8];
    int n = epoll_wait(ep, evs, 8, -1);
    if (n < 0) {
      perror("epoll_wait");
      return 1;
    }
    wakeups++;
    for (int i = 0; i < n; i++) {
      int fd = evs[i].data.fd;
      for (;;) { /* drain: required for the edge-triggered socket */
        char buf[512];
        struct sockaddr_in from;
        socklen_t fl = sizeof from;
        ssize_t r = recvfrom(fd, buf, sizeof buf, 0, (struct sockaddr *)&from, &fl);
        if (r < 0) {
          if (errno == EAGAIN) break;
          perror("recvfrom");
          return 1;
        }
        sendto(fd, buf, (size_t)r, 0, (struct sockaddr *)&from, fl);
        count(ntohl(from.sin_addr.s_addr));
        handled++;
      }
    }
  }
  for (int i = 0; i < nclients; i++)
    for (int j = i + 1; j < nclients; j++)
      if (addrs[j] < addrs[i]) {
        unsigned ta = addrs[i];
        addrs[i] = addrs[j];
        addrs[j] = ta;
        int tc = counts[i];
        counts[i] = counts[j];
        counts[j] = tc;
      }
  for (int i = 0; i < nclients; i++) {
    struct in_addr a = {htonl(addrs[i])};
    printf("%s: %d requests\n", inet_ntoa(a), counts[i]);
  }
  printf("handled %d requests from %d clients, %d epoll_wait wakeups\n", handled, nclients,
         wakeups);
  return 0;
}
