/* Drives the shim's spin rule (native/shim/spin.h) with no simulator: each
 * argument is one step of a thread's life, and each clock read prints what it
 * was charged. Steps: "r<n>" n clock reads (charges applied to the clock as
 * the shim does), "a<ns>" the clock moves on by itself, "b" the thread blocks
 * and is woken at the same instant (the simulator zeroes its count). Prints
 * "<reads> free, <charged> charged, clock <ns>" after each r step. */
#include <stdio.h>
#include <stdlib.h>

#include "../../native/shim/spin.h"

int main(int argc, char **argv) {
  uint64_t now_ns = 0, since_ns = 0;
  uint32_t reads = 0;
  for (int i = 1; i < argc; i++) {
    const char *s = argv[i];
    unsigned long long n = strtoull(s + 1, NULL, 10);
    if (s[0] == 'r') {
      unsigned long long free_reads = 0, charged_reads = 0;
      for (unsigned long long j = 0; j < n; j++) {
        uint64_t ns = umbra_spin_read(&since_ns, &reads, now_ns);
        if (ns == 0) {
          free_reads++;
          continue;
        }
        charged_reads++;
        now_ns += ns;
        umbra_spin_charged(&since_ns, now_ns);
      }
      printf("%llu free, %llu charged, clock %llu\n", free_reads, charged_reads,
             (unsigned long long)now_ns);
    } else if (s[0] == 'a') {
      now_ns += n;
    } else if (s[0] == 'b') {
      reads = 0;
    } else {
      fprintf(stderr, "unknown step %s\n", s);
      return 2;
    }
  }
  return 0;
}
