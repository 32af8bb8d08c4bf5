// Whether rdtsc really faults after PR_SET_TSC on this machine (some VMs accept
// the prctl and let rdtsc run). Tests of rdtsc emulation skip when it does not,
// giving the reason umbra itself logs.
import { native } from '../../src/native';
import { RDTSC_NOT_TRAPPED } from '../../src/sim/simulation';

export { RDTSC_NOT_TRAPPED };

/** For node:test's `skip` option: false where rdtsc traps, else the reason. */
export const noRdtscTrap: string | false = native().rdtscTraps() ? false : RDTSC_NOT_TRAPPED;
