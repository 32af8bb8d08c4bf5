// The names that select `umbra check-determinism`, shared by the thin entry
// (which must not load the argument parser to recognise them) and args.ts.
export const CHECK_DETERMINISM_COMMAND = 'check-determinism';
export const CHECK_DETERMINISM_FLAG = '--check-determinism';
