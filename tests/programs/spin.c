// Burns CPU forever without a single syscall (after printing that it started).
#include <stdio.h>

int main(void) {
  printf("spinning\n");
  fflush(stdout);
  volatile unsigned long x = 0;
  for (;;) x++;
}
