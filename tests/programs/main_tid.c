/* pthread calls on the main thread pass glibc's cached tid, which the kernel
 * gave it before the shim attached: they must still name this thread. */
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

int main(void) {
  pthread_t self = pthread_self();
  cpu_set_t set;
  CPU_ZERO(&set);
  int r = pthread_getaffinity_np(self, sizeof set, &set);
  printf("getaffinity: %s, cpus %s\n", strerror(r), CPU_COUNT(&set) > 0 ? "some" : "none");
  printf("setaffinity: %s\n", strerror(pthread_setaffinity_np(self, sizeof set, &set)));
  struct sched_param sp;
  int policy = -1;
  r = pthread_getschedparam(self, &policy, &sp);
  printf("getschedparam: %s, policy %d\n", strerror(r), policy);
  printf("kill 0: %s\n", strerror(pthread_kill(self, 0)));
  return 0;
}
