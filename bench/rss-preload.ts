// Preloaded into the umbra CLI by the `hosts` benchmark (NODE_OPTIONS
// --require): writes the process's peak resident set size, in KiB, to the
// file UMBRA_BENCH_RSS_FILE names when it exits.
import * as fs from 'node:fs';

const out = process.env.UMBRA_BENCH_RSS_FILE;
if (out !== undefined) process.on('exit', () => fs.writeFileSync(out, String(process.resourceUsage().maxRSS)));
