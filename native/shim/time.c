/* Simulated time inside the managed process, with no round trip: the clock
 * functions (interposed and patched into the vDSO), rdtsc/rdtscp emulation
 * and its start-up self-test, and the unblocked-syscall CPU-latency model. */
#include <elf.h>
#include <errno.h>
#include <signal.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/time.h>
#include <time.h>
#include <ucontext.h>

#include "shim.h"
#include "spin.h"

uint64_t shim_now_ns(void) {
  int64_t base = __atomic_load_n(&shim_host->realtime_base_ns, __ATOMIC_RELAXED);
  return (uint64_t)base + __atomic_load_n(&shim_host->sim_time_ns, __ATOMIC_RELAXED);
}

/* Charge simulated CPU time for work that did not block. Time moves locally
 * while that cannot overtake the next event; otherwise the simulator decides.
 * Callers are inside a shim entry point, so a preemption tick cannot start a
 * second conversation while the YIELD is in flight. */
void shim_charge_latency(uint64_t ns) {
  umbra_host *h = shim_host;
  if (!h || !shim_host_config.model_unblocked_syscall_latency || !shim_channel) return;
  uint64_t pending = h->unapplied_latency_ns + ns;
  if (pending <= shim_host_config.max_unapplied_latency_ns) {
    h->unapplied_latency_ns = pending;
    return;
  }
  uint64_t target = h->sim_time_ns + pending;
  if (target <= h->max_runahead_ns) {
    __atomic_store_n(&h->sim_time_ns, target, __ATOMIC_RELAXED);
    h->unapplied_latency_ns = 0;
    return;
  }
  h->unapplied_latency_ns = pending;
  long args[6] = {UMBRA_YIELD_LATENCY, 0, 0, 0, 0, 0};
  shim_forward_pseudo(UMBRA_SYS_YIELD, args);
}

uint64_t shim_monotonic_ns(void) {
  return UMBRA_BOOT_NS + __atomic_load_n(&shim_host->sim_time_ns, __ATOMIC_RELAXED);
}

static int attached(void) {
  return shim_host != NULL && shim_channel != NULL;
}

/* ---- the spin rule (spin.h), on every clock read of an attached thread ----
 * Independent of the CPU-latency model: a loop that waits for the clock to
 * pass a deadline must end under the default configuration too. The charge
 * moves the clock locally while that cannot overtake the next event, like
 * shim_charge_latency; otherwise the simulator applies it (UMBRA_YIELD_SPIN)
 * and lets whatever comes first run. */
static void spin_clock_read(void) {
#ifdef UMBRA_NO_SPIN_RULE /* only in the baseline shim of bench/spin.ts */
  return;
#endif
  umbra_channel *ch = shim_channel;
  umbra_host *h = shim_host;
  uint64_t now = __atomic_load_n(&h->sim_time_ns, __ATOMIC_RELAXED);
  uint64_t ns = umbra_spin_read(&ch->spin_since_ns, &ch->spin_reads, now);
  if (ns == 0) return;
  uint64_t pending = h->unapplied_latency_ns + ns;
  if (now + pending <= h->max_runahead_ns) {
    __atomic_store_n(&h->sim_time_ns, now + pending, __ATOMIC_RELAXED);
    h->unapplied_latency_ns = 0;
  } else {
    h->unapplied_latency_ns = pending;
    long args[6] = {UMBRA_YIELD_SPIN, 0, 0, 0, 0, 0};
    shim_forward_pseudo(UMBRA_SYS_YIELD, args);
  }
  umbra_spin_charged(&ch->spin_since_ns, __atomic_load_n(&h->sim_time_ns, __ATOMIC_RELAXED));
}

/* Shared by the libc interposers, the vDSO patches and the trapped syscalls. */
static long time_clock_gettime(long clk, struct timespec *ts) {
  if (!attached()) return RAW2(SYS_clock_gettime, clk, ts);
  if (clk > 11) return -EINVAL; /* negative ids are CPU clocks of a pid/tid: monotonic-like */
  if (!ts) return -EFAULT;
  int realtime = clk == CLOCK_REALTIME || clk == CLOCK_REALTIME_COARSE ||
                 clk == CLOCK_REALTIME_ALARM || clk == CLOCK_TAI;
  uint64_t now = realtime ? shim_now_ns() : shim_monotonic_ns();
  ts->tv_sec = (time_t)(now / 1000000000ull);
  ts->tv_nsec = (long)(now % 1000000000ull);
  shim_charge_latency(shim_host_config.unblocked_vdso_latency_ns);
  spin_clock_read();
  return 0;
}

static long time_gettimeofday(struct timeval *tv, void *tz) {
  if (!attached()) return RAW2(SYS_gettimeofday, tv, tz);
  if (tv) {
    uint64_t now = shim_now_ns();
    tv->tv_sec = (time_t)(now / 1000000000ull);
    tv->tv_usec = (suseconds_t)((now % 1000000000ull) / 1000);
  }
  shim_charge_latency(shim_host_config.unblocked_vdso_latency_ns);
  spin_clock_read();
  return 0;
}

static long time_time(time_t *t) {
  if (!attached()) return RAW1(SYS_time, t);
  time_t secs = (time_t)(shim_now_ns() / 1000000000ull);
  if (t) *t = secs;
  shim_charge_latency(shim_host_config.unblocked_vdso_latency_ns);
  spin_clock_read();
  return secs;
}

static long time_clock_getres(long clk, struct timespec *res) {
  if (!attached()) return RAW2(SYS_clock_getres, clk, res);
  if (clk > 11) return -EINVAL;
  if (res) {
    res->tv_sec = 0;
    res->tv_nsec = 1;
  }
  return 0;
}

static int set_errno(long r) {
  if (r < 0 && r > -4096) {
    errno = (int)-r;
    return -1;
  }
  return (int)r;
}

/* ---- libc interposition (LD_PRELOAD wins symbol lookup) ---------------- */
/* Program code calls these directly: each is a shim entry point. */

__attribute__((visibility("default"))) int clock_gettime(clockid_t clk, struct timespec *ts) {
  int prev = shim_enter();
  long r = time_clock_gettime(clk, ts);
  shim_leave(prev);
  return set_errno(r);
}
__attribute__((visibility("default"))) int __clock_gettime(clockid_t clk, struct timespec *ts) {
  int prev = shim_enter();
  long r = time_clock_gettime(clk, ts);
  shim_leave(prev);
  return set_errno(r);
}
__attribute__((visibility("default"))) int gettimeofday(struct timeval *tv, void *tz) {
  int prev = shim_enter();
  long r = time_gettimeofday(tv, tz);
  shim_leave(prev);
  return set_errno(r);
}
__attribute__((visibility("default"))) time_t time(time_t *t) {
  int prev = shim_enter();
  long r = time_time(t);
  shim_leave(prev);
  return (time_t)r;
}
__attribute__((visibility("default"))) int clock_getres(clockid_t clk, struct timespec *res) {
  int prev = shim_enter();
  long r = time_clock_getres(clk, res);
  shim_leave(prev);
  return set_errno(r);
}

/* vDSO entry points return -errno like the kernel; the patched vDSO jumps here
 * from program code, so they are entry points too. */
static long vdso_clock_gettime(long clk, struct timespec *ts) {
  int prev = shim_enter();
  long r = time_clock_gettime(clk, ts);
  shim_leave(prev);
  return r;
}
static long vdso_gettimeofday(struct timeval *tv, void *tz) {
  int prev = shim_enter();
  long r = time_gettimeofday(tv, tz);
  shim_leave(prev);
  return r;
}
static long vdso_time(time_t *t) {
  int prev = shim_enter();
  long r = time_time(t);
  shim_leave(prev);
  return r;
}
static long vdso_clock_getres(long clk, struct timespec *res) {
  int prev = shim_enter();
  long r = time_clock_getres(clk, res);
  shim_leave(prev);
  return r;
}

int shim_handle_time_syscall(long nr, const long a[6], long *ret) {
  switch (nr) {
  case SYS_clock_gettime: *ret = time_clock_gettime(a[0], (struct timespec *)a[1]); return 1;
  case SYS_gettimeofday: *ret = time_gettimeofday((struct timeval *)a[0], (void *)a[1]); return 1;
  case SYS_time: *ret = time_time((time_t *)a[0]); return 1;
  case SYS_clock_getres: *ret = time_clock_getres(a[0], (struct timespec *)a[1]); return 1;
  default: return 0;
  }
}

/* ---- vDSO patching: code that reads the clock without any syscall ------- */

static void patch_jump(uint8_t *at, void *target) {
  /* movabs r11, target ; jmp r11 */
  uint64_t t = (uint64_t)(uintptr_t)target;
  at[0] = 0x49;
  at[1] = 0xbb;
  for (int i = 0; i < 8; i++) at[2 + i] = (uint8_t)(t >> (8 * i));
  at[10] = 0x41;
  at[11] = 0xff;
  at[12] = 0xe3;
}

void shim_patch_vdso(void) {
  uint8_t *base = (uint8_t *)getauxval(AT_SYSINFO_EHDR);
  if (!base) return;
  Elf64_Ehdr *eh = (Elf64_Ehdr *)base;
  if (eh->e_ident[EI_MAG0] != ELFMAG0 || eh->e_ident[EI_MAG1] != ELFMAG1) return;
  Elf64_Phdr *ph = (Elf64_Phdr *)(base + eh->e_phoff);
  uintptr_t load_bias = (uintptr_t)base;
  uint64_t image_size = 0;
  for (int i = 0; i < eh->e_phnum; i++) {
    if (ph[i].p_type == PT_LOAD) {
      load_bias = (uintptr_t)base + ph[i].p_offset - ph[i].p_vaddr;
      image_size = ph[i].p_offset + ph[i].p_memsz;
      break;
    }
  }
  Elf64_Shdr *sh = (Elf64_Shdr *)(base + eh->e_shoff);
  Elf64_Sym *syms = NULL;
  const char *strs = NULL;
  size_t nsyms = 0;
  for (int i = 0; i < eh->e_shnum; i++) {
    if (sh[i].sh_type == SHT_DYNSYM) {
      syms = (Elf64_Sym *)(base + sh[i].sh_offset);
      nsyms = sh[i].sh_size / sizeof(Elf64_Sym);
      strs = (const char *)(base + sh[sh[i].sh_link].sh_offset);
    }
  }
  if (!syms || !image_size) return;
  struct {
    const char *name;
    void *target;
  } wanted[] = {
      {"__vdso_clock_gettime", (void *)vdso_clock_gettime},
      {"__vdso_gettimeofday", (void *)vdso_gettimeofday},
      {"__vdso_time", (void *)vdso_time},
      {"__vdso_clock_getres", (void *)vdso_clock_getres},
  };
  uintptr_t start = (uintptr_t)base & ~(uintptr_t)4095;
  uintptr_t end = ((uintptr_t)base + image_size + 4095) & ~(uintptr_t)4095;
  if (RAW3(SYS_mprotect, start, end - start, PROT_READ | PROT_WRITE | PROT_EXEC) != 0) {
    shim_log("umbra shim: warning: cannot make the vDSO writable; vDSO clock reads stay native\n");
    return;
  }
  for (size_t i = 0; i < nsyms; i++) {
    const char *n = strs + syms[i].st_name;
    for (size_t w = 0; w < sizeof wanted / sizeof wanted[0]; w++) {
      if (shim_streq(n, wanted[w].name) && syms[i].st_size >= 13) {
        patch_jump((uint8_t *)(load_bias + syms[i].st_value), wanted[w].target);
      }
    }
  }
  RAW3(SYS_mprotect, start, end - start, PROT_READ | PROT_EXEC);
}

/* ---- rdtsc / rdtscp, trapped as SIGSEGV by PR_SET_TSC ------------------- */

/* Emulated rdtsc/rdtscp on this thread; the self-test watches it move. */
#define tsc_emulated (shim_self()->tsc_emulated)

static int emulate_tsc(siginfo_t *info, ucontext_t *uc) {
  greg_t *g = uc->uc_mcontext.gregs;
  uint8_t *ip = (uint8_t *)g[REG_RIP];
  if (info->si_code != SI_KERNEL || !shim_header || ip[0] != 0x0f ||
      !(ip[1] == 0x31 || (ip[1] == 0x01 && ip[2] == 0xf9)))
    return 0;
  int is_rdtscp = ip[1] == 0x01;
  /* A fixed base: the TSC keeps counting steadily when a realtime clock jumps. */
  uint64_t ns =
      shim_host ? UMBRA_EPOCH_NS + __atomic_load_n(&shim_host->sim_time_ns, __ATOMIC_RELAXED) : 0;
  unsigned __int128 ticks = (unsigned __int128)ns * shim_config.tsc_hz / 1000000000ull;
  uint64_t tsc = (uint64_t)ticks;
  g[REG_RAX] = (greg_t)(tsc & 0xffffffffu);
  g[REG_RDX] = (greg_t)(tsc >> 32);
  if (is_rdtscp) g[REG_RCX] = 0;
  g[REG_RIP] += is_rdtscp ? 3 : 2;
  tsc_emulated++;
  if (shim_host) shim_charge_latency(shim_host_config.unblocked_vdso_latency_ns);
  if (attached()) spin_clock_read();
  return 1;
}

void shim_sigsegv_handler(int sig, void *info, void *uc) {
  if (shim_copy_fault_fixup(uc)) return;
  int prev = shim_enter();
  /* Not rdtsc: a genuine fault; the simulator decides (the program's handler, or death). */
  if (!emulate_tsc(info, uc)) shim_fault(sig, info, uc, prev);
  shim_leave(prev);
}

/* PR_SET_TSC succeeds on some VMs without rdtsc faulting; only executing one
 * tells. The trap leaves rax/rdx holding the emulated value, so the counter is
 * the evidence, not the value. */
uint32_t shim_tsc_self_test(void) {
  if (RAW2(SYS_prctl, PR_SET_TSC, PR_TSC_SIGSEGV) != 0) return UMBRA_TSC_NOT_TRAPPED;
  unsigned long before = tsc_emulated;
  uint32_t lo, hi;
  __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi)::"memory");
  (void)lo;
  (void)hi;
  return tsc_emulated != before ? UMBRA_TSC_TRAPPED : UMBRA_TSC_NOT_TRAPPED;
}
