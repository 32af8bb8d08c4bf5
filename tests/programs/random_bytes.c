// getrandom and the random devices. `random_bytes linux` prints what Linux
// defines (results and errnos, never the bytes), so a native run and a run
// under umbra print the same. `random_bytes stream` prints the bytes of a
// fixed sequence of draws (getrandom, /dev/urandom, a fork child's getrandom)
// through write(2) only: no stdio, so no malloc draws a tcache key in between.
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

static void show(const char *what, long r) {
  if (r < 0)
    printf("%s = -1 %s\n", what, strerrorname_np(errno));
  else
    printf("%s = %ld\n", what, r);
}

static long sys_getrandom(void *buf, size_t len, unsigned flags) {
  return syscall(SYS_getrandom, buf, len, flags);
}

static int all_zero(const unsigned char *b, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (b[i]) return 0;
  return 1;
}

static int linux_semantics(void) {
  static unsigned char big[100000];
  unsigned char a[16], b[16];
  long page = sysconf(_SC_PAGESIZE);
  unsigned char *pages =
      mmap(NULL, 2 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (pages == MAP_FAILED || mprotect(pages + page, page, PROT_NONE) != 0) return 1;
  unsigned char *edge = pages + page - 10; /* 10 writable bytes, then a hole */

  show("getrandom(buf, 0, 0)", sys_getrandom(a, 0, 0));
  show("getrandom(NULL, 0, 0)", sys_getrandom(NULL, 0, 0));
  show("getrandom(buf, 16, 0x8)", sys_getrandom(a, 16, 0x8));
  show("getrandom(buf, 16, RANDOM|INSECURE)", sys_getrandom(a, 16, GRND_RANDOM | GRND_INSECURE));
  show("getrandom(NULL, 16, 0)", sys_getrandom(NULL, 16, 0));
  show("getrandom(1, 16, 0)", sys_getrandom((void *)1, 16, 0));
  show("getrandom(read-only page, 16, 0)",
       sys_getrandom((void *)"read-only string literal", 16, 0));
  show("getrandom(10 bytes before a hole, 100, 0)", sys_getrandom(edge, 100, 0));
  show("getrandom(buf, 100000, NONBLOCK)", sys_getrandom(big, sizeof big, GRND_NONBLOCK));
  show("getrandom(buf, 16, RANDOM)", sys_getrandom(a, 16, GRND_RANDOM));
  show("getrandom(buf, 16, INSECURE)", sys_getrandom(a, 16, GRND_INSECURE));
  show("getrandom(buf, 7, 0)", getrandom(b, 7, 0));
  sys_getrandom(a, 16, 0);
  sys_getrandom(b, 16, 0);
  printf("two draws differ %d, zero %d\n", memcmp(a, b, 16) != 0,
         all_zero(a, 16) || all_zero(b, 16));
  printf("large draw has zero 4 KiB %d\n", all_zero(big + 4096, 4096));

  int fd = open("/dev/urandom", O_RDWR);
  show("open /dev/urandom", fd >= 0 ? 0 : -1);
  struct stat st;
  show("fstat", fstat(fd, &st));
  printf("char device %d\n", S_ISCHR(st.st_mode));
  show("read(urandom, buf, 0)", read(fd, a, 0));
  show("read(urandom, buf, 16)", read(fd, a, 16));
  show("read(urandom, NULL, 16)", syscall(SYS_read, fd, NULL, 16));
  show("read(urandom, 10 bytes before a hole, 100)", read(fd, edge, 100));
  show("read(urandom, buf, 100000)", read(fd, big, sizeof big));
  struct iovec iov[2] = {{a, 5}, {b, 11}};
  show("readv(urandom, 5 + 11)", readv(fd, iov, 2));
  show("write(urandom, 4 bytes)", write(fd, "seed", 4));
  close(fd);
  fd = open("/dev/random", O_RDONLY);
  show("read(random, buf, 16)", read(fd, a, 16));
  close(fd);
  return 0;
}

static void put_hex(const char *label, const unsigned char *b, size_t n) {
  char line[128];
  size_t k = 0;
  for (const char *p = label; *p; p++) line[k++] = *p;
  line[k++] = ' ';
  for (size_t i = 0; i < n; i++) {
    line[k++] = "0123456789abcdef"[b[i] >> 4];
    line[k++] = "0123456789abcdef"[b[i] & 15];
  }
  line[k++] = '\n';
  if (write(1, line, k) != (ssize_t)k) _exit(3);
}

/* Draws in a fixed order; the test replays the host's stream to check each. */
static int stream(void) {
  unsigned char b[16];
  put_hex("at_random", (const unsigned char *)getauxval(AT_RANDOM), 16);
  if (sys_getrandom(b, 5, 0) != 5) return 1;
  put_hex("getrandom5", b, 5);
  int fd = open("/dev/urandom", O_RDONLY);
  if (fd < 0 || read(fd, b, 16) != 16) return 2;
  close(fd);
  put_hex("urandom16", b, 16);
  if (sys_getrandom(b, 16, 0) != 16) return 1;
  put_hex("getrandom16", b, 16);
  pid_t child = fork();
  if (child == 0) {
    if (sys_getrandom(b, 16, 0) != 16) _exit(1);
    put_hex("child16", b, 16);
    _exit(0);
  }
  int status;
  if (child < 0 || waitpid(child, &status, 0) != child || status != 0) return 4;
  if (sys_getrandom(b, 16, 0) != 16) return 1;
  put_hex("parent16", b, 16);
  return 0;
}

int main(int argc, char **argv) {
  if (argc == 2 && strcmp(argv[1], "linux") == 0) return linux_semantics();
  if (argc == 2 && strcmp(argv[1], "stream") == 0) return stream();
  fprintf(stderr, "usage: random_bytes linux|stream\n");
  return 2;
}
