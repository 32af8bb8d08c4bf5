/* The spin rule, as a pure function so that a test program can drive it: a
 * thread that keeps reading the clock at one simulated instant, never
 * blocking, is charged simulated time for each read past a free allowance. */
#ifndef UMBRA_SPIN_H
#define UMBRA_SPIN_H

#include <stdint.h>

#include "../include/umbra_ipc.h"

/* One clock read by a thread whose counters are (*since_ns, *reads) while its
 * host's clock reads now_ns. Returns the simulated ns this read costs: 0 for
 * the first UMBRA_SPIN_FREE_READS reads at an instant, UMBRA_SPIN_STEP_NS for
 * each one after. The caller applies the charge and then calls
 * umbra_spin_charged with the clock it reached, so that its own charges do not
 * count as the time moving on. Any other move of the clock (the thread blocked
 * and was woken later, a yield, an event) starts the count again, as does the
 * simulator zeroing *reads when the thread blocks. */
static inline uint64_t umbra_spin_read(uint64_t *since_ns, uint32_t *reads, uint64_t now_ns) {
  if (*since_ns != now_ns) {
    *since_ns = now_ns;
    *reads = 0;
  }
  if (*reads < UMBRA_SPIN_FREE_READS) {
    (*reads)++;
    return 0;
  }
  return UMBRA_SPIN_STEP_NS;
}

/* After a charge: the clock the thread now sees is still "its" instant. */
static inline void umbra_spin_charged(uint64_t *since_ns, uint64_t now_ns) {
  *since_ns = now_ns;
}

#endif
