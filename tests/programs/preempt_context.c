// A signal sent to a thread that spins without syscalls is delivered with the
// thread's real interrupted registers, and the handler can rewrite them: here
// it checks that the interrupted instruction lies in the spin loop and moves
// it to the loop's exit, as Go's asynchronous preemption does.
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

volatile uint64_t spin_counter;
void spin_loop(void);
extern char spin_loop_end[], spin_exit[];
// Spins until something moves its instruction pointer to spin_exit (a plain return).
__asm__(".text\n"
        ".globl spin_loop\n"
        "spin_loop:\n"
        "1: incq spin_counter(%rip)\n"
        "  jmp 1b\n"
        ".globl spin_loop_end\n"
        "spin_loop_end:\n"
        ".globl spin_exit\n"
        "spin_exit:\n"
        "  ret\n");

static volatile int rip_in_loop = -1, rsp_on_thread_stack = -1;
static volatile uintptr_t thread_sp;
static volatile pid_t spinner_tid;

static void on_usr1(int sig, siginfo_t *info, void *vuc) {
  (void)sig;
  (void)info;
  ucontext_t *uc = vuc;
  uintptr_t rip = (uintptr_t)uc->uc_mcontext.gregs[REG_RIP];
  uintptr_t rsp = (uintptr_t)uc->uc_mcontext.gregs[REG_RSP];
  rip_in_loop = rip >= (uintptr_t)spin_loop && rip < (uintptr_t)spin_loop_end;
  rsp_on_thread_stack = rsp < thread_sp && thread_sp - rsp < 4096;
  if (rip_in_loop) uc->uc_mcontext.gregs[REG_RIP] = (greg_t)(uintptr_t)spin_exit;
}

static void *spinner(void *arg) {
  (void)arg;
  volatile char here = 0;
  thread_sp = (uintptr_t)&here;
  spinner_tid = (pid_t)syscall(SYS_gettid);
  spin_loop();
  return NULL;
}

int main(void) {
  struct sigaction sa = {0};
  sa.sa_sigaction = on_usr1;
  sa.sa_flags = SA_SIGINFO;
  sigaction(SIGUSR1, &sa, NULL);
  pthread_t t;
  pthread_create(&t, NULL, spinner, NULL);
  struct timespec d = {0, 50 * 1000 * 1000};
  while (!spinner_tid || spin_counter == 0) nanosleep(&d, NULL);
  syscall(SYS_tgkill, getpid(), spinner_tid, SIGUSR1);
  pthread_join(t, NULL);
  printf("interrupted in the loop: %d\n", rip_in_loop);
  printf("stack pointer of the spinning thread: %d\n", rsp_on_thread_stack);
  printf("spinner left the loop through the rewritten context: %d\n", spin_counter > 0);
  return 0;
}
