// PHOLD, the classic parallel-simulation benchmark: `phold INDEX HOSTS SEED SECONDS [PORT [WORK]]`.
// Every host holds one message at start; on each receive it waits a random simulated
// delay (uniform 0..1 s; with queueing about one message per host per simulated second) and sends
// one datagram to a random peer. Peers are addressed by index: hosts named in index order get
// 11.0.0.1 upward with .0 and .255 skipped (umbra's automatic addresses). At SECONDS it
// prints what it sent and received and exits 0. WORK > 0: each receive also costs that many
// rounds of pure computation (no syscalls), as a program with real work between its messages.
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static uint64_t rng_state;

// xorshift64*: tiny, seeded from argv, the same sequence on every run.
static uint64_t next_random(void) {
  rng_state ^= rng_state >> 12;
  rng_state ^= rng_state << 25;
  rng_state ^= rng_state >> 27;
  return rng_state * 2685821657736338717ULL;
}

static long long now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static uint32_t address_of(long index) {
  return 0x0b000000u + (uint32_t)(index / 254) * 256u + (uint32_t)(index % 254) + 1u;
}

static int send_one(int fd, long hosts, int port, long long *sent) {
  long peer = (long)(next_random() % (uint64_t)hosts);
  struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
  to.sin_addr.s_addr = htonl(address_of(peer));
  long long delay_ns = (long long)(next_random() % 1000000000ULL);
  struct timespec d = {.tv_sec = delay_ns / 1000000000LL, .tv_nsec = delay_ns % 1000000000LL};
  while (nanosleep(&d, &d) != 0 && errno == EINTR) {
  }
  char msg[32];
  int len = snprintf(msg, sizeof msg, "%lld", *sent);
  if (sendto(fd, msg, (size_t)len, 0, (struct sockaddr *)&to, sizeof to) != len) {
    perror("sendto");
    return -1;
  }
  (*sent)++;
  return 0;
}

int main(int argc, char **argv) {
  if (argc < 5) {
    fprintf(stderr, "usage: phold INDEX HOSTS SEED SECONDS [PORT]\n");
    return 2;
  }
  long index = atol(argv[1]), hosts = atol(argv[2]);
  long long seconds = atoll(argv[4]);
  int port = argc > 5 ? atoi(argv[5]) : 9000;
  long work = argc > 6 ? atol(argv[6]) : 0;
  uint64_t digest = 0;
  rng_state = (strtoull(argv[3], NULL, 10) + 1) * 0x9E3779B97F4A7C15ULL ^ (uint64_t)(index + 1);
  if (rng_state == 0) rng_state = 1;
  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
  a.sin_addr.s_addr = htonl(INADDR_ANY);
  if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) != 0) {
    perror("bind");
    return 1;
  }
  long long start = now_ns(), end = start + seconds * 1000000000LL;
  long long sent = 0, received = 0;
  if (send_one(fd, hosts, port, &sent) != 0) return 1;
  for (;;) {
    long long left = end - now_ns();
    if (left <= 0) break;
    struct pollfd p = {.fd = fd, .events = POLLIN};
    int r = poll(&p, 1, (int)((left + 999999) / 1000000));
    if (r < 0 && errno != EINTR) {
      perror("poll");
      return 1;
    }
    if (r <= 0) continue;
    char buf[64];
    if (recv(fd, buf, sizeof buf, 0) < 0) {
      perror("recv");
      return 1;
    }
    received++;
    for (long i = 0; i < work; i++)
      digest = digest * 6364136223846793005ULL + (uint64_t)i + (uint8_t)buf[0];
    if (now_ns() < end && send_one(fd, hosts, port, &sent) != 0) return 1;
  }
  if (work > 0)
    printf("host %ld sent %lld received %lld digest %016llx\n", index, sent, received,
           (unsigned long long)digest);
  else
    printf("host %ld sent %lld received %lld\n", index, sent, received);
  return 0;
}
