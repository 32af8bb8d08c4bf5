/* A hostile managed program: tries to get out of the simulation.
 *   net PORT        reach a native TCP server on 127.0.0.1:PORT by every route it
 *                   knows (libc, syscall(), dlsym of shim internals, jumping to the
 *                   shim's own `syscall; ret` bytes) and prints how each one ended
 *   pseudo          issues the shim's pseudo-syscall numbers as its own syscalls
 *   scribble-kind   posts a message of an unknown kind on its own channel
 *   scribble-clock  moves its host's clock an hour forward in the shared region
 *   scribble-hosts  writes a path over the header, then resolves NAME (argv[2])
 *   scribble-settings  breaks the header (magic, tsc rate, preemption) and its
 *                   host's latency settings, then exits: later shims must not care
 * Each result is one line: "<route>: <return value> <errno name>". */
#include <arpa/inet.h>
#include <dlfcn.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../../native/include/umbra_ipc.h"

static const char *errname(int e) {
  switch (e) {
  case 0: return "OK";
  case EPERM: return "EPERM";
  case ENOSYS: return "ENOSYS";
  case ECONNREFUSED: return "ECONNREFUSED";
  case ENETUNREACH: return "ENETUNREACH";
  case EACCES: return "EACCES";
  case ESRCH: return "ESRCH";
  default: return "other";
  }
}

static void report(const char *route, long r, int e) {
  printf("%s: %ld %s\n", route, r, r < 0 ? errname(e) : "OK");
  fflush(stdout);
}

/* Calls `syscall; ret` at g with the kernel's register convention. The red
 * zone below the stack pointer is stepped over: `call` pushes into it. */
static long call_gadget(void *g, long nr, long a1, long a2, long a3, long a4) {
  long ret;
  register long r10 __asm__("r10") = a4;
  __asm__ volatile("sub $128, %%rsp\n\tcall *%[g]\n\tadd $128, %%rsp"
                   : "=a"(ret)
                   : "a"(nr), "D"(a1), "S"(a2), "d"(a3), "r"(r10), [g] "r"(g)
                   : "rcx", "r11", "r8", "r9", "memory");
  return ret;
}

/* The native parent pid: getppid() is simulated, /proc is not. */
static long native_ppid(void) {
  char buf[512];
  FILE *f = fopen("/proc/self/stat", "r");
  if (!f) return -1;
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  fclose(f);
  buf[n] = 0;
  char *p = strrchr(buf, ')');
  return p ? strtol(p + 4, NULL, 10) : -1;
}

static struct sockaddr_in target(int port) {
  struct sockaddr_in a;
  memset(&a, 0, sizeof a);
  a.sin_family = AF_INET;
  a.sin_port = htons((uint16_t)port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return a;
}

/* Every `0f 05 c3` in executable mappings of no file, at most `max`: the
 * shim's raw page, the one range whose syscalls the filter lets run
 * natively (the copies in libumbra_shim.so's text trap like the program's). */
static int find_gadgets(void **out, int max) {
  FILE *f = fopen("/proc/self/maps", "r");
  if (!f) return 0;
  char line[512];
  int n = 0;
  while (n < max && fgets(line, sizeof line, f)) {
    unsigned long lo, hi, off, inode;
    char perms[8], dev[16];
    int used = 0;
    if (sscanf(line, "%lx-%lx %7s %lx %15s %lu %n", &lo, &hi, perms, &off, dev, &inode, &used) < 6)
      continue;
    if (strcmp(perms, "r-xp") != 0 || inode != 0 || (line[used] != '\0' && line[used] != '\n'))
      continue;
    for (uint8_t *p = (uint8_t *)lo; p + 3 <= (uint8_t *)hi && n < max; p++)
      if (p[0] == 0x0f && p[1] == 0x05 && p[2] == 0xc3) out[n++] = p;
  }
  fclose(f);
  return n;
}

static int net(int port) {
  struct sockaddr_in a = target(port);
  int s = socket(AF_INET, SOCK_STREAM, 0);
  long r = connect(s, (struct sockaddr *)&a, sizeof a);
  report("libc connect", r, errno);
  close(s);

  long fd = syscall(SYS_socket, AF_INET, SOCK_STREAM, 0);
  r = syscall(SYS_connect, fd, &a, sizeof a);
  report("syscall connect", r, errno);
  close((int)fd);

  const char *names[] = {"umbra_raw_syscall", "umbra_syscall", "__start_umbra_raw",
                         "umbra_clone_thread", "shim_syscall"};
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
    printf("dlsym %s: %s\n", names[i], dlsym(RTLD_DEFAULT, names[i]) ? "found" : "NULL");

  void *g[8];
  int ng = find_gadgets(g, 8);
  printf("gadgets: %d\n", ng);
  long ppid = native_ppid();
  for (int i = 0; i < ng; i++) {
    char route[64];
    long rs = call_gadget(g[i], SYS_socket, AF_INET, SOCK_STREAM, 0, 0);
    snprintf(route, sizeof route, "gadget %d socket", i);
    report(route, rs < 0 ? -1 : rs, rs < 0 ? (int)-rs : 0);
    if (rs >= 0) {
      long rc = call_gadget(g[i], SYS_connect, rs, (long)&a, sizeof a, 0);
      snprintf(route, sizeof route, "gadget %d connect", i);
      report(route, rc < 0 ? -1 : rc, rc < 0 ? (int)-rc : 0);
    }
    /* Signal 0 only asks whether the simulator's process could be reached. */
    long rk = call_gadget(g[i], SYS_kill, ppid, 0, 0, 0);
    snprintf(route, sizeof route, "gadget %d kill", i);
    report(route, rk < 0 ? -1 : rk, rk < 0 ? (int)-rk : 0);
    long rt = call_gadget(g[i], SYS_tgkill, ppid, ppid, 0, 0);
    snprintf(route, sizeof route, "gadget %d tgkill", i);
    report(route, rt < 0 ? -1 : rt, rt < 0 ? (int)-rt : 0);
    long rp = call_gadget(g[i], SYS_ptrace, 16 /* PTRACE_ATTACH */, ppid, 0, 0);
    snprintf(route, sizeof route, "gadget %d ptrace", i);
    report(route, rp < 0 ? -1 : rp, rp < 0 ? (int)-rp : 0);
  }
  return 0;
}

static int pseudo(void) {
  const long nrs[] = {UMBRA_SYS_YIELD, UMBRA_SYS_SIGRETURN, UMBRA_SYS_FAULT};
  for (size_t i = 0; i < sizeof nrs / sizeof nrs[0]; i++) {
    errno = 0;
    long r = syscall(nrs[i], 11, 0, 0, 0, 0, 0);
    char route[32];
    snprintf(route, sizeof route, "syscall %ld", nrs[i]);
    report(route, r, errno);
  }
  return 0;
}

/* The shared region as the shim mapped it (the memfd is named "umbra"). */
static uint8_t *find_region(void) {
  FILE *f = fopen("/proc/self/maps", "r");
  if (!f) return NULL;
  char line[512];
  uint8_t *found = NULL;
  while (!found && fgets(line, sizeof line, f)) {
    unsigned long lo, hi;
    if (strstr(line, "memfd:umbra") && sscanf(line, "%lx-%lx", &lo, &hi) == 2 &&
        hi - lo == UMBRA_SHM_SIZE)
      found = (uint8_t *)lo;
  }
  fclose(f);
  return found;
}

static umbra_channel *own_channel(uint8_t *shm) {
  int pid = 0;
  char buf[32];
  ssize_t n = readlink("/proc/self", buf, sizeof buf - 1);
  if (n > 0) buf[n] = 0, pid = atoi(buf);
  for (int i = 0; i < UMBRA_MAX_THREADS; i++) {
    umbra_channel *ch = (umbra_channel *)(shm + UMBRA_OFF_CHANNELS + (uint64_t)i * sizeof *ch);
    if (ch->native_pid == pid && ch->native_tid == pid) return ch;
  }
  return NULL;
}

static int scribble(const char *what, const char *name) {
  uint8_t *shm = find_region();
  umbra_channel *ch = shm ? own_channel(shm) : NULL;
  if (!ch) {
    printf("region not found\n");
    return 1;
  }
  printf("found region and channel\n");
  fflush(stdout);
  if (!strcmp(what, "kind")) {
    /* Post the message the way the shim does, then wait to be ended. */
    ch->kind = 99;
    __atomic_store_n(&ch->state, UMBRA_CH_REQUEST, __ATOMIC_SEQ_CST);
    for (;;) __builtin_ia32_pause();
  }
  if (!strcmp(what, "settings")) {
    umbra_header *hd = (umbra_header *)shm;
    hd->magic = 0;
    hd->version = 999;
    hd->tsc_hz = 1;
    hd->preempt_enabled = 1;
    hd->preempt_native_interval_us = 1;
    hd->preempt_sim_interval_ns = 3600ull * 1000000000ull;
    umbra_host *h = (umbra_host *)(shm + UMBRA_OFF_HOSTS + (uint64_t)ch->host * sizeof *h);
    h->model_unblocked_syscall_latency = 1;
    h->unblocked_syscall_latency_ns = 1000000000ull;
    h->unblocked_vdso_latency_ns = 1000000000ull;
    h->max_unapplied_latency_ns = 0;
    printf("scribbled\n");
    return 0;
  }
  if (!strcmp(what, "clock")) {
    umbra_host *h = (umbra_host *)(shm + UMBRA_OFF_HOSTS + (uint64_t)ch->host * sizeof *h);
    h->sim_time_ns += 3600ull * 1000000000ull;
    usleep(1000);
    printf("still alive\n");
    return 0;
  }
  /* Where umbra kept the substitute for /etc/hosts before, and the rest of the header. */
  const char evil[] = "/nonexistent/hosts";
  for (size_t off = 48; off + sizeof evil < 4096; off += sizeof evil)
    memcpy(shm + off, evil, sizeof evil);
  struct addrinfo hints, *res = NULL;
  memset(&hints, 0, sizeof hints);
  hints.ai_family = AF_INET;
  int r = getaddrinfo(name, NULL, &hints, &res);
  if (r != 0) {
    printf("resolve %s: %s\n", name, gai_strerror(r));
    return 1;
  }
  char ip[INET_ADDRSTRLEN];
  inet_ntop(AF_INET, &((struct sockaddr_in *)res->ai_addr)->sin_addr, ip, sizeof ip);
  printf("resolve %s: %s\n", name, ip);
  freeaddrinfo(res);
  return 0;
}

int main(int argc, char **argv) {
  if (argc >= 3 && !strcmp(argv[1], "net")) return net(atoi(argv[2]));
  if (argc >= 2 && !strcmp(argv[1], "pseudo")) return pseudo();
  if (argc >= 2 && !strncmp(argv[1], "scribble-", 9))
    return scribble(argv[1] + 9, argc >= 3 ? argv[2] : "localhost");
  fprintf(stderr, "usage: escape net PORT | pseudo | scribble-{kind,clock,hosts} [NAME]\n");
  return 2;
}
