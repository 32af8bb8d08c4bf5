// The *at family of x86-64 on real paths (under a fresh directory in the
// working directory) and on an emulated descriptor as dirfd (a pipe): the
// results and errnos Linux gives, printed so that a native run and a run
// under umbra compare. Calls the system headers do not name go by number.
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <unistd.h>

#define NR_FCHMODAT2 452
#define NR_GETXATTRAT 464

static void show(const char *what, long r) {
  if (r < 0)
    printf("%s = -1 %s\n", what, strerrorname_np(errno));
  else
    printf("%s = %ld\n", what, r);
}

/* For calls that return a descriptor: whether they did, not its number. */
static void show_fd(const char *what, long r) {
  show(what, r < 0 ? r : 0);
  if (r >= 0) close((int)r);
}

static long mtime_of(int dir, const char *name) {
  struct stat st;
  if (fstatat(dir, name, &st, AT_SYMLINK_NOFOLLOW) != 0) return -1;
  return (long)st.st_mtime;
}

static void on_paths(int d) {
  show("mkdirat(d, sub)", mkdirat(d, "sub", 0755));
  show_fd("openat(d, f, O_CREAT)", openat(d, "f", O_CREAT | O_WRONLY, 0644));
  struct open_how how = {.flags = O_RDONLY, .resolve = RESOLVE_BENEATH};
  show_fd("openat2(d, f, RESOLVE_BENEATH)", syscall(SYS_openat2, d, "f", &how, sizeof how));
  show_fd("openat2(d, ../x, RESOLVE_BENEATH)", syscall(SYS_openat2, d, "../x", &how, sizeof how));
  struct open_how bad = {.flags = O_RDONLY, .mode = 0644};
  show("openat2(d, f, mode without O_CREAT)", syscall(SYS_openat2, d, "f", &bad, sizeof bad));
  show("openat2(d, f, size 8)", syscall(SYS_openat2, d, "f", &how, 8));
  show("mknodat(d, fifo, S_IFIFO)", mknodat(d, "fifo", S_IFIFO | 0600, 0));
  show("fchownat(d, f, -1, -1, 0)", fchownat(d, "f", (uid_t)-1, (gid_t)-1, 0));
  show("fchmodat(d, f, 0600)", fchmodat(d, "f", 0600, 0));
  show("fchmodat2(d, f, 0640, 0)", syscall(NR_FCHMODAT2, d, "f", 0640, 0));
  show("symlinkat(f, d, link)", symlinkat("f", d, "link"));
  show("fchmodat2(d, link, 0600, AT_SYMLINK_NOFOLLOW)",
       syscall(NR_FCHMODAT2, d, "link", 0600, AT_SYMLINK_NOFOLLOW));
  char buf[64] = {0};
  show("readlinkat(d, link)", readlinkat(d, "link", buf, sizeof buf));
  printf("link -> %s\n", buf);
  show("faccessat(d, f, R_OK)", faccessat(d, "f", R_OK, 0));
  show("faccessat2(d, f, R_OK, AT_EACCESS)", syscall(SYS_faccessat2, d, "f", R_OK, AT_EACCESS));
  show("linkat(d, f, d, hard, 0)", linkat(d, "f", d, "hard", 0));
  show("renameat(d, hard, d, hard2)", renameat(d, "hard", d, "hard2"));
  show("renameat2(d, hard2, d, f, RENAME_NOREPLACE)",
       syscall(SYS_renameat2, d, "hard2", d, "f", 1));
  struct timeval tv[2] = {{1000000000, 5}, {1000000001, 7}};
  show("futimesat(d, f, times)", syscall(SYS_futimesat, d, "f", tv));
  printf("mtime %ld\n", mtime_of(d, "f"));
  struct timeval badtv[2] = {{1, 2000000}, {1, 0}};
  show("futimesat(d, f, usec 2000000)", syscall(SYS_futimesat, d, "f", badtv));
  show("futimesat(d, missing, times)", syscall(SYS_futimesat, d, "missing", tv));
  struct timespec ts[2] = {{1100000000, 0}, {1100000001, 0}};
  show("utimensat(d, f, times, 0)", utimensat(d, "f", ts, 0));
  printf("mtime %ld\n", mtime_of(d, "f"));
  struct stat st;
  show("fstatat(d, f)", fstatat(d, "f", &st, 0));
  struct statx stx;
  show("statx(d, f)", statx(d, "f", 0, STATX_BASIC_STATS, &stx));
  printf("statx size %llu mode %o\n", (unsigned long long)stx.stx_size, stx.stx_mode & 07777);
  struct {
    unsigned bytes;
    int type;
    unsigned char h[128];
  } fh = {.bytes = 128};
  int mnt;
  show("name_to_handle_at(d, f, 0)", syscall(SYS_name_to_handle_at, d, "f", &fh, &mnt, 0));
  show("fanotify_mark(999, ADD, OPEN, d, f)", syscall(SYS_fanotify_mark, 999, 1, 0x20ull, d, "f"));
  show("unlinkat(d, hard2, 0)", unlinkat(d, "hard2", 0));
  show("unlinkat(d, sub, AT_REMOVEDIR)", unlinkat(d, "sub", AT_REMOVEDIR));
}

static void on_emulated_fd(void) {
  int p[2];
  if (pipe(p)) return;
  int e = p[0];
  show("mkdirat(pipe, x)", mkdirat(e, "x", 0755));
  show("openat(pipe, x)", openat(e, "x", O_RDONLY));
  show("fstatat(pipe, x)", ({
         struct stat st;
         fstatat(e, "x", &st, 0);
       }));
  show("futimesat(pipe, NULL, NULL)", syscall(SYS_futimesat, e, NULL, NULL));
  struct timeval badtv[2] = {{1, -1}, {1, 0}};
  show("futimesat(pipe, NULL, usec -1)", syscall(SYS_futimesat, e, NULL, badtv));
  show("futimesat(pipe, NULL, unreadable)", syscall(SYS_futimesat, e, NULL, (void *)8));
  show("utimensat(pipe, NULL, NULL, 0)", syscall(SYS_utimensat, e, NULL, NULL, 0));
  show("utimensat(pipe, NULL, NULL, AT_SYMLINK_NOFOLLOW)",
       syscall(SYS_utimensat, e, NULL, NULL, AT_SYMLINK_NOFOLLOW));
  struct timespec badts[2] = {{1, 1000000000}, {1, 0}};
  show("utimensat(pipe, NULL, nsec 1e9, 0)", syscall(SYS_utimensat, e, NULL, badts, 0));
  show("utimensat(pipe, \"\", NULL, AT_EMPTY_PATH)",
       syscall(SYS_utimensat, e, "", NULL, AT_EMPTY_PATH));
  show("fchownat(pipe, \"\", -1, -1, AT_EMPTY_PATH)",
       fchownat(e, "", (uid_t)-1, (gid_t)-1, AT_EMPTY_PATH));
  show("fchownat(pipe, \"\", -1, -1, 0)", fchownat(e, "", (uid_t)-1, (gid_t)-1, 0));
  show("fchmodat2(pipe, \"\", 0600, AT_EMPTY_PATH)",
       syscall(NR_FCHMODAT2, e, "", 0600, AT_EMPTY_PATH));
  show("faccessat2(pipe, \"\", R_OK, AT_EMPTY_PATH)",
       syscall(SYS_faccessat2, e, "", R_OK, AT_EMPTY_PATH));
  show("faccessat2(pipe, \"\", X_OK, AT_EMPTY_PATH)",
       syscall(SYS_faccessat2, e, "", X_OK, AT_EMPTY_PATH));
  show("faccessat2(pipe, \"\", 8, AT_EMPTY_PATH)",
       syscall(SYS_faccessat2, e, "", 8, AT_EMPTY_PATH));
  show("linkat(pipe, \"\", AT_FDCWD, l, AT_EMPTY_PATH)",
       linkat(e, "", AT_FDCWD, "at-test-link", AT_EMPTY_PATH));
  char handle[128];
  int mount_id;
  *(unsigned *)handle = 64;
  show("name_to_handle_at(pipe, \"\", AT_EMPTY_PATH)",
       syscall(SYS_name_to_handle_at, e, "", handle, &mount_id, AT_EMPTY_PATH));
  struct {
    unsigned long long value;
    unsigned size, flags;
  } xa = {(unsigned long long)(uintptr_t)handle, sizeof handle, 0};
  show("getxattrat(pipe, \"\", AT_EMPTY_PATH, user.x)",
       syscall(NR_GETXATTRAT, e, "", AT_EMPTY_PATH, "user.x", &xa, sizeof xa));
  show("fchownat(pipe, bad path, AT_EMPTY_PATH)",
       fchownat(e, (const char *)8, (uid_t)-1, (gid_t)-1, AT_EMPTY_PATH));
  show("readlinkat(pipe, \"\")", readlinkat(e, "", handle, sizeof handle));
  struct statx px;
  memset(&px, 0xff, sizeof px);
  show("statx(pipe, \"\", AT_EMPTY_PATH)", statx(e, "", AT_EMPTY_PATH, STATX_BASIC_STATS, &px));
  printf("statx fifo %d mode %o nlink %u blksize %u basic %d\n", S_ISFIFO(px.stx_mode),
         px.stx_mode & 07777, px.stx_nlink, px.stx_blksize,
         (px.stx_mask & STATX_BASIC_STATS) == STATX_BASIC_STATS);
  show("statx(pipe, \"\", AT_EMPTY_PATH, reserved mask)",
       statx(e, "", AT_EMPTY_PATH, 0x80000000u, &px));
  close(p[0]);
  close(p[1]);
}

int main(void) {
  char dir[] = "at-test-XXXXXX";
  if (!mkdtemp(dir)) return 1;
  int d = open(dir, O_RDONLY | O_DIRECTORY);
  on_paths(d);
  on_emulated_fd();
  /* Dev/urandom through openat2 is the simulator's, as through openat. */
  struct open_how how = {.flags = O_RDONLY};
  long r = syscall(SYS_openat2, AT_FDCWD, "/dev/urandom", &how, sizeof how);
  char b[16];
  show("openat2(/dev/urandom) then read 16", r < 0 ? r : read((int)r, b, sizeof b));
  return 0;
}
