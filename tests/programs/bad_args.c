// Errors Linux defines for bad arguments, in its order of checks: SCM_RIGHTS
// naming a descriptor that is not open (EBADF on a unix socket, ignored on an
// inet one) and the temporary signal mask of epoll_pwait, epoll_pwait2, ppoll
// and pselect6 (EINVAL for a wrong size, EFAULT for an unreadable mask), and
// the open family given an unreadable path (EFAULT, not a crash in the shim).
// Same output natively and under umbra.
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static void show(const char *what, long r) {
  if (r < 0)
    printf("%s = -1 %s\n", what, strerrorname_np(errno));
  else
    printf("%s = %ld\n", what, r);
}

/* sendmsg of one byte with an SCM_RIGHTS message carrying fds[0..n). */
static long send_fds(int sock, const int *fds, int n) {
  char byte = 'x';
  struct iovec iov = {&byte, 1};
  union {
    char buf[CMSG_SPACE(4 * 300)];
    struct cmsghdr align;
  } u;
  memset(&u, 0, sizeof u);
  struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf};
  m.msg_controllen = CMSG_SPACE(sizeof(int) * (size_t)n);
  struct cmsghdr *c = CMSG_FIRSTHDR(&m);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(sizeof(int) * (size_t)n);
  memcpy(CMSG_DATA(c), fds, sizeof(int) * (size_t)n);
  return sendmsg(sock, &m, MSG_DONTWAIT);
}

static void scm_rights(void) {
  int sv[2];
  socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
  int pfd[2];
  if (pipe(pfd)) return;
  int good[1] = {pfd[0]};
  int closed[2] = {pfd[0], 900};
  int negative[1] = {-1};
  int many[254];
  for (int i = 0; i < 254; i++) many[i] = pfd[0];
  show("unix sendmsg SCM_RIGHTS {pipe}", send_fds(sv[0], good, 1));
  show("unix sendmsg SCM_RIGHTS {pipe, closed fd 900}", send_fds(sv[0], closed, 2));
  show("unix sendmsg SCM_RIGHTS {-1}", send_fds(sv[0], negative, 1));
  show("unix sendmsg SCM_RIGHTS with 254 fds", send_fds(sv[0], many, 254));
  char buf[8];
  show("unix recv gets only the first byte", recv(sv[1], buf, sizeof buf, MSG_DONTWAIT));
  int lone = socket(AF_UNIX, SOCK_STREAM, 0);
  show("unconnected unix sendmsg SCM_RIGHTS {closed fd}", send_fds(lone, closed + 1, 1));
  int u = socket(AF_INET, SOCK_DGRAM, 0);
  struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  socklen_t len = sizeof sa;
  bind(u, (struct sockaddr *)&sa, sizeof sa);
  getsockname(u, (struct sockaddr *)&sa, &len);
  connect(u, (struct sockaddr *)&sa, sizeof sa);
  show("udp sendmsg SCM_RIGHTS {closed fd}: ignored", send_fds(u, closed + 1, 1));
}

static void masks(void) {
  sigset_t set;
  sigemptyset(&set);
  void *bad = (void *)1;
  int ep = epoll_create1(0);
  struct epoll_event ev;
  struct timespec zero = {0, 0}, invalid = {-1, 0};
  show("epoll_pwait(mask unreadable)", syscall(SYS_epoll_pwait, ep, &ev, 1, 0, bad, 8));
  show("epoll_pwait(mask size 7)", syscall(SYS_epoll_pwait, ep, &ev, 1, 0, &set, 7));
  show("epoll_pwait(no mask, size 7)", syscall(SYS_epoll_pwait, ep, &ev, 1, 0, NULL, 7));
  show("epoll_pwait(good mask)", syscall(SYS_epoll_pwait, ep, &ev, 1, 0, &set, 8));
  show("epoll_pwait(bad epfd, mask unreadable)", syscall(SYS_epoll_pwait, 999, &ev, 1, 0, bad, 8));
  show("epoll_pwait(not epoll fd, good mask)", syscall(SYS_epoll_pwait, 0, &ev, 1, 0, &set, 8));
  show("epoll_pwait2(zero timeout, mask unreadable)",
       syscall(SYS_epoll_pwait2, ep, &ev, 1, &zero, bad, 8));
  show("epoll_pwait2(timeout unreadable, mask unreadable)",
       syscall(SYS_epoll_pwait2, ep, &ev, 1, bad, bad, 8));
  show("epoll_pwait2(timeout invalid, mask size 7)",
       syscall(SYS_epoll_pwait2, ep, &ev, 1, &invalid, &set, 7));
  show("epoll_pwait2(zero timeout, good mask)",
       syscall(SYS_epoll_pwait2, ep, &ev, 1, &zero, &set, 8));

  struct pollfd pfd = {.fd = ep, .events = POLLIN};
  show("ppoll(zero timeout, mask unreadable)", syscall(SYS_ppoll, &pfd, 1, &zero, bad, 8));
  show("ppoll(zero timeout, mask size 16)", syscall(SYS_ppoll, &pfd, 1, &zero, &set, 16));
  show("ppoll(timeout unreadable, mask size 16)", syscall(SYS_ppoll, &pfd, 1, bad, &set, 16));
  show("ppoll(zero timeout, good mask)", syscall(SYS_ppoll, &pfd, 1, &zero, &set, 8));

  fd_set rd;
  FD_ZERO(&rd);
  FD_SET(ep, &rd);
  struct {
    const void *ss;
    size_t len;
  } pack_bad = {bad, 8}, pack_size = {&set, 7}, pack_none = {NULL, 7}, pack_good = {&set, 8};
  show("pselect6(argpack unreadable)", syscall(SYS_pselect6, ep + 1, &rd, NULL, NULL, &zero, bad));
  show("pselect6(mask unreadable)",
       syscall(SYS_pselect6, ep + 1, &rd, NULL, NULL, &zero, &pack_bad));
  show("pselect6(mask size 7)", syscall(SYS_pselect6, ep + 1, &rd, NULL, NULL, &zero, &pack_size));
  show("pselect6(no mask, size 7)",
       syscall(SYS_pselect6, ep + 1, &rd, NULL, NULL, &zero, &pack_none));
  show("pselect6(good mask)", syscall(SYS_pselect6, ep + 1, &rd, NULL, NULL, &zero, &pack_good));
  show("pselect6(nfds -1, mask unreadable)",
       syscall(SYS_pselect6, -1, &rd, NULL, NULL, &zero, &pack_bad));
  show("pselect6(nfds -1, timeout unreadable)",
       syscall(SYS_pselect6, -1, &rd, NULL, NULL, bad, &pack_good));
  show("pselect6(nfds -1)", syscall(SYS_pselect6, -1, &rd, NULL, NULL, &zero, &pack_good));
  show("select(nfds -1, timeout unreadable)", syscall(SYS_select, -1, &rd, NULL, NULL, bad));
}

static void paths(void) {
  const char *bad = (const char *)1;
  show("open(path unreadable)", syscall(SYS_open, bad, O_RDONLY));
  show("open(path unreadable, O_PATH)", syscall(SYS_open, bad, O_PATH));
  show("openat(path unreadable)", syscall(SYS_openat, AT_FDCWD, bad, O_RDONLY));
  show("creat(path unreadable)", syscall(SYS_creat, bad, 0600));
  show("open(path empty)", syscall(SYS_open, "", O_RDONLY));
  show("open(path NULL)", syscall(SYS_open, NULL, O_RDONLY));
}

int main(void) {
  signal(SIGPIPE, SIG_IGN);
  scm_rights();
  masks();
  paths();
  return 0;
}
