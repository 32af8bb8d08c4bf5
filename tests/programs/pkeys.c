// pkey_alloc sets the new key's access rights in this thread's PKRU register;
// the shim runs it natively inside its SIGSYS handler, whose return restores
// the registers of the moment of the trap, PKRU included: the rights must
// survive that. Prints "unsupported" where the CPU or kernel lacks keys.
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

static unsigned read_pkru(void) {
  unsigned eax, edx;
  __asm__ volatile(".byte 0x0f, 0x01, 0xee" : "=a"(eax), "=d"(edx) : "c"(0));
  return eax;
}

int main(void) {
  long key = syscall(SYS_pkey_alloc, 0, 0); // full access for the new key
  if (key < 0) {
    printf("unsupported\n");
    return 0;
  }
  unsigned rights = (read_pkru() >> (2 * key)) & 3;
  printf("rights of the new key after pkey_alloc(0, 0): %u\n", rights);
  char *page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (syscall(SYS_pkey_mprotect, page, 4096, PROT_READ | PROT_WRITE, key) != 0) {
    perror("pkey_mprotect");
    return 1;
  }
  if (rights == 0) {
    strcpy(page, "written through the key");
    printf("%s\n", page);
  }
  long key2 = syscall(SYS_pkey_alloc, 0, 1); // PKEY_DISABLE_ACCESS
  printf("rights of a key made access-disabled: %u\n", (read_pkru() >> (2 * key2)) & 3);
  return 0;
}
