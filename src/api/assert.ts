// Assertions on a simulation's result for test suites: each failure message
// names the process, the seed and the data directory, and shows the end of the
// process's output, so a failing seed in a sweep can be looked at directly.
import type { ProcessResult, SimulationResult } from './result';

/** A failed expectation on a simulation result. */
export class SimulationAssertionError extends Error {
  constructor(
    message: string,
    readonly seed: number,
    readonly dataDir: string,
  ) {
    super(message);
    this.name = 'SimulationAssertionError';
  }
}

function where(r: SimulationResult): string {
  return `seed ${r.seed}, data directory ${r.dataDir}`;
}

function tail(text: string, lines = 8): string {
  const all = text.replace(/\n$/u, '').split('\n');
  return all.slice(-lines).join('\n');
}

/**
 * The process `name` of `host`: its full name (`client.curl.1000`) or its
 * program (`curl`, the first such process); throws when there is none.
 */
export function findProcess(r: SimulationResult, host: string, name: string): ProcessResult {
  const p =
    r.processes.find((x) => x.host === host && x.name === name) ??
    r.processes.find((x) => x.host === host && x.name.startsWith(`${host}.${name}.`));
  if (p === undefined) {
    const there = r.processes.filter((x) => x.host === host).map((x) => x.name);
    throw new SimulationAssertionError(
      `${where(r)}: no process '${name}' on host '${host}' (it has: ${there.join(', ') || 'none'})`,
      r.seed,
      r.dataDir,
    );
  }
  return p;
}

/** Expectations on one process of a result. */
export interface ProcessExpectation {
  readonly process: ProcessResult;
  /** It exited with `code`. */
  exitedWith(code: number): ProcessExpectation;
  /** It ended as its expected_final_state says. */
  endedAsExpected(): ProcessExpectation;
  /** Its stdout matches `pattern` (a substring or a regular expression). */
  stdoutMatches(pattern: string | RegExp): ProcessExpectation;
}

/** Expectations on process `name` of `host` (see findProcess) in `r`. */
export function expectProcess(r: SimulationResult, host: string, name: string): ProcessExpectation {
  const p = findProcess(r, host, name);
  const fail = (what: string): never => {
    const out = p.stdout === '' ? '(empty)' : tail(p.stdout);
    const err = p.stderr === '' ? '' : `\nend of its stderr:\n${tail(p.stderr)}`;
    throw new SimulationAssertionError(
      `${where(r)}: process ${p.name} ${what}\nend of its stdout:\n${out}${err}`,
      r.seed,
      r.dataDir,
    );
  };
  const self: ProcessExpectation = {
    process: p,
    exitedWith(code) {
      if (p.exit.kind !== 'exited' || p.exit.code !== code) fail(`ended as ${p.exitText}, expected {exited: ${code}}`);
      return self;
    },
    endedAsExpected() {
      if (p.asExpected === false) fail(`ended as ${p.exitText}, not as its expected_final_state`);
      return self;
    },
    stdoutMatches(pattern) {
      const ok = typeof pattern === 'string' ? p.stdout.includes(pattern) : pattern.test(p.stdout);
      if (!ok) fail(`wrote nothing matching ${String(pattern)} to stdout`);
      return self;
    },
  };
  return self;
}
