/* getrandom answered in the shim, with no round trip: the bytes come from the
 * host's seeded stream, whose state (xoshiro128++, 4 words) lives in the host's
 * block of the shared region. The simulator draws from the same state for
 * /dev/urandom, AT_RANDOM, ports and packet loss (src/host/rng.ts runs the same
 * algorithm), and only one managed thread runs at a time, so every draw of a
 * host lands in one stream in simulated order, as when the simulator served
 * getrandom itself. A program can overwrite the state: it then spoils only its
 * own host's randomness. */
#include <errno.h>
#include <sys/random.h>

#include "shim.h"

/* Linux caps one read, getrandom included, at INT_MAX rounded down to a page. */
#define MAX_RW_COUNT 0x7ffff000ul

static inline uint32_t rotl32(uint32_t x, int k) {
  return (x << k) | (x >> (32 - k));
}

/* One xoshiro128++ step; must stay identical to Rng.nextU32 in src/host/rng.ts. */
static inline uint32_t next_u32(uint32_t s[4]) {
  uint32_t result = rotl32(s[0] + s[3], 7) + s[0];
  uint32_t t = s[1] << 9;
  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = rotl32(s[3], 11);
  return result;
}

/* Rng.fill: whole words little-endian; a tail of 1-3 bytes takes the low bytes of one more word. */
static void fill(uint8_t *buf, size_t len) {
  volatile uint32_t *shared = shim_host->rng_state;
  uint32_t s[4] = {shared[0], shared[1], shared[2], shared[3]};
  size_t i = 0;
  for (; i + 4 <= len; i += 4) {
    uint32_t v = next_u32(s);
    buf[i] = (uint8_t)v;
    buf[i + 1] = (uint8_t)(v >> 8);
    buf[i + 2] = (uint8_t)(v >> 16);
    buf[i + 3] = (uint8_t)(v >> 24);
  }
  if (i < len) {
    uint32_t v = next_u32(s);
    for (; i < len; i++, v >>= 8) buf[i] = (uint8_t)v;
  }
  for (int k = 0; k < 4; k++) shared[k] = s[k];
}

/* getrandom(buf, len, flags). The real call runs first on the same buffer:
 * it checks the flags and the buffer as Linux does (EINVAL, EFAULT, a short
 * count up to an unwritable page) and faults the pages in, so the stream's
 * bytes that then overwrite it cannot fault inside the shim. Only the bytes
 * the program receives advance the stream. */
long shim_getrandom(const long a[6]) {
  uint8_t *buf = (uint8_t *)a[0];
  size_t len = (size_t)a[1];
  long flags = a[2];
  if (len > MAX_RW_COUNT) len = MAX_RW_COUNT;
  size_t done = 0;
  do {
    /* GRND_NONBLOCK: the real pool must never make the program wait natively. */
    long r = RAW3(SYS_getrandom, buf + done, len - done, flags | GRND_NONBLOCK);
    if (r < 0) {
      if (done == 0) return r;
      break;
    }
    if (r == 0) break;
    done += (size_t)r; /* short only at a fault or a pending native signal: go on, it tells */
  } while (done < len);
  fill(buf, done);
  shim_charge_latency(shim_host_config.unblocked_syscall_latency_ns);
  return (long)done;
}
