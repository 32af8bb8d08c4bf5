/* use_preload_libc: the libc wrappers of the hot syscalls (read, write, send*,
 * recv*, poll, epoll_wait, and syscall() for futex and a few id calls) enter
 * the shim as a function call, skipping the seccomp trap and its signal frame.
 * They do what the trapped path does, with a stand-in for the trap's
 * registers, and keep libc's contract: -1 and errno, cancellation points. */
#include <dlfcn.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stddef.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <ucontext.h>

#include "shim.h"

#define EXPORT __attribute__((visibility("default")))

/* Set at start-up (UMBRA_CHANNEL ends in ",l"); fork children keep it, exec gets it again. */
int umbra_preload_on __attribute__((visibility("hidden")));

void shim_libc_init(int enabled) {
  umbra_preload_on = enabled;
}

/* libc's own functions: what a wrapper is when use_preload_libc is off. Found
 * before the shim's other start-up work; until then (another library's
 * constructor) a wrapper runs the trapped path, which is what libc's does. */
void *umbra_real_syscall __attribute__((visibility("hidden")));
static ssize_t (*real_read)(int, void *, size_t);
static ssize_t (*real_write)(int, const void *, size_t);
static ssize_t (*real_readv)(int, const struct iovec *, int);
static ssize_t (*real_writev)(int, const struct iovec *, int);
static ssize_t (*real_send)(int, const void *, size_t, int);
static ssize_t (*real_sendto)(int, const void *, size_t, int, const struct sockaddr *, socklen_t);
static ssize_t (*real_sendmsg)(int, const struct msghdr *, int);
static ssize_t (*real_recv)(int, void *, size_t, int);
static ssize_t (*real_recvfrom)(int, void *, size_t, int, struct sockaddr *, socklen_t *);
static ssize_t (*real_recvmsg)(int, struct msghdr *, int);
static int (*real_poll)(struct pollfd *, nfds_t, int);
static int (*real_ppoll)(struct pollfd *, nfds_t, const struct timespec *, const sigset_t *);
static int (*real_epoll_wait)(int, struct epoll_event *, int, int);
static int (*real_epoll_pwait)(int, struct epoll_event *, int, int, const sigset_t *);

#define FIND(name) real_##name = (__typeof__(real_##name))dlsym(RTLD_NEXT, #name)
__attribute__((constructor(101))) static void find_libc(void) {
  umbra_real_syscall = dlsym(RTLD_NEXT, "syscall");
  FIND(read);
  FIND(write);
  FIND(readv);
  FIND(writev);
  FIND(send);
  FIND(sendto);
  FIND(sendmsg);
  FIND(recv);
  FIND(recvfrom);
  FIND(recvmsg);
  FIND(poll);
  FIND(ppoll);
  FIND(epoll_wait);
  FIND(epoll_pwait);
}
#define OFF_THEN_LIBC(name, ...)                                                                   \
  if (!umbra_preload_on && real_##name) return real_##name(__VA_ARGS__)

/* The same syscall instruction a libc wrapper runs: trapped into the shim when
 * the filter is on, native before it is (or in a process umbra did not start). */
static long trapped(long nr, long a0, long a1, long a2, long a3, long a4, long a5) {
  register long r10 __asm__("r10") = a3;
  register long r8 __asm__("r8") = a4;
  register long r9 __asm__("r9") = a5;
  long ret;
  __asm__ volatile("syscall"
                   : "=a"(ret)
                   : "0"(nr), "D"(a0), "S"(a1), "d"(a2), "r"(r10), "r"(r8), "r"(r9)
                   : "rcx", "r11", "memory");
  return ret;
}

/* One syscall through the shim as if trapped: the SIGSYS handler's work
 * without the signal. A handler the simulator asks for runs on the stand-in
 * context, on this stack (or the alternate one, as Linux would choose). */
static long enter(long nr, long a0, long a1, long a2, long a3, long a4, long a5) {
  struct shim_thread *t = shim_self();
  /* Not attached, or already inside the shim: exactly what the trap does then. */
  if (!umbra_preload_on || !t->channel || t->context != SHIM_CTX_APP)
    return trapped(nr, a0, a1, a2, a3, a4, a5);
  int prev = shim_enter();
  uint64_t sp = (uint64_t)__builtin_frame_address(0);
  /* A handler delivered here earlier that longjmp()ed out left its record. */
  if (t->handler_depth > 0) shim_handlers_prune(t, sp);
  ucontext_t uc;
  __builtin_memset(&uc, 0, offsetof(ucontext_t, __fpregs_mem));
  greg_t *g = uc.uc_mcontext.gregs;
  g[REG_RSP] = (greg_t)sp;
  g[REG_RIP] = (greg_t)__builtin_return_address(0);
  g[REG_RAX] = nr;
  g[REG_RDI] = a0;
  g[REG_RSI] = a1;
  g[REG_RDX] = a2;
  g[REG_R10] = a3;
  g[REG_R8] = a4;
  g[REG_R9] = a5;
  long a[6] = {a0, a1, a2, a3, a4, a5};
  void *outer = t->trap_uc;
  t->trap_uc = &uc;
  long r = shim_syscall(nr, a);
  t->trap_uc = outer;
  shim_leave(prev);
  return r;
}

static long set_errno(long r) {
  if ((unsigned long)r > -4096ul) {
    errno = (int)-r;
    return -1;
  }
  return r;
}

/* A cancellation point, as glibc makes one: asynchronous cancellation is on
 * while the call may block, so an emulated SIGCANCEL delivered during it
 * cancels the thread (and one already pending cancels it on entry). */
static long cancellable(long nr, long a0, long a1, long a2, long a3, long a4, long a5) {
  int old_type;
  pthread_setcanceltype(PTHREAD_CANCEL_ASYNCHRONOUS, &old_type);
  long r = enter(nr, a0, a1, a2, a3, a4, a5);
  pthread_setcanceltype(old_type, NULL);
  return set_errno(r);
}

EXPORT ssize_t read(int fd, void *buf, size_t n) {
  OFF_THEN_LIBC(read, fd, buf, n);
  return cancellable(SYS_read, fd, (long)buf, (long)n, 0, 0, 0);
}

EXPORT ssize_t write(int fd, const void *buf, size_t n) {
  OFF_THEN_LIBC(write, fd, buf, n);
  return cancellable(SYS_write, fd, (long)buf, (long)n, 0, 0, 0);
}

EXPORT ssize_t readv(int fd, const struct iovec *iov, int n) {
  OFF_THEN_LIBC(readv, fd, iov, n);
  return cancellable(SYS_readv, fd, (long)iov, n, 0, 0, 0);
}

EXPORT ssize_t writev(int fd, const struct iovec *iov, int n) {
  OFF_THEN_LIBC(writev, fd, iov, n);
  return cancellable(SYS_writev, fd, (long)iov, n, 0, 0, 0);
}

EXPORT ssize_t send(int fd, const void *buf, size_t n, int flags) {
  OFF_THEN_LIBC(send, fd, buf, n, flags);
  return cancellable(SYS_sendto, fd, (long)buf, (long)n, flags, 0, 0);
}

EXPORT ssize_t sendto(int fd, const void *buf, size_t n, int flags, const struct sockaddr *to,
                      socklen_t tolen) {
  OFF_THEN_LIBC(sendto, fd, buf, n, flags, to, tolen);
  return cancellable(SYS_sendto, fd, (long)buf, (long)n, flags, (long)to, tolen);
}

EXPORT ssize_t sendmsg(int fd, const struct msghdr *msg, int flags) {
  OFF_THEN_LIBC(sendmsg, fd, msg, flags);
  return cancellable(SYS_sendmsg, fd, (long)msg, flags, 0, 0, 0);
}

EXPORT ssize_t recv(int fd, void *buf, size_t n, int flags) {
  OFF_THEN_LIBC(recv, fd, buf, n, flags);
  return cancellable(SYS_recvfrom, fd, (long)buf, (long)n, flags, 0, 0);
}

EXPORT ssize_t recvfrom(int fd, void *buf, size_t n, int flags, struct sockaddr *from,
                        socklen_t *fromlen) {
  OFF_THEN_LIBC(recvfrom, fd, buf, n, flags, from, fromlen);
  return cancellable(SYS_recvfrom, fd, (long)buf, (long)n, flags, (long)from, (long)fromlen);
}

EXPORT ssize_t recvmsg(int fd, struct msghdr *msg, int flags) {
  OFF_THEN_LIBC(recvmsg, fd, msg, flags);
  return cancellable(SYS_recvmsg, fd, (long)msg, flags, 0, 0, 0);
}

EXPORT int poll(struct pollfd *fds, nfds_t n, int timeout_ms) {
  OFF_THEN_LIBC(poll, fds, n, timeout_ms);
  return (int)cancellable(SYS_poll, (long)fds, (long)n, timeout_ms, 0, 0, 0);
}

/* The kernel writes the time left back into the timeout; libc's ppoll hides that. */
EXPORT int ppoll(struct pollfd *fds, nfds_t n, const struct timespec *timeout,
                 const sigset_t *mask) {
  OFF_THEN_LIBC(ppoll, fds, n, timeout, mask);
  struct timespec copy;
  if (timeout) copy = *timeout;
  return (int)cancellable(SYS_ppoll, (long)fds, (long)n, timeout ? (long)&copy : 0, (long)mask, 8,
                          0);
}

EXPORT int epoll_wait(int epfd, struct epoll_event *events, int max, int timeout_ms) {
  OFF_THEN_LIBC(epoll_wait, epfd, events, max, timeout_ms);
  return (int)cancellable(SYS_epoll_wait, epfd, (long)events, max, timeout_ms, 0, 0);
}

EXPORT int epoll_pwait(int epfd, struct epoll_event *events, int max, int timeout_ms,
                       const sigset_t *mask) {
  OFF_THEN_LIBC(epoll_pwait, epfd, events, max, timeout_ms, mask);
  return (int)cancellable(SYS_epoll_pwait, epfd, (long)events, max, timeout_ms, (long)mask, 8);
}

/* syscall(nr, ...): the numbers below come here; every other one goes to
 * libc's syscall() by a tail jump, so the program's registers and stack reach
 * it as the program left them (a clone on a new stack included). Not a
 * cancellation point, as in libc. */
long umbra_libc_syscall(long nr, long a0, long a1, long a2, long a3, long a4, long a5)
    __attribute__((visibility("hidden")));
long umbra_libc_syscall(long nr, long a0, long a1, long a2, long a3, long a4, long a5) {
  return set_errno(enter(nr, a0, a1, a2, a3, a4, a5));
}

__asm__(".text\n"
        ".globl syscall\n"
        ".type syscall,@function\n"
        "syscall:\n"
        "  cmpl $0, umbra_preload_on(%rip)\n"
        "  je 1f\n"
        "  cmpq $202, %rdi\n" /* futex */
        "  je umbra_libc_syscall\n"
        "  cmpq $110, %rdi\n" /* getppid */
        "  je umbra_libc_syscall\n"
        "  cmpq $39, %rdi\n" /* getpid */
        "  je umbra_libc_syscall\n"
        "  cmpq $186, %rdi\n" /* gettid */
        "  je umbra_libc_syscall\n"
        "  cmpq $318, %rdi\n" /* getrandom */
        "  je umbra_libc_syscall\n"
        "1:\n"
        "  cmpq $0, umbra_real_syscall(%rip)\n"
        "  je umbra_libc_syscall\n" /* before find_libc: trapped, as libc's would be */
        "  jmp *umbra_real_syscall(%rip)\n"
        ".size syscall, .-syscall\n");
_Static_assert(SYS_futex == 202 && SYS_getppid == 110 && SYS_getpid == 39, "syscall numbers");
_Static_assert(SYS_gettid == 186 && SYS_getrandom == 318, "syscall numbers");
