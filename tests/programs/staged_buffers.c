// Buffers the shim carries in its channel (native/shim/stage.c) behave as
// Linux's: a read-only string can be written, a buffer that ends at a hole
// gets a short count, an unwritable or unmapped one EFAULT, value-result
// lengths and poll's revents come back, gather/scatter and msghdr calls move
// the right bytes. Same output natively and under umbra.
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

static void show(const char *what, long r) {
  if (r < 0)
    printf("%s = -1 %s\n", what, strerrorname_np(errno));
  else
    printf("%s = %ld\n", what, r);
}

/* NULL the compiler cannot see, so that it does not refuse the calls below. */
static void *volatile nowhere;

int main(void) {
  setvbuf(stdout, NULL, _IONBF, 0);
  /* Page 0 writable, page 1 read-only, page 2 unmapped. */
  char *pages = mmap(NULL, 3 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (pages == MAP_FAILED) return 1;
  munmap(pages + 2 * 4096, 4096);
  mprotect(pages + 4096, 4096, PROT_READ);
  char *before_ro = pages + 4096 - 10;
  char *readonly = pages + 4096;
  char *before_hole = pages + 2 * 4096 - 10;

  int p[2];
  if (pipe(p) != 0) return 1;
  char data[200];
  for (int i = 0; i < 200; i++) data[i] = (char)('a' + i % 26);
  show("write(pipe, string literal, 6)", write(p[1], "staged", 6));
  char small[16] = {0};
  show("read(pipe, small, 16)", read(p[0], small, sizeof small));
  printf("got '%s'\n", small);
  show("write(pipe, data, 100)", write(p[1], data, 100));
  show("read(pipe, 10 writable bytes then read-only, 100)", read(p[0], before_ro, 100));
  printf("first bytes '%.10s'\n", before_ro);
  show("read(pipe, read-only page, 50)", read(p[0], readonly, 50));
  show("read(pipe, NULL, 50)", read(p[0], nowhere, 50));
  show("read(pipe, rest, 100)", read(p[0], data + 100, 100));
  show("write(pipe, NULL, 5)", write(p[1], nowhere, 5));
  show("write(pipe, 10 bytes before a hole, 20)", write(p[1], before_hole + 1, 20));

  /* Gather and scatter. */
  struct iovec w[3] = {{(void *)"ab", 2}, {(void *)"", 0}, {(void *)"cdef", 4}};
  show("writev(pipe, ab + '' + cdef)", writev(p[1], w, 3));
  char r1[3] = {0}, r2[8] = {0};
  struct iovec r[2] = {{r1, 2}, {r2, 7}};
  show("readv(pipe, 2 + 7)", readv(p[0], r, 2));
  printf("readv got '%s' '%s'\n", r1, r2);

  /* poll: revents written back; fds on a read-only page cannot be. */
  show("write(pipe, x, 1)", write(p[1], "x", 1));
  struct pollfd pf[2] = {{p[0], POLLIN, 0}, {p[1], POLLOUT, 0}};
  show("poll(pipe ends)", poll(pf, 2, 0));
  printf("revents %d %d\n", pf[0].revents, pf[1].revents);
  struct pollfd *ro_pf = (struct pollfd *)readonly;
  show("poll(fds on a read-only page)", poll(ro_pf, 1, 0));

  /* UDP: the sender's address and its length come back. */
  int a = socket(AF_INET, SOCK_DGRAM, 0), b = socket(AF_INET, SOCK_DGRAM, 0);
  struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  socklen_t len = sizeof sa;
  bind(a, (struct sockaddr *)&sa, sizeof sa);
  getsockname(a, (struct sockaddr *)&sa, &len);
  show("sendto(datagram, read-only string)",
       sendto(b, "hello", 5, 0, (struct sockaddr *)&sa, sizeof sa));
  struct sockaddr_in from;
  socklen_t from_len = sizeof from;
  char buf[64] = {0};
  show("recvfrom(small buffer, addr)",
       recvfrom(a, buf, sizeof buf, 0, (struct sockaddr *)&from, &from_len));
  struct sockaddr_in b_addr;
  socklen_t b_len = sizeof b_addr;
  getsockname(b, (struct sockaddr *)&b_addr, &b_len);
  printf("payload '%s' from_len %u same port %d\n", buf, from_len,
         from.sin_port == b_addr.sin_port);
  show("sendto(again)", sendto(b, "again", 5, 0, (struct sockaddr *)&sa, sizeof sa));
  show("recvfrom(addrlen on a read-only page)",
       recvfrom(a, buf, sizeof buf, 0, (struct sockaddr *)&from, (socklen_t *)readonly));

  /* sendmsg/recvmsg: two buffers out, name and both buffers back. */
  struct iovec sv[2] = {{(void *)"split", 5}, {(void *)"-msg", 4}};
  struct msghdr sm = {.msg_name = &sa, .msg_namelen = sizeof sa, .msg_iov = sv, .msg_iovlen = 2};
  show("sendmsg(2 buffers)", sendmsg(b, &sm, 0));
  char m1[4] = {0}, m2[16] = {0};
  struct iovec rv[2] = {{m1, 3}, {m2, 15}};
  struct sockaddr_in mfrom;
  struct msghdr rm = {
      .msg_name = &mfrom, .msg_namelen = sizeof mfrom, .msg_iov = rv, .msg_iovlen = 2};
  show("recvmsg(3 + 15)", recvmsg(a, &rm, 0));
  printf("recvmsg got '%s' '%s' namelen %u flags %d\n", m1, m2, rm.msg_namelen, rm.msg_flags);
  return 0;
}
