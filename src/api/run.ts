// run(): simulate() in a child Node process, so the caller's event loop keeps
// running (the simulation loop never yields) and several runs can go at once
// (simulations in one process share the native shared region, one at a time).
import { fork } from 'node:child_process';
import * as path from 'node:path';
import { ConfigError } from '../config/types';
import type { SimulateOptions } from '../index';
import type { SimulationResult } from './result';

/** Options of run(): those of simulate(), plus what concerns the child process. */
export interface RunOptions extends SimulateOptions {
  /** Ends the child (SIGKILL) when aborted; the promise then rejects. */
  signal?: AbortSignal;
}

/** run()'s result: simulate()'s, plus what the simulator logged (its stdout). */
export interface RunResult extends SimulationResult {
  /** The simulator's own log lines (logLevel decides how many). */
  simulatorLog: string;
}

/** What the parent sends the child. */
export interface ChildRequest {
  config: string | Record<string, unknown>;
  opts: SimulateOptions;
}

/** What the child answers. */
export type ChildReply = { ok: SimulationResult } | { error: string; configError: boolean };

/**
 * Runs a simulation in a child process and resolves to its result; does not
 * block the event loop. Rejects with ConfigError for a bad configuration and
 * with an Error when the simulation itself fails.
 */
export function run(config: string | Record<string, unknown>, opts: RunOptions = {}): Promise<RunResult> {
  const { signal, ...simOpts } = opts;
  return new Promise((resolve, reject) => {
    const child = fork(path.join(__dirname, 'child.js'), [], {
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      serialization: 'advanced',
      signal,
    });
    let log = '';
    let errText = '';
    let reply: ChildReply | null = null;
    child.stdout?.setEncoding('utf8').on('data', (s: string) => (log += s));
    child.stderr?.setEncoding('utf8').on('data', (s: string) => (errText += s));
    child.on('message', (m) => {
      reply = m as ChildReply;
    });
    child.on('error', reject);
    child.on('exit', (code, sig) => {
      const r = reply as ChildReply | null;
      if (r !== null && 'ok' in r) resolve({ ...r.ok, simulatorLog: log });
      else if (r !== null) reject(r.configError ? new ConfigError(r.error) : new Error(r.error));
      else reject(new Error(`the simulation process ended (${sig ?? code}) without a result\n${errText}`));
    });
    const request: ChildRequest = { config, opts: simOpts };
    child.send(request);
  });
}
