// What tests/programs/condvar_ring prints for N rounds when the token went
// round the four threads strictly in order and no simulated time passed.

/** The checksum the ring computes: thread `me` in round r folds in me + r, threads 0..3 in turn, mod 2^64. */
export function condvarRingOutput(rounds: number): string {
  const mask = (1n << 64n) - 1n;
  let sum = 0n;
  for (let r = 0n; r < BigInt(rounds); r++) for (let me = 0n; me < 4n; me++) sum = (sum * 31n + me + r) & mask;
  return `rounds=${rounds} checksum=${sum} elapsed_ns=0\n`;
}
