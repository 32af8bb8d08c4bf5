// A program that is not deterministic on purpose, for the determinism checker's
// test: `run_counter FILE` appends one byte to FILE (outside the data
// directory, shared by every run) and takes the offset after its own append as
// its run number, so each run sees another value even when two run at once.
// It then sends a UDP datagram of that many bytes to itself and prints it.
#include <arpa/inet.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: run_counter FILE\n");
    return 2;
  }
  int fd = open(argv[1], O_WRONLY | O_APPEND | O_CREAT, 0644);
  if (fd < 0 || write(fd, "x", 1) != 1) {
    perror(argv[1]);
    return 1;
  }
  off_t n = lseek(fd, 0, SEEK_CUR);
  close(fd);
  printf("run %ld\n", (long)n);
  fflush(stdout);
  sleep(1);
  int s = socket(AF_INET, SOCK_DGRAM, 0);
  struct sockaddr_in a;
  memset(&a, 0, sizeof a);
  a.sin_family = AF_INET;
  a.sin_port = htons(9000);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof a) != 0) {
    perror("socket");
    return 1;
  }
  char buf[64] = {0};
  size_t len = (size_t)n < sizeof buf ? (size_t)n : sizeof buf;
  if (sendto(s, buf, len, 0, (struct sockaddr *)&a, sizeof a) < 0) perror("sendto");
  ssize_t got = recv(s, buf, sizeof buf, 0);
  printf("received %zd\n", got);
  return 0;
}
