// What simulate() and run() return: the simulation's own RunResult plus, per
// process, its outputs, exit state, pid and simulated start/end times, and per
// host the bytes it sent and received and its capture files. Plain data (it
// crosses process boundaries as JSON for run() and seed sweeps).
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { FinalState } from '../config/types';
import { formatFinalState } from '../config/load';
import type { Interface } from '../net/interface';
import type { RunResult, Simulation } from '../sim/simulation';

/** One process of the run: a configured one, or one a program started (fork, exec). */
export interface ProcessResult {
  /** Host name. */
  host: string;
  /** `<host>.<program>.<pid>`, as the summary and the log call it. */
  name: string;
  /** Virtual pid (from 1000 on each host). */
  pid: number;
  /** Configured in the YAML (false: started by a program). */
  configured: boolean;
  /** How it ended; `running` when it was still running at stop time. */
  exit: FinalState;
  /** The same as text: `{exited: 0}`, `{signaled: SIGTERM}`, `running`. */
  exitText: string;
  /** expected_final_state of a configured process, else null. */
  expected: FinalState | null;
  /** Whether a configured process ended as expected; null for the others. */
  asExpected: boolean | null;
  /** Simulated time it was started, ns. */
  startTimeNs: number;
  /** Simulated time it ended, ns; null if it ran until stop time. */
  endTimeNs: number | null;
  /** Its stdout/stderr files in the data directory (configured processes; children share their parent's). */
  stdoutPath: string | null;
  stderrPath: string | null;
  /** Their contents ('' without a file). */
  stdout: string;
  stderr: string;
}

/** One host's traffic through its network interface (IP packets on the wire, loopback not counted). */
export interface HostResult {
  name: string;
  /** Its IPv4 address, dotted. */
  ip: string;
  bytesSent: number;
  bytesReceived: number;
  packetsSent: number;
  packetsReceived: number;
  /** Its capture files (pcap_enabled), else empty. */
  pcapPaths: string[];
}

export interface SimulationResult extends RunResult {
  /** The data directory (absolute). */
  dataDir: string;
  /** The seed the run used. */
  seed: number;
  processes: ProcessResult[];
  hosts: HostResult[];
  /** Every capture file of the run. */
  pcapPaths: string[];
  /** report.html, or null when general.report is off (or it could not be written). */
  reportPath: string | null;
}

function ipText(ip: number): string {
  return `${ip >>> 24}.${(ip >>> 16) & 255}.${(ip >>> 8) & 255}.${ip & 255}`;
}

function readOr(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

/** Builds the result of a finished simulation. */
export function collectResult(sim: Simulation, run: RunResult, reportPath: string | null): SimulationResult {
  const outcomes = new Map(run.outcomes.map((o) => [`${o.host}\u0000${o.name}`, o]));
  const processes: ProcessResult[] = sim.kernel.processes.map((p) => {
    const o = outcomes.get(`${p.host.name}\u0000${p.name}`);
    const exit = p.finalState();
    const base = p.name.startsWith(p.host.name + '.') ? p.name.slice(p.host.name.length + 1) : p.name;
    const out = path.join(p.host.dir, `${base}.stdout`);
    const err = path.join(p.host.dir, `${base}.stderr`);
    const own = p.config !== null && fs.existsSync(out);
    return {
      host: p.host.name,
      name: p.name,
      pid: p.vpid,
      configured: p.config !== null,
      exit,
      exitText: formatFinalState(exit),
      expected: p.config !== null ? p.config.expectedFinalState : null,
      asExpected: o !== undefined ? o.asExpected : null,
      startTimeNs: p.startTimeNs,
      endTimeNs: p.endTimeNs >= 0 && exit.kind !== 'running' ? p.endTimeNs : null,
      stdoutPath: own ? out : null,
      stderrPath: own ? err : null,
      stdout: own ? readOr(out) : '',
      stderr: own ? readOr(err) : '',
    };
  });
  const stacks = sim.kernel.net?.internet.stacks ?? [];
  const hosts: HostResult[] = sim.hosts.map((h, i) => {
    const f = stacks[i]?.iface as Interface | null | undefined;
    const pcaps = h.config.options.pcapEnabled
      ? ['eth0.pcap', 'lo.pcap'].map((n) => path.join(h.dir, n)).filter((p) => fs.existsSync(p))
      : [];
    return {
      name: h.name,
      ip: ipText(h.ip),
      bytesSent: f?.sentBytes ?? 0,
      bytesReceived: f?.receivedBytes ?? 0,
      packetsSent: f?.sentPackets ?? 0,
      packetsReceived: f?.receivedPackets ?? 0,
      pcapPaths: pcaps,
    };
  });
  return {
    ...run,
    dataDir: sim.dataDir,
    seed: sim.config.general.seed,
    processes,
    hosts,
    pcapPaths: hosts.flatMap((h) => h.pcapPaths),
    reportPath,
  };
}
