// `spin-rule`: the cost of the spin rule (native/shim/spin.h) on a
// syscall-heavy program that never spins, against a baseline measured in the
// same run: the same umbra with a shim built without the rule
// (-DUMBRA_NO_SPIN_RULE), set up in a temporary copy of the package.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { configYaml, field, fmtCount, note, program, report, UmbraConfig, us, verdict } from './harness';
import { HANG_TIMEOUT_MS, REPO, tempDir } from '../tests/helpers/umbra';

const SMALL = 10;
const REPS = 5;

/** The two loads: a typical mix, and one with as many clock reads per instant as stays under the allowance. */
const LOADS = [
  { name: 'spin-rule', rounds: 300_000, reads: 2 },
  { name: 'spin-rule-clocky', rounds: 300_000, reads: 100 },
];

/** The shim's compiler flags, as native/Makefile has them. */
const SHIM_CFLAGS = [
  '-D_GNU_SOURCE',
  '-std=gnu11',
  '-O2',
  '-g',
  '-Wall',
  '-Wextra',
  '-Werror',
  '-fPIC',
  '-fno-stack-protector',
  '-fvisibility=hidden',
  '-ftls-model=initial-exec',
];

/** A copy of the package (dist, bin, the addon) whose shim is built without the spin rule; returns its root. */
function baselinePackage(): string {
  const root = tempDir('umbra-bench-spin-');
  for (const f of ['package.json', 'binding.gyp']) fs.copyFileSync(path.join(REPO, f), path.join(root, f));
  for (const d of ['dist', 'bin']) fs.cpSync(path.join(REPO, d), path.join(root, d), { recursive: true });
  fs.mkdirSync(path.join(root, 'build', 'Release'), { recursive: true });
  const addon = path.join('build', 'Release', 'umbra_native.node');
  fs.copyFileSync(path.join(REPO, addon), path.join(root, addon));
  fs.symlinkSync(path.join(REPO, 'node_modules'), path.join(root, 'node_modules'));
  const out = path.join(root, 'native', 'out');
  fs.mkdirSync(out, { recursive: true });
  const shimDir = path.join(REPO, 'native', 'shim');
  const sources = fs
    .readdirSync(shimDir)
    .filter((f) => f.endsWith('.c'))
    .map((f) => path.join(shimDir, f));
  const cc = spawnSync(
    'cc',
    [
      ...SHIM_CFLAGS,
      '-DUMBRA_NO_SPIN_RULE',
      '-shared',
      '-o',
      path.join(out, 'libumbra_shim.so'),
      ...sources,
      '-Wl,-z,now',
      `-Wl,--version-script=${path.join(shimDir, 'exports.map')}`,
    ],
    { encoding: 'utf8' },
  );
  if (cc.status !== 0) throw new Error(`building the baseline shim failed:\n${cc.stderr}`);
  return root;
}

function cfg(n: number, reads: number): UmbraConfig {
  return { hosts: { box: [{ path: program('bench_spin'), args: `${n} ${reads}` }] } };
}

/** Runs the CLI of the package at `root` on cfg(n); returns its wall time and the program's output. */
function run(root: string, n: number, reads: number): { wallNs: number; out: string } {
  const dir = tempDir('umbra-bench-spin-run-');
  fs.writeFileSync(path.join(dir, 'config.yaml'), configYaml(cfg(n, reads)));
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [path.join(root, 'bin', 'umbra.js'), 'config.yaml'], {
    cwd: dir,
    encoding: 'utf8',
    timeout: HANG_TIMEOUT_MS,
  });
  const wallNs = Number(process.hrtime.bigint() - t0);
  if (r.status !== 0) throw new Error(`umbra (${root}) failed: ${r.stderr}`);
  const hostDir = path.join(dir, 'out.data', 'hosts', 'box');
  const file = fs.readdirSync(hostDir).find((f) => f.startsWith('bench_spin.') && f.endsWith('.stdout'));
  if (file === undefined) throw new Error(`no bench_spin output in ${hostDir}`);
  const out = fs.readFileSync(path.join(hostDir, file), 'utf8');
  fs.rmSync(dir, { recursive: true, force: true });
  return { wallNs, out };
}

export function runSpin(): void {
  const roots = { rule: REPO, baseline: baselinePackage() };
  for (const load of LOADS) measure(roots, load.name, load.rounds, load.reads);
}

function measure(roots: { rule: string; baseline: string }, name: string, N: number, reads: number): void {
  const best = {
    rule: { small: Infinity, large: Infinity, simNs: 0 },
    baseline: { small: Infinity, large: Infinity, simNs: 0 },
  };
  // Interleaved, so that a burst of machine noise hits both.
  for (let i = 0; i < REPS; i++) {
    for (const key of ['baseline', 'rule'] as const) {
      const b = best[key];
      b.small = Math.min(b.small, run(roots[key], SMALL, reads).wallNs);
      const r = run(roots[key], N, reads);
      b.large = Math.min(b.large, r.wallNs);
      if (field(r.out, 'rounds') !== N) throw new Error(`bench_spin did not finish: ${r.out}`);
      b.simNs = field(r.out, 'elapsed_ns');
    }
  }
  const perRound = (b: { small: number; large: number }): number => Math.max(0, b.large - b.small) / (N - SMALL);
  const ruleNs = perRound(best.rule);
  const baseNs = perRound(best.baseline);
  const overhead = (ruleNs / baseNs - 1) * 100;
  // The program never spins, so the rule must not change what it sees.
  const same = best.rule.simNs === best.baseline.simNs ? 'same simulated time' : 'SIMULATED TIME DIFFERS';
  report(
    name,
    `with ${us(ruleNs)}/round`,
    `without ${us(baseNs)}/round`,
    `ratio ${(ruleNs / baseNs).toFixed(3)}`,
    `overhead ${overhead.toFixed(1)}%`,
    `(${same})`,
    verdict('< 2%', overhead < 2),
  );
  note(
    `bench_spin: ${fmtCount(N)} rounds of ${reads} clock reads + getppid, a 1 µs sleep every 64; baseline shim ` +
      `built with -DUMBRA_NO_SPIN_RULE; start-up subtracted, best of ${REPS} each, interleaved`,
  );
}
