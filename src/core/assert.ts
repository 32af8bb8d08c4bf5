// Invariant checks for production code: a failed assertion is a simulator bug,
// never a user mistake, and stops the run with the message (see cli/main.ts).

/** Thrown when an invariant of the simulator does not hold. */
export class InvariantError extends Error {
  constructor(what: string) {
    super(`invariant: ${what}`);
    this.name = 'InvariantError';
  }
}

/** Checks an invariant. `what` should be a constant string on hot paths (no formatting per call). */
export function assert(cond: boolean, what: string): asserts cond {
  if (!cond) throw new InvariantError(what);
}
