/* fchmod and fchown on descriptors of objects that live only in the kernel
 * (pipe, socket, eventfd): allowed to their owner, and fstat shows the bits. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

static void show(const char *what, int fd) {
  struct stat st;
  int before = fstat(fd, &st) == 0 ? (int)(st.st_mode & 07777) : -1;
  int r = fchmod(fd, 0640);
  int e = r < 0 ? errno : 0;
  fstat(fd, &st);
  printf("%s: fchmod 0640 = %d %s, mode %o -> %o, type kept %d\n", what, r, e ? strerror(e) : "-",
         before, (int)(st.st_mode & 07777), (st.st_mode & S_IFMT) != 0 || before >= 0);
  int same = fchown(fd, (uid_t)-1, (gid_t)-1);
  int same_errno = same < 0 ? errno : 0;
  int root = fchown(fd, 0, 0);
  int root_errno = root < 0 ? errno : 0;
  printf("%s: fchown(-1, -1) = %d %s, fchown(0, 0) = %d %s\n", what, same,
         same_errno ? strerror(same_errno) : "-", root, root_errno ? strerror(root_errno) : "-");
}

int main(void) {
  int p[2];
  if (pipe(p) != 0) return 1;
  show("pipe", p[0]);
  show("socket", socket(AF_INET, SOCK_STREAM, 0));
  show("eventfd", eventfd(0, 0));
  int r = fchmod(999, 0600);
  printf("bad fd: fchmod = %d %s\n", r, strerror(errno));
  return 0;
}
