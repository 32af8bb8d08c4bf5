/* Prints what could leak host randomness or host time into a managed
 * program: AT_RANDOM with the stack canary and pointer guard the loader made
 * from it ("aux"), or the clock-bearing /proc files ("proc"). */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/auxv.h>
#include <unistd.h>

static void print_aux(void) {
  const uint8_t *r = (const uint8_t *)getauxval(AT_RANDOM);
  uint64_t canary, guard;
  __asm__ volatile("mov %%fs:0x28, %0" : "=r"(canary));
  __asm__ volatile("mov %%fs:0x30, %0" : "=r"(guard));
  printf("at_random=");
  for (int i = 0; i < 16; i++) printf("%02x", r ? r[i] : 0);
  uint64_t first = 0;
  if (r) memcpy(&first, r, 8);
  /* glibc's rule: the canary is AT_RANDOM's first 8 bytes with the low byte zeroed. */
  printf(" canary=%016llx guard_set=%d canary_rule=%d\n", (unsigned long long)canary, guard != 0,
         canary == (first & ~(uint64_t)0xff));
}

static void print_file(const char *path) {
  char buf[4096];
  FILE *f = fopen(path, "r");
  if (!f) {
    printf("%s: cannot open\n", path);
    return;
  }
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  fclose(f);
  buf[n] = 0;
  printf("%s: %s", path, buf);
  if (n == 0 || buf[n - 1] != '\n') printf("\n");
}

int main(int argc, char **argv) {
  if (argc > 1 && strcmp(argv[1], "proc") == 0) {
    print_file("/proc/uptime");
    sleep(5);
    print_file("/proc/uptime");
    print_file("/proc/self/stat");
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)getpid());
    print_file(path);
    print_file("/proc/loadavg");
    return 0;
  }
  print_aux();
  return 0;
}
