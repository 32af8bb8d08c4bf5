// Running one scenario over many seeds: each seed in its own child process
// (run()), as many at once as there are cores, each in its own data
// directory; a check per result; the failing seeds reported together.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse } from 'yaml';
import type { SimulateOptions } from '../index';
import type { ShadowConfig } from './builders';
import { run, type RunResult } from './run';

/** How one seed went. */
export interface SeedOutcome {
  seed: number;
  ok: boolean;
  /** This seed's data directory. */
  dataDir: string;
  /** Why it failed (the check's message, or the run's error). */
  error?: string;
  /** The result, when the simulation ran (a failed check still has one). */
  result?: RunResult;
}

export interface SweepResult {
  outcomes: SeedOutcome[];
  /** The seeds that failed, in seed order. */
  failed: SeedOutcome[];
  /** One line per failing seed, for a test's failure message. */
  summary: string;
}

export interface SweepOptions extends SimulateOptions {
  /** Runs at once (default: the number of cores). */
  parallel?: number;
  /** Directory under which each seed gets `seed-<n>` as data directory (default: a new temp directory). */
  baseDir?: string;
}

/**
 * Runs `build(seed)` for every seed and calls `check` on each result (throw to
 * fail the seed); resolves when all are done, with the failing seeds listed.
 */
export async function sweepSeeds(
  build: (seed: number) => ShadowConfig | string,
  seeds: readonly number[],
  check: (r: RunResult) => void | Promise<void>,
  opts: SweepOptions = {},
): Promise<SweepResult> {
  const { parallel, baseDir, ...simOpts } = opts;
  const base = baseDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'umbra-seeds-'));
  const limit = Math.max(1, parallel ?? os.availableParallelism());
  const outcomes: SeedOutcome[] = new Array<SeedOutcome>(seeds.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let i = next++; i < seeds.length; i = next++) {
      const seed = seeds[i];
      const dataDir = path.join(base, `seed-${seed}`);
      const built = build(seed);
      const config = (typeof built === 'string' ? parse(built) : structuredClone(built)) as ShadowConfig;
      const general = (config.general ?? {}) as Record<string, unknown>;
      config.general = { ...general, seed, data_directory: dataDir };
      try {
        const result = await run(config, simOpts);
        try {
          await check(result);
          outcomes[i] = { seed, ok: true, dataDir, result };
        } catch (e) {
          outcomes[i] = { seed, ok: false, dataDir, error: e instanceof Error ? e.message : String(e), result };
        }
      } catch (e) {
        outcomes[i] = { seed, ok: false, dataDir, error: e instanceof Error ? e.message : String(e) };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, seeds.length) }, () => worker()));
  const failed = outcomes.filter((o) => !o.ok);
  const summary =
    failed.length === 0
      ? `all ${seeds.length} seeds passed`
      : `${failed.length} of ${seeds.length} seeds failed: ${failed.map((f) => f.seed).join(', ')}\n` +
        failed.map((f) => `seed ${f.seed} (${f.dataDir}): ${f.error ?? ''}`).join('\n');
  return { outcomes, failed, summary };
}
