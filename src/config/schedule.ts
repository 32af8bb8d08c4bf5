// The fault schedule (umbra extension, top-level `schedule`): typed entries
// read and checked against the hosts and stop time, and printed back for
// processed-config.yaml. GML node ids are checked later, against the graph.

import type { Reader } from './load';
import { parseSignal, signalName } from './signals';
import { formatBandwidth, formatTime, type Quantity } from './units';
import { childPath, type YNode } from './yaml-tree';

/** What a `link` entry changes; absent fields keep their current value. */
export interface LinkChange {
  latencyNs?: number;
  jitterNs?: number;
  /** Drop probability in [0, 1]. */
  loss?: number;
  /** Per-link limit in bit/s. */
  bandwidthBitsPerSec?: number;
  up?: boolean;
}

export type ScheduleAction =
  | { kind: 'link'; source: number; target: number; change: LinkChange }
  | { kind: 'partition'; groups: string[][] }
  | { kind: 'block'; from: string[]; to: string[] }
  | { kind: 'heal' }
  | { kind: 'host-down'; host: string }
  | { kind: 'host-up'; host: string }
  | { kind: 'clock-offset'; host: string; offsetNs: number }
  | { kind: 'kill'; host: string; signal: number; process: string | null };

export interface ScheduleEntry {
  atNs: number;
  action: ScheduleAction;
  /** Where the entry came from, for messages: `schedule[3]`. */
  where: string;
  /** Units the quantities were written in, by key ('at', 'latency'…), to print them back the same way. */
  units: Record<string, string>;
}

const ENTRY_ACTIONS = ['link', 'partition', 'block', 'heal', 'host'] as const;
const LINK_KEYS = ['source', 'target', 'latency', 'jitter', 'packet_loss', 'bandwidth', 'up'] as const;
const HOST_KEYS = ['name', 'down', 'clock_offset', 'kill', 'process'] as const;

/** Reads the `schedule` list; `hosts` are the configured host names, `stopNs` the stop time. */
export function readSchedule(
  r: Reader,
  node: YNode,
  hosts: ReadonlySet<string>,
  stopNs: number,
  stopText: string,
): ScheduleEntry[] {
  if (node.kind === 'null') return [];
  if (node.kind !== 'seq') r.fail('schedule', 'expected a list of entries like {at: 10 s, heal: true}');
  const entries = node.items.map((item, i) => readEntry(r, item, `schedule[${i}]`, hosts, stopNs, stopText));
  // Stable: entries at one time run in the order written.
  return entries
    .map((e, i) => ({ e, i }))
    .sort((a, b) => a.e.atNs - b.e.atNs || a.i - b.i)
    .map(({ e }) => e);
}

function readEntry(
  r: Reader,
  node: YNode,
  where: string,
  hosts: ReadonlySet<string>,
  stopNs: number,
  stopText: string,
): ScheduleEntry {
  const f = r.struct(node, where, ['at', ...ENTRY_ACTIONS]);
  const at = r.time(r.required(f, where, 'at'), childPath(where, 'at'));
  if (at.base >= stopNs) {
    r.fail(childPath(where, 'at'), `${formatTime(at.base, at.unit)} is not before general.stop_time (${stopText})`);
  }
  const given = ENTRY_ACTIONS.filter((k) => f.has(k));
  if (given.length !== 1) {
    r.fail(
      where,
      `give exactly one of ${ENTRY_ACTIONS.join(', ')} besides 'at'${given.length > 1 ? ` (got ${given.join(', ')})` : ''}`,
    );
  }
  const kind = given[0];
  const value = f.get(kind) as YNode;
  const vAt = childPath(where, kind);
  const units: Record<string, string> = { at: at.unit };
  const host = (n: YNode, a: string): string => {
    const name = r.string(n, a);
    if (!hosts.has(name)) r.fail(a, `no host named '${name}'`);
    return name;
  };
  const hostList = (n: YNode, a: string): string[] => {
    if (n.kind !== 'seq' || n.items.length === 0) r.fail(a, 'expected a non-empty list of host names');
    const names = n.items.map((item, i) => host(item, `${a}[${i}]`));
    const twice = names.find((name, i) => names.indexOf(name) !== i);
    if (twice !== undefined) r.fail(a, `host '${twice}' is listed twice`);
    return names;
  };
  let action: ScheduleAction;
  switch (kind) {
    case 'heal':
      if (r.bool(value, vAt) !== true) r.fail(vAt, 'write heal: true');
      action = { kind: 'heal' };
      break;
    case 'partition': {
      if (value.kind !== 'seq' || value.items.length < 2) {
        r.fail(vAt, 'expected at least two groups of host names, like [[alpha, beta], [gamma]]');
      }
      const groups = value.items.map((g, i) => hostList(g, `${vAt}[${i}]`));
      const seen = new Set<string>();
      groups.forEach((g, i) => {
        for (const name of g) {
          if (seen.has(name)) r.fail(`${vAt}[${i}]`, `host '${name}' is in two groups`);
          seen.add(name);
        }
      });
      action = { kind: 'partition', groups };
      break;
    }
    case 'block': {
      const b = r.struct(value, vAt, ['from', 'to']);
      const from = hostList(r.required(b, vAt, 'from'), childPath(vAt, 'from'));
      const to = hostList(r.required(b, vAt, 'to'), childPath(vAt, 'to'));
      const both = from.find((name) => to.includes(name));
      if (both !== undefined) r.fail(vAt, `host '${both}' is in both 'from' and 'to'`);
      action = { kind: 'block', from, to };
      break;
    }
    case 'link':
      action = readLink(r, value, vAt, units);
      break;
    case 'host':
      action = readHostAction(r, value, vAt, host, units);
      break;
  }
  return { atNs: at.base, action, where, units };
}

function readLink(r: Reader, node: YNode, at: string, units: Record<string, string>): ScheduleAction {
  const f = r.struct(node, at, LINK_KEYS);
  const source = r.u32(r.required(f, at, 'source'), childPath(at, 'source'));
  const target = r.u32(r.required(f, at, 'target'), childPath(at, 'target'));
  const change: LinkChange = {};
  const time = (key: string): Quantity | undefined => {
    const n = f.get(key);
    if (n === undefined) return undefined;
    const q = r.time(n, childPath(at, key));
    units[key] = q.unit;
    return q;
  };
  const latency = time('latency');
  if (latency !== undefined) {
    if (latency.base === 0) r.fail(childPath(at, 'latency'), 'must not be zero');
    change.latencyNs = latency.base;
  }
  const jitter = time('jitter');
  if (jitter !== undefined) change.jitterNs = jitter.base;
  const lossNode = f.get('packet_loss');
  if (lossNode !== undefined) change.loss = readProbability(r, lossNode, childPath(at, 'packet_loss'));
  const bwNode = f.get('bandwidth');
  if (bwNode !== undefined) {
    const q = r.hostBandwidth(bwNode, childPath(at, 'bandwidth'));
    units['bandwidth'] = q.unit;
    change.bandwidthBitsPerSec = q.base;
  }
  const upNode = f.get('up');
  if (upNode !== undefined) change.up = r.bool(upNode, childPath(at, 'up'));
  if (Object.keys(change).length === 0) {
    r.fail(at, 'says nothing to change: give up, latency, jitter, packet_loss or bandwidth');
  }
  return { kind: 'link', source, target, change };
}

/** A probability in [0, 1], written as a YAML number. */
export function readProbability(r: Reader, node: YNode, at: string): number {
  const value = node.kind === 'float' || node.kind === 'int' ? Number(node.text) : NaN;
  if (node.kind !== 'float' && node.kind !== 'int') r.fail(at, 'expected a probability like 0.05');
  if (!(value >= 0 && value <= 1)) r.fail(at, `expected a probability in [0, 1], got ${node.text}`);
  return value;
}

function readHostAction(
  r: Reader,
  node: YNode,
  at: string,
  host: (n: YNode, a: string) => string,
  units: Record<string, string>,
): ScheduleAction {
  const f = r.struct(node, at, HOST_KEYS);
  const name = host(r.required(f, at, 'name'), childPath(at, 'name'));
  const given = (['down', 'clock_offset', 'kill'] as const).filter((k) => f.has(k));
  if (given.length !== 1) r.fail(at, "give exactly one of 'down', 'clock_offset', 'kill'");
  if (f.has('process') && given[0] !== 'kill') r.fail(childPath(at, 'process'), "only goes with 'kill'");
  switch (given[0]) {
    case 'down':
      return { kind: r.bool(f.get('down') as YNode, childPath(at, 'down')) ? 'host-down' : 'host-up', host: name };
    case 'clock_offset': {
      const n = f.get('clock_offset') as YNode;
      const a = childPath(at, 'clock_offset');
      // Clocks may be set back as well as forward: a leading '-' is allowed here.
      const negative = n.kind === 'str' && n.value.trimStart().startsWith('-');
      const q = r.time(negative && n.kind === 'str' ? { ...n, value: n.value.trimStart().slice(1) } : n, a);
      units['clock_offset'] = q.unit;
      return { kind: 'clock-offset', host: name, offsetNs: negative ? -q.base : q.base };
    }
    case 'kill': {
      const n = f.get('kill') as YNode;
      const signal = r.signal(n, childPath(at, 'kill'));
      const p = f.get('process');
      const process = p === undefined ? null : r.string(p, childPath(at, 'process'));
      if (process === '') r.fail(childPath(at, 'process'), 'must not be empty');
      return { kind: 'kill', host: name, signal, process };
    }
  }
}

/** A plain YAML flow-map text of one entry, as processed-config.yaml prints it. */
export function scheduleEntryText(e: ScheduleEntry): string {
  const t = (ns: number, key: string): string => formatTime(ns, e.units[key]);
  const at = `at: ${t(e.atNs, 'at')}`;
  const list = (names: readonly string[]): string => `[${names.join(', ')}]`;
  const a = e.action;
  switch (a.kind) {
    case 'heal':
      return `{${at}, heal: true}`;
    case 'partition':
      return `{${at}, partition: [${a.groups.map(list).join(', ')}]}`;
    case 'block':
      return `{${at}, block: {from: ${list(a.from)}, to: ${list(a.to)}}}`;
    case 'link': {
      const c = a.change;
      const parts = [`source: ${a.source}`, `target: ${a.target}`];
      if (c.latencyNs !== undefined) parts.push(`latency: ${t(c.latencyNs, 'latency')}`);
      if (c.jitterNs !== undefined) parts.push(`jitter: ${t(c.jitterNs, 'jitter')}`);
      if (c.loss !== undefined) parts.push(`packet_loss: ${floatText(c.loss)}`);
      if (c.bandwidthBitsPerSec !== undefined) {
        parts.push(`bandwidth: ${formatBandwidth(c.bandwidthBitsPerSec, e.units['bandwidth'])}`);
      }
      if (c.up !== undefined) parts.push(`up: ${c.up}`);
      return `{${at}, link: {${parts.join(', ')}}}`;
    }
    case 'host-down':
    case 'host-up':
      return `{${at}, host: {name: ${a.host}, down: ${a.kind === 'host-down'}}}`;
    case 'clock-offset': {
      const text = (a.offsetNs < 0 ? '-' : '') + t(Math.abs(a.offsetNs), 'clock_offset');
      return `{${at}, host: {name: ${a.host}, clock_offset: ${JSON.stringify(text)}}}`;
    }
    case 'kill': {
      const p = a.process === null ? '' : `, process: ${JSON.stringify(a.process)}`;
      return `{${at}, host: {name: ${a.host}, kill: ${signalName(a.signal)}${p}}}`;
    }
  }
}

/** A probability printed so it reads back as a YAML float. */
function floatText(p: number): string {
  const s = String(p);
  return /[.e]/u.test(s) ? s : `${s}.0`;
}

/** Signal of a kill entry given by name or number; exported for the TypeScript API. */
export function signalNumber(sig: string | number): number | null {
  return parseSignal(sig);
}

/** Latest start date whose Unix ns still fit the shared region's signed 64-bit field (year 2262). */
const MAX_START_MS = 9_000_000_000_000;

/**
 * general.start_date: an RFC 3339 date-time with a zone, like 2026-01-01T00:00:00Z,
 * as Unix ms. Realtime clocks of every host read it at simulated time 0.
 */
export function readStartDate(r: Reader, text: string, at: string): number {
  const rfc3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d{1,3})?([Zz]|[+-]\d{2}:\d{2})$/u;
  const ms = rfc3339.test(text) ? Date.parse(text.replace(' ', 'T')) : NaN;
  if (Number.isNaN(ms)) r.fail(at, `expected a date-time like 2026-01-01T00:00:00Z, got '${text}'`);
  if (ms < 0 || ms > MAX_START_MS) r.fail(at, `'${text}' is outside 1970-01-01 .. 2255-03-14`);
  return ms;
}

/** general.start_date as processed-config.yaml prints it. */
export function startDateText(ms: number): string {
  return new Date(ms).toISOString().replace('.000Z', 'Z');
}

// ---------------------------------------------------------------------------
// schedule_random: events drawn from their own seed, replayable from processed-config.yaml

export interface RandomSchedule {
  seed: number;
  partitionsPerHour: number;
  hostCrashesPerHour: number;
  linkFlapsPerHour: number;
  meanDurationNs: number;
  /** Hosts that may be crashed or partitioned (default: all). */
  hosts: string[];
}

const RANDOM_KEYS = [
  'seed',
  'partitions_per_hour',
  'host_crashes_per_hour',
  'link_flaps_per_hour',
  'mean_duration',
  'hosts',
] as const;

const NS_PER_HOUR = 3_600_000_000_000;
const NS_PER_MS = 1_000_000;

export function readRandomSchedule(r: Reader, node: YNode, hosts: ReadonlySet<string>): RandomSchedule {
  const at = 'schedule_random';
  const f = r.struct(node, at, RANDOM_KEYS);
  const rate = (key: string): number => {
    const n = f.get(key);
    if (n === undefined) return 0;
    const v = n.kind === 'int' || n.kind === 'float' ? Number(n.text) : NaN;
    if (!(v >= 0 && v <= 1e6)) r.fail(childPath(at, key), 'expected a rate per hour, a number from 0 to 1000000');
    return v;
  };
  const seed = r.u32(r.required(f, at, 'seed'), childPath(at, 'seed'));
  const mean = r.time(r.required(f, at, 'mean_duration'), childPath(at, 'mean_duration'));
  if (mean.base < NS_PER_MS) r.fail(childPath(at, 'mean_duration'), 'must be at least 1 ms');
  const hostsNode = f.get('hosts');
  let names = [...hosts];
  if (hostsNode !== undefined) {
    if (hostsNode.kind !== 'seq' || hostsNode.items.length === 0) {
      r.fail(childPath(at, 'hosts'), 'expected a non-empty list of host names');
    }
    names = hostsNode.items.map((item, i) => {
      const name = r.string(item, `${at}.hosts[${i}]`);
      if (!hosts.has(name)) r.fail(`${at}.hosts[${i}]`, `no host named '${name}'`);
      return name;
    });
  }
  const out: RandomSchedule = {
    seed,
    partitionsPerHour: rate('partitions_per_hour'),
    hostCrashesPerHour: rate('host_crashes_per_hour'),
    linkFlapsPerHour: rate('link_flaps_per_hour'),
    meanDurationNs: mean.base,
    hosts: [...new Set(names)],
  };
  if (out.partitionsPerHour > 0 && out.hosts.length < 2) {
    r.fail(childPath(at, 'hosts'), 'a partition needs at least two hosts');
  }
  return out;
}

/** A link the random schedule may flap: two GML node ids. */
export interface FlappableLink {
  source: number;
  target: number;
}

/**
 * Draws the events: for each kind, starts arrive as a Poisson process at its
 * rate and each fault lasts an exponential time of mean `meanDurationNs`. One
 * partition at a time (a heal ends every partition); a host or link already down
 * is not picked again. Times are whole milliseconds; events at or past `stopNs` are
 * left out. `draw` gives uniform numbers in [0, 1) from the schedule's seed.
 */
export function drawRandomSchedule(
  s: RandomSchedule,
  stopNs: number,
  links: readonly FlappableLink[],
  draw: () => number,
): ScheduleEntry[] {
  const out: ScheduleEntry[] = [];
  const push = (atNs: number, action: ScheduleAction): void => {
    if (atNs < stopNs) out.push({ atNs, action, where: 'schedule_random', units: { at: 'ms' } });
  };
  const exponentialMs = (meanNs: number): number =>
    Math.max(1, Math.round((-Math.log(1 - draw()) * meanNs) / NS_PER_MS));
  const pick = <T>(items: readonly T[]): T => items[Math.min(items.length - 1, Math.floor(draw() * items.length))];
  const arrivals = (perHour: number, each: (atNs: number, durationNs: number) => void): void => {
    if (perHour <= 0) return;
    const meanGapNs = NS_PER_HOUR / perHour;
    for (let t = exponentialMs(meanGapNs) * NS_PER_MS; t < stopNs; t += exponentialMs(meanGapNs) * NS_PER_MS) {
      each(t, exponentialMs(s.meanDurationNs) * NS_PER_MS);
    }
  };

  let partitionEndNs = 0;
  arrivals(s.partitionsPerHour, (t, d) => {
    if (t < partitionEndNs) return;
    // A random split into two non-empty groups, in the order the hosts were listed.
    const side = s.hosts.map(() => draw() < 0.5);
    if (side.every((x) => x === side[0])) side[Math.floor(draw() * side.length) % side.length] = !side[0];
    push(t, {
      kind: 'partition',
      groups: [s.hosts.filter((_, i) => side[i]), s.hosts.filter((_, i) => !side[i])],
    });
    push(t + d, { kind: 'heal' });
    partitionEndNs = t + d;
  });

  const hostUpAt = new Map<string, number>();
  arrivals(s.hostCrashesPerHour, (t, d) => {
    const up = s.hosts.filter((h) => (hostUpAt.get(h) ?? 0) <= t);
    if (up.length === 0) return;
    const h = pick(up);
    push(t, { kind: 'host-down', host: h });
    push(t + d, { kind: 'host-up', host: h });
    hostUpAt.set(h, t + d);
  });

  const linkUpAt = new Map<number, number>();
  arrivals(s.linkFlapsPerHour, (t, d) => {
    const up = links.map((_, i) => i).filter((i) => (linkUpAt.get(i) ?? 0) <= t);
    if (up.length === 0) return;
    const i = pick(up);
    const { source, target } = links[i];
    push(t, { kind: 'link', source, target, change: { up: false } });
    push(t + d, { kind: 'link', source, target, change: { up: true } });
    linkUpAt.set(i, t + d);
  });
  return out;
}

/** The explicit schedule and the drawn one, in time order (explicit entries first at equal times). */
export function mergeSchedules(explicit: readonly ScheduleEntry[], drawn: readonly ScheduleEntry[]): ScheduleEntry[] {
  const all = [...explicit, ...drawn];
  return all
    .map((e, i) => ({ e, i }))
    .sort((a, b) => a.e.atNs - b.e.atNs || a.i - b.i)
    .map(({ e }, i) => ({ ...e, where: e.where === 'schedule_random' ? `schedule_random[${i}]` : e.where }));
}
