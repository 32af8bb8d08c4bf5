// Linux futex(2) operations and flags (<linux/futex.h>).

export const FUTEX_WAIT = 0,
  FUTEX_WAKE = 1,
  FUTEX_FD = 2,
  FUTEX_REQUEUE = 3,
  FUTEX_CMP_REQUEUE = 4,
  FUTEX_WAKE_OP = 5,
  FUTEX_LOCK_PI = 6,
  FUTEX_UNLOCK_PI = 7,
  FUTEX_TRYLOCK_PI = 8,
  FUTEX_WAIT_BITSET = 9,
  FUTEX_WAKE_BITSET = 10;

/** Flags or'ed into the operation. */
export const FUTEX_PRIVATE_FLAG = 128,
  FUTEX_CLOCK_REALTIME = 256;

/** The operation without its flags. */
export const FUTEX_CMD_MASK = ~(FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME);

/** The bitset that matches every waiter (FUTEX_BITSET_MATCH_ANY). */
export const FUTEX_BITSET_MATCH_ANY = 0xffffffff;

/** FUTEX_WAKE_OP: fields of val3 (op << 28 | cmp << 24 | oparg << 12 | cmparg). */
export const FUTEX_OP_SET = 0,
  FUTEX_OP_ADD = 1,
  FUTEX_OP_OR = 2,
  FUTEX_OP_ANDN = 3,
  FUTEX_OP_XOR = 4;
/** Or'ed into the op: oparg is a shift count (1 << oparg). */
export const FUTEX_OP_OPARG_SHIFT = 8;
export const FUTEX_OP_CMP_EQ = 0,
  FUTEX_OP_CMP_NE = 1,
  FUTEX_OP_CMP_LT = 2,
  FUTEX_OP_CMP_LE = 3,
  FUTEX_OP_CMP_GT = 4,
  FUTEX_OP_CMP_GE = 5;
