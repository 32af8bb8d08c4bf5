/* The shim's own syscall instructions. They sit alone in section umbra_raw so
 * the seccomp filter can let exactly this address range through untrapped;
 * every other syscall in the process traps into the shim. */

__asm__(
    ".pushsection umbra_raw,\"ax\",@progbits\n"
    ".globl umbra_raw_syscall\n"
    ".type umbra_raw_syscall,@function\n"
    "umbra_raw_syscall:\n"
    "  movq %rdi, %rax\n"
    "  movq %rsi, %rdi\n"
    "  movq %rdx, %rsi\n"
    "  movq %rcx, %rdx\n"
    "  movq %r8, %r10\n"
    "  movq %r9, %r8\n"
    "  movq 8(%rsp), %r9\n"
    "  syscall\n"
    "  ret\n"
    ".size umbra_raw_syscall, .-umbra_raw_syscall\n"
    /* Restorer for the shim's own native signal handlers. */
    ".globl umbra_restore_rt\n"
    ".type umbra_restore_rt,@function\n"
    "umbra_restore_rt:\n"
    "  movq $15, %rax\n"
    "  syscall\n"
    "  hlt\n"
    ".size umbra_restore_rt, .-umbra_restore_rt\n"
    ".popsection\n");
