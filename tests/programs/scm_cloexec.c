// Passes a descriptor over a unix socketpair with SCM_RIGHTS and reports
// whether the received copy is close-on-exec, for recvmsg and recvmmsg with
// and without MSG_CMSG_CLOEXEC. Prints the same lines on Linux.
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/** Sends one byte carrying `fd` in an SCM_RIGHTS control message. */
static int send_fd(int sock, int fd) {
  char byte = 'x';
  struct iovec iov = {.iov_base = &byte, .iov_len = 1};
  union {
    char buf[CMSG_SPACE(sizeof(int))];
    struct cmsghdr align;
  } control;
  memset(&control, 0, sizeof control);
  struct msghdr msg = {0};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control.buf;
  msg.msg_controllen = sizeof control.buf;
  struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
  cm->cmsg_level = SOL_SOCKET;
  cm->cmsg_type = SCM_RIGHTS;
  cm->cmsg_len = CMSG_LEN(sizeof(int));
  memcpy(CMSG_DATA(cm), &fd, sizeof(int));
  return sendmsg(sock, &msg, 0) == 1 ? 0 : -1;
}

/** The descriptor an SCM_RIGHTS message in msg carried, or -1. */
static int fd_in(struct msghdr *msg) {
  for (struct cmsghdr *cm = CMSG_FIRSTHDR(msg); cm != NULL; cm = CMSG_NXTHDR(msg, cm)) {
    if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS) {
      int fd;
      memcpy(&fd, CMSG_DATA(cm), sizeof(int));
      return fd;
    }
  }
  return -1;
}

/** Receives one message with recvmsg (mmsg == 0) or recvmmsg (mmsg == 1); returns the passed fd or
 * -1. */
static int recv_fd(int sock, int flags, int mmsg) {
  char byte;
  struct iovec iov = {.iov_base = &byte, .iov_len = 1};
  union {
    char buf[CMSG_SPACE(sizeof(int))];
    struct cmsghdr align;
  } control;
  struct mmsghdr mm;
  memset(&mm, 0, sizeof mm);
  mm.msg_hdr.msg_iov = &iov;
  mm.msg_hdr.msg_iovlen = 1;
  mm.msg_hdr.msg_control = control.buf;
  mm.msg_hdr.msg_controllen = sizeof control.buf;
  if (mmsg) {
    int n = recvmmsg(sock, &mm, 1, flags, NULL);
    if (n != 1 || mm.msg_len != 1) return -1;
  } else if (recvmsg(sock, &mm.msg_hdr, flags) != 1) {
    return -1;
  }
  return fd_in(&mm.msg_hdr);
}

static void check(int sv[2], int passed, const char *call, int mmsg, int flags, const char *label) {
  if (send_fd(sv[0], passed) != 0) {
    printf("%s %s: send failed: %s\n", call, label, strerror(errno));
    return;
  }
  int fd = recv_fd(sv[1], flags, mmsg);
  if (fd < 0) {
    printf("%s %s: no descriptor received\n", call, label);
    return;
  }
  int fdflags = fcntl(fd, F_GETFD);
  printf("%s %s: FD_CLOEXEC %d\n", call, label, fdflags >= 0 && (fdflags & FD_CLOEXEC) != 0);
  close(fd);
}

int main(void) {
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0) {
    perror("socketpair");
    return 1;
  }
  // An emulated descriptor to pass: the read end of a pipe.
  int p[2];
  if (pipe(p) != 0) {
    perror("pipe");
    return 1;
  }
  check(sv, p[0], "recvmsg", 0, 0, "plain");
  check(sv, p[0], "recvmsg", 0, MSG_CMSG_CLOEXEC, "MSG_CMSG_CLOEXEC");
  check(sv, p[0], "recvmmsg", 1, 0, "plain");
  check(sv, p[0], "recvmmsg", 1, MSG_CMSG_CLOEXEC, "MSG_CMSG_CLOEXEC");
  fflush(stdout);
  return 0;
}
