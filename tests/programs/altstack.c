// The alternate signal stack as Linux keeps it, per thread: what sigaltstack
// reports (SS_DISABLE, SS_ONSTACK while on it, SS_AUTODISARM), EPERM when
// changing it while on it, EINVAL/ENOMEM, delivery on it with SA_ONSTACK
// (nested signals below the running handler), uc_stack in the handler, a new
// thread starting without one, a fork child inheriting it, exec clearing it.
// The output holds no addresses: the test compares it with a native run.
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <ucontext.h>
#include <unistd.h>

#ifndef SS_AUTODISARM
#define SS_AUTODISARM (1U << 31)
#endif
#define ALT_BYTES (64 * 1024)
static char alt_main[ALT_BYTES] __attribute__((aligned(16)));
static char alt_thread[ALT_BYTES] __attribute__((aligned(16)));
static char alt_child[ALT_BYTES] __attribute__((aligned(16)));

static int within(const void *p, const char *base) {
  return (const char *)p >= base && (const char *)p < base + ALT_BYTES;
}

static const char *which(const void *p) {
  if (within(p, alt_main)) return "main-alt";
  if (within(p, alt_thread)) return "thread-alt";
  if (within(p, alt_child)) return "child-alt";
  return "normal";
}

static void show(const char *what) {
  stack_t cur;
  if (sigaltstack(NULL, &cur) != 0) {
    printf("%s: query failed errno=%d\n", what, errno);
    return;
  }
  printf("%s: %s flags=%#x size=%zu\n", what, cur.ss_sp ? which((char *)cur.ss_sp) : "none",
         (unsigned)cur.ss_flags, cur.ss_size);
}

static void set(const char *what, char *base, int flags) {
  stack_t ss = {.ss_sp = base, .ss_flags = flags, .ss_size = ALT_BYTES};
  int r = sigaltstack(&ss, NULL);
  printf("%s: set -> %d %s\n", what, r, r ? strerror(errno) : "ok");
}

static char *volatile outer_local;

static void on_usr2(int sig, siginfo_t *info, void *vuc) {
  (void)info;
  (void)vuc;
  volatile char local = 0;
  printf("  SIGUSR2(%d) handler on %s, below the outer one: %d\n", sig, which((const void *)&local),
         outer_local ? ((char *)&local < outer_local) : -1);
}

static void on_usr1(int sig, siginfo_t *info, void *vuc) {
  (void)info;
  ucontext_t *uc = vuc;
  volatile char local = 0;
  printf("  SIGUSR1(%d) handler on %s\n", sig, which((const void *)&local));
  // Without a stack, the flags Linux saves are whatever the thread's ancestors left there.
  if (uc->uc_stack.ss_size)
    printf("  uc_stack: %s flags=%#x size=%zu\n", which((char *)uc->uc_stack.ss_sp),
           (unsigned)uc->uc_stack.ss_flags, uc->uc_stack.ss_size);
  else
    printf("  uc_stack: none\n");
  show("  in handler");
  stack_t other = {.ss_sp = alt_child, .ss_flags = 0, .ss_size = ALT_BYTES};
  int r = sigaltstack(&other, NULL);
  printf("  change while on it -> %d %s\n", r, r ? strerror(errno) : "ok");
  outer_local = (char *)&local;
  raise(SIGUSR2);
  outer_local = NULL;
}

static void on_term(int sig) {
  volatile char local = 0;
  printf("  SIGTERM(%d) handler without SA_ONSTACK on %s\n", sig, which((const void *)&local));
}

static void *thread_main(void *arg) {
  (void)arg;
  show("thread start");
  raise(SIGUSR1);
  set("thread", alt_thread, 0);
  show("thread after set");
  raise(SIGUSR1);
  return NULL;
}

int main(int argc, char **argv) {
  setvbuf(stdout, NULL, _IONBF, 0);
  if (argc > 1 && strcmp(argv[1], "after-exec") == 0) {
    show("after exec");
    return 0;
  }
  struct sigaction sa = {0};
  sa.sa_sigaction = on_usr1;
  sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
  sigaction(SIGUSR1, &sa, NULL);
  sa.sa_sigaction = on_usr2;
  sigaction(SIGUSR2, &sa, NULL);
  struct sigaction st = {0};
  st.sa_handler = on_term;
  sigaction(SIGTERM, &st, NULL);

  show("start");
  raise(SIGUSR1); // SA_ONSTACK without a stack: the normal one
  stack_t bad = {.ss_sp = alt_main, .ss_flags = 123, .ss_size = ALT_BYTES};
  int r = sigaltstack(&bad, NULL);
  printf("bad flags -> %d %s\n", r, strerror(errno));
  bad.ss_flags = 0;
  bad.ss_size = 100;
  r = sigaltstack(&bad, NULL);
  printf("too small -> %d %s\n", r, strerror(errno));
  set("main", alt_main, 0);
  show("main after set");
  raise(SIGUSR1);
  raise(SIGTERM);
  show("main after handlers");

  pthread_t t;
  pthread_create(&t, NULL, thread_main, NULL);
  pthread_join(t, NULL);
  show("main after thread");

  pid_t pid = fork();
  if (pid == 0) {
    show("fork child");
    raise(SIGUSR1);
    set("fork child", alt_child, 0);
    show("fork child after set");
    _exit(0);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  show("main after fork child");

  // An end that is not 16-byte aligned: the handler's frame starts below it.
  stack_t odd = {.ss_sp = alt_main + 8, .ss_flags = (int)SS_AUTODISARM, .ss_size = ALT_BYTES - 16};
  printf("autodisarm: set -> %d\n", sigaltstack(&odd, NULL));
  show("autodisarm armed");
  raise(SIGUSR1);
  show("autodisarm after handler");

  stack_t off = {.ss_sp = NULL, .ss_flags = SS_DISABLE, .ss_size = 0};
  printf("disable -> %d\n", sigaltstack(&off, NULL));
  show("disabled");
  raise(SIGUSR1);

  set("before exec", alt_main, 0);
  char *args[] = {argv[0], "after-exec", NULL};
  execv(argv[0], args);
  printf("exec failed\n");
  return 1;
}
