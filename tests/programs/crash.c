// Dies the way argv[1] says: "segv" (null write), "abort", or "exit N".
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv) {
  if (argc < 2) return 2;
  if (strcmp(argv[1], "segv") == 0) {
    volatile int *p = NULL;
    *p = 1;
  }
  if (strcmp(argv[1], "abort") == 0) abort();
  if (strcmp(argv[1], "exit") == 0 && argc > 2) return atoi(argv[2]);
  return 0;
}
