/* umbra-loader: runs a statically linked program under the simulation. The
 * kernel starts this small static binary (at a fixed address far from where
 * static programs live) with the program's argv and environment; it attaches
 * to the simulation exactly as the shim does in a dynamic program (the shim's
 * own sources are linked in, its constructor runs here), maps the program's
 * PT_LOAD segments, gives it a fresh initial stack whose auxiliary vector
 * describes the program, and jumps to its entry point. From then on the
 * shim's seccomp filter traps every syscall the program makes.
 *
 * It also carries an execve done in place (UMBRA_CHANNEL flag ",x"): the
 * process keeps its filter, so the first instructions of every new image must
 * be the loader's, whose syscalls run from the fixed raw page. A dynamic
 * program is then mapped with its ELF interpreter, as the kernel would, and
 * entered through ld.so, whose syscalls a pass-through SIGSYS handler runs
 * natively until the program's preloaded shim attaches and takes over. */
#include <elf.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/auxv.h>
#include <ucontext.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/prctl.h>

#include "../shim/shim.h"
#include "loader.h"

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif
#define PAGE 4096ul
#define PAGE_DOWN(x) ((x) & ~(PAGE - 1))
#define PAGE_UP(x) (((x) + PAGE - 1) & ~(PAGE - 1))
/* Room left between the loader's frames and the program's initial stack. */
#define STACK_GAP_BYTES (64ul * 1024)
#define MAX_PHDRS_BYTES 4096

extern char **environ;
extern void (*__init_array_start[])(void) __attribute__((visibility("hidden")));
extern void (*__init_array_end[])(void) __attribute__((visibility("hidden")));

/* What the auxiliary vector tells the program about itself. */
struct image {
  uint64_t entry;
  uint64_t phdr;
  uint64_t phnum;
  uint64_t phent;
  uint64_t base; /* load bias: AT_BASE, for the interpreter */
};

/* PT_INTERP of the program: its dynamic linker (in-place exec only). */
static char interp_path[4096];

static void fail(const char *what, const char *path) {
  shim_log("umbra loader: ");
  shim_log(what);
  if (path) {
    shim_log(": ");
    shim_log(path);
  }
  shim_log("\n");
  shim_exit(127);
}

static int is_error(long r) {
  return r < 0 && r > -4096;
}

static long map_at(uint64_t addr, uint64_t len, int prot, int flags, long fd, uint64_t off) {
  return RAW6(SYS_mmap, addr, len, prot, flags, fd, off);
}

static int elf_prot(uint32_t flags) {
  return ((flags & PF_R) ? PROT_READ : 0) | ((flags & PF_W) ? PROT_WRITE : 0) |
         ((flags & PF_X) ? PROT_EXEC : 0);
}

/* One PT_LOAD segment at bias: its file part, the zeroed tail of its last file
 * page, and anonymous pages for the rest of its memory size (.bss). */
static void map_segment(const Elf64_Phdr *ph, uint64_t bias, long fd, const char *path) {
  uint64_t start = bias + ph->p_vaddr;
  uint64_t page = PAGE_DOWN(start);
  uint64_t file_end = start + ph->p_filesz;
  uint64_t mem_end = start + ph->p_memsz;
  int prot = elf_prot(ph->p_flags);
  int has_bss = ph->p_memsz > ph->p_filesz;
  if (ph->p_filesz > 0) {
    long r = map_at(page, file_end - page, prot | (has_bss ? PROT_WRITE : 0),
                    MAP_PRIVATE | MAP_FIXED, fd, PAGE_DOWN(ph->p_offset));
    if (is_error(r)) fail("cannot map a segment of", path);
    if (has_bss) {
      /* The whole rest of the page, as the kernel clears it: ld.so's early
       * allocator takes the memory after its own data to be zero. */
      for (uint64_t a = file_end; a < PAGE_UP(file_end); a++) *(volatile char *)a = 0;
      if (!(prot & PROT_WRITE) && RAW3(SYS_mprotect, page, file_end - page, prot) != 0)
        fail("cannot protect a segment of", path);
    }
  }
  uint64_t anon = ph->p_filesz > 0 ? PAGE_UP(file_end) : page;
  if (PAGE_UP(mem_end) > anon) {
    long r =
        map_at(anon, PAGE_UP(mem_end) - anon, prot, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    if (is_error(r)) fail("cannot map the zeroed memory of", path);
  }
}

/* What the kernel's /proc/self/exe would name (the file, symlinks resolved),
 * kept in private memory: the program may overwrite its environment strings. */
static char exe_path[4096];

static void canonical_path(long fd, const char *path) {
  char proc[40] = "/proc/self/fd/";
  char digits[12];
  int n = 0, at = 14;
  long v = fd;
  do digits[n++] = (char)('0' + v % 10);
  while ((v /= 10) && n < 11);
  while (n) proc[at++] = digits[--n];
  proc[at] = 0;
  long len = RAW3(SYS_readlink, proc, exe_path, sizeof exe_path - 1);
  if (len <= 0) fail("cannot name the file of", path);
  exe_path[len] = 0;
}

/* Maps the ELF at path (ET_EXEC where it was linked, ET_DYN wherever the
 * kernel finds room) and describes it for the auxiliary vector. The program
 * (`main`) may name an interpreter only when `dynamic_ok`; it goes to interp_path. */
static void load(const char *path, struct image *img, int main, int dynamic_ok) {
  long fd = RAW3(SYS_openat, AT_FDCWD, path, O_RDONLY | O_CLOEXEC);
  if (is_error(fd)) fail("cannot open", path);
  Elf64_Ehdr eh;
  if (RAW4(SYS_pread64, fd, &eh, sizeof eh, 0) != (long)sizeof eh)
    fail("cannot read the ELF header of", path);
  if (eh.e_ident[EI_MAG0] != ELFMAG0 || eh.e_ident[EI_MAG1] != ELFMAG1 ||
      eh.e_ident[EI_MAG2] != ELFMAG2 || eh.e_ident[EI_MAG3] != ELFMAG3 ||
      eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_machine != EM_X86_64 ||
      (eh.e_type != ET_EXEC && eh.e_type != ET_DYN) || eh.e_phentsize != sizeof(Elf64_Phdr) ||
      eh.e_phnum == 0 || (uint64_t)eh.e_phnum * sizeof(Elf64_Phdr) > MAX_PHDRS_BYTES)
    fail("not an x86-64 ELF executable", path);
  static Elf64_Phdr ph[MAX_PHDRS_BYTES / sizeof(Elf64_Phdr)];
  long want = (long)(eh.e_phnum * sizeof(Elf64_Phdr));
  if (RAW4(SYS_pread64, fd, ph, want, eh.e_phoff) != want)
    fail("cannot read the program headers of", path);
  uint64_t lo = ~0ul, hi = 0, phdr_vaddr = 0;
  int has_phdr = 0;
  for (int i = 0; i < eh.e_phnum; i++) {
    if (ph[i].p_type == PT_INTERP) {
      if (!main || !dynamic_ok) fail("a dynamically linked program is not for the loader", path);
      if (ph[i].p_filesz == 0 || ph[i].p_filesz >= sizeof interp_path ||
          RAW4(SYS_pread64, fd, interp_path, ph[i].p_filesz, ph[i].p_offset) !=
              (long)ph[i].p_filesz)
        fail("cannot read the interpreter's name in", path);
      interp_path[ph[i].p_filesz] = 0;
    }
    if (ph[i].p_type == PT_PHDR) {
      phdr_vaddr = ph[i].p_vaddr;
      has_phdr = 1;
    }
    if (ph[i].p_type != PT_LOAD) continue;
    if ((ph[i].p_vaddr - ph[i].p_offset) % PAGE != 0) fail("misaligned segment in", path);
    if (PAGE_DOWN(ph[i].p_vaddr) < lo) lo = PAGE_DOWN(ph[i].p_vaddr);
    if (PAGE_UP(ph[i].p_vaddr + ph[i].p_memsz) > hi) hi = PAGE_UP(ph[i].p_vaddr + ph[i].p_memsz);
    if (!has_phdr && eh.e_phoff >= ph[i].p_offset && eh.e_phoff < ph[i].p_offset + ph[i].p_filesz)
      phdr_vaddr = ph[i].p_vaddr + (eh.e_phoff - ph[i].p_offset);
  }
  if (hi <= lo) fail("no loadable segment in", path);
  /* Reserve the whole span first: segments land at fixed offsets from each
   * other, and an ET_EXEC must not be mapped over the loader. */
  long base;
  if (eh.e_type == ET_DYN) {
    base = map_at(0, hi - lo, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  } else {
    base = map_at(lo, hi - lo, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    if (!is_error(base) && (uint64_t)base != lo) fail("the program's address range is taken", path);
  }
  if (is_error(base)) fail("no room for the program's address range", path);
  uint64_t bias = (uint64_t)base - lo;
  for (int i = 0; i < eh.e_phnum; i++)
    if (ph[i].p_type == PT_LOAD) map_segment(&ph[i], bias, fd, path);
  if (main) canonical_path(fd, path);
  RAW1(SYS_close, fd);
  img->base = bias;
  img->entry = bias + eh.e_entry;
  img->phdr = bias + phdr_vaddr;
  img->phnum = eh.e_phnum;
  img->phent = sizeof(Elf64_Phdr);
}

/* Switches to the program's initial stack and enters it as the kernel would:
 * rdx (the dynamic linker's finalizer) is zero, so libc registers none. */
static void __attribute__((noreturn)) enter(uint64_t sp, uint64_t entry) {
  /* Fixed registers: the two cleared here must not be the ones holding sp or entry. */
  __asm__ volatile("movq %%rcx, %%rsp\n\t"
                   "xorl %%edx, %%edx\n\t"
                   "xorl %%ebp, %%ebp\n\t"
                   "jmpq *%%rax\n\t"
                   :
                   : "c"(sp), "a"(entry)
                   : "memory");
  __builtin_unreachable();
}

/* The program's initial stack, well below the loader's frames on the same
 * native stack: argc, argv as the loader got it, the environment without
 * umbra's variables, and the auxiliary vector rewritten for the program. */
static int is_loader_var(const char *e) {
  static const char name[] = "UMBRA_LOADER_EXE=";
  for (size_t i = 0; i < sizeof name - 1; i++)
    if (e[i] != name[i]) return 0;
  return 1;
}

static uint64_t build_stack(uint64_t *orig_sp, const uint64_t *auxv, const struct image *img,
                            const char *path, uint64_t interp_base) {
  long argc = (long)orig_sp[0];
  char **argv = (char **)(orig_sp + 1);
  long nenv = 0;
  while (environ[nenv]) nenv++;
  long naux = 0;
  while (auxv[2 * naux] != AT_NULL) naux++;
  uint64_t words = 1 + (uint64_t)(argc + 1) + (uint64_t)(nenv + 1) + 2 * (uint64_t)(naux + 1);
  uint64_t sp = ((uint64_t)orig_sp - STACK_GAP_BYTES - 8 * words) & ~15ul;
  uint64_t *w = (uint64_t *)sp;
  *w++ = (uint64_t)argc;
  for (long i = 0; i <= argc; i++) *w++ = (uint64_t)argv[i];
  /* The loader's own variable goes (a program's shim scrubs the others, two of them). */
  for (long i = 0; i <= nenv; i++)
    if (!environ[i] || !is_loader_var(environ[i])) *w++ = (uint64_t)environ[i];
  for (long i = 0; i <= naux; i++) {
    uint64_t type = auxv[2 * i], value = auxv[2 * i + 1];
    switch (type) {
    case AT_PHDR: value = img->phdr; break;
    case AT_PHNUM: value = img->phnum; break;
    case AT_PHENT: value = img->phent; break;
    case AT_ENTRY: value = img->entry; break;
    case AT_BASE: value = interp_base; break;
    case AT_EXECFN: value = (uint64_t)path; break;
    default: break;
    }
    *w++ = type;
    *w++ = value;
  }
  /* One word fewer when the loader's variable was dropped: the vector ends with AT_NULL anyway. */
  return sp;
}

/* ld.so's syscalls, trapped by the filter the process kept: run natively, as
 * they would before any shim is loaded. */
static void pass_through(int sig, siginfo_t *info, void *ucv) {
  (void)sig;
  (void)info;
  greg_t *g = ((ucontext_t *)ucv)->uc_mcontext.gregs;
  g[REG_RAX] = umbra_raw_syscall(g[REG_RAX], g[REG_RDI], g[REG_RSI], g[REG_RDX], g[REG_R10],
                                 g[REG_R8], g[REG_R9]);
}

/* AT_RANDOM before ld.so reads it (stack protector, pointer guard): the
 * bytes the simulator drew for the new image, in its channel. */
static void seed_at_random(const char *channel) {
  long slot = shim_channel_slot(channel);
  if (slot < 0 || slot >= UMBRA_MAX_THREADS) fail("bad channel slot", NULL);
  uint64_t off = UMBRA_OFF_CHANNELS + (uint64_t)slot * sizeof(umbra_channel);
  uint64_t page = PAGE_DOWN(off);
  long m = map_at(0, 2 * PAGE, PROT_READ, MAP_SHARED, UMBRA_SHM_FD, page);
  if (is_error(m)) fail("cannot map the simulation's shared region", NULL);
  const umbra_channel *ch = (const umbra_channel *)(m + (off - page));
  uint8_t *at_random = (uint8_t *)getauxval(AT_RANDOM);
  if (at_random)
    for (int i = 0; i < 16; i++) at_random[i] = ch->random[i];
  RAW2(SYS_munmap, m, 2 * PAGE);
}

/* The program's shim answers /proc/self/exe with its file, not the loader's:
 * the name waits for it on the page after the raw page. */
static void hand_over_exe_path(void) {
  long m = map_at(UMBRA_HANDOFF_PAGE, PAGE, PROT_READ | PROT_WRITE,
                  MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
  if (m != (long)UMBRA_HANDOFF_PAGE) fail("cannot map the hand-over page", NULL);
  char *to = (char *)m;
  size_t n = shim_strlen(exe_path);
  if (n >= PAGE) fail("the program's path is too long", exe_path);
  for (size_t i = 0; i <= n; i++) to[i] = exe_path[i];
}

void loader_main(uint64_t *sp) __attribute__((noreturn, used));
void loader_main(uint64_t *sp) {
  long argc = (long)sp[0];
  environ = (char **)(sp + 1 + argc + 1);
  char **e = environ;
  while (*e) e++;
  const uint64_t *auxv = (const uint64_t *)(e + 1);
  loader_set_auxv(auxv);
  /* First of all: after an in-place execve only the raw page may make syscalls. */
  shim_raw_setup();
  const char *path = getenv("UMBRA_LOADER_EXE");
  if (!path || !path[0])
    fail("started without a program (umbra runs it: UMBRA_LOADER_EXE is unset)", NULL);
  const char *channel = getenv("UMBRA_CHANNEL");
  if (!channel) fail("started outside a simulation (UMBRA_CHANNEL is unset)", NULL);
  int in_place = shim_channel_flag(channel, 'x');
  struct image img;
  load(path, &img, 1, in_place);
  shim_exe_path = exe_path;
  /* The name ps and /proc/self/comm show, as exec gives it (the last part of the path it was
   * given, symlinks kept): the program's, not the loader's. */
  const char *base = path;
  for (const char *c = path; *c; c++)
    if (*c == '/') base = c + 1;
  char comm[16] = {0};
  for (int i = 0; i < 15 && base[i]; i++) comm[i] = base[i];
  RAW2(SYS_prctl, PR_SET_NAME, comm);
  if (interp_path[0]) {
    /* A dynamic program, exec'd in place: its own shim attaches once ld.so preloads it. */
    struct image interp;
    load(interp_path, &interp, 0, 0);
    seed_at_random(channel);
    hand_over_exe_path();
    /* The rdtsc trap survives execve; until the program's shim sets it again and can
     * answer it, ld.so reads the real counter, as in any process before its shim loads. */
    RAW2(SYS_prctl, PR_SET_TSC, PR_TSC_ENABLE);
    struct ksigaction act = {(void *)pass_through, SA_SIGINFO | SA_NODEFER | SA_RESTORER,
                             (void *)umbra_restore_rt, 0};
    if (RAW4(SYS_rt_sigaction, SIGSYS, &act, 0, 8) != 0) fail("cannot handle SIGSYS for", path);
    enter(build_stack(sp, auxv, &img, path, interp.base), interp.entry);
  }
  /* The shim's constructor: attach, handlers, filter, AT_RANDOM, the vDSO. */
  for (void (**f)(void) = __init_array_start; f < __init_array_end; f++) (*f)();
  enter(build_stack(sp, auxv, &img, path, 0), img.entry);
}

__asm__(".text\n"
        ".globl _start\n"
        ".type _start,@function\n"
        "_start:\n"
        "  xorl %ebp, %ebp\n"
        "  movq %rsp, %rdi\n"
        "  andq $-16, %rsp\n"
        "  call loader_main\n"
        "  hlt\n"
        ".size _start, .-_start\n");
