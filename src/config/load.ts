// Loads a Shadow-compatible YAML experiment into a validated Config (config.md §1):
// strict typing of every key, defaults, command-line overlay, host defaults folded
// into hosts, then the semantic checks. Every user mistake is a one-line ConfigError.

import * as fs from 'node:fs';
import * as path from 'node:path';

import { LIMITS } from '../abi/protocol';
import { execSizeProblem } from './exec-limits';
import type { ExecString } from './exec-limits';
import { ExecutableError, expandTilde, resolveExecutable } from './executable';
import {
  DEFAULT_EXPERIMENTAL,
  DEFAULT_GENERAL,
  DEFAULT_HOST_OPTIONS,
  DEFAULT_UNITS,
  DEFAULT_USE_SHORTEST_PATH,
  EXPERIMENTAL_FIELDS,
  LOG_LEVELS,
  hostUnitKey,
  processUnitKey,
  setExperimental,
} from './schema';
import type { CliOverrides, FieldKind } from './schema';
import { drawRandomSchedule, mergeSchedules, readRandomSchedule, readSchedule, readStartDate } from './schedule';
import type { FlappableLink } from './schedule';
import { loadGraph } from '../net/graph';
import { formatIp6, parseIp6, reservedReason6 } from '../net/ip6';
import { Rng, hostSeed } from '../host/rng';
import { ShellSplitError, splitShellArgs } from './shell-split';
import { parseSignal } from './signals';
import { SIGTERM } from '../abi/signals';
import { ConfigError } from './types';
import type {
  Config,
  ExperimentalConfig,
  FinalState,
  GeneralConfig,
  GraphSource,
  HostConfig,
  HostOptions,
  IpFamily,
  LogLevel,
  ProcessConfig,
  SignalNumber,
} from './types';
import {
  UnitSyntaxError,
  formatTime,
  parseBandwidth,
  parseBytes,
  parseTime,
  prefixedFromInteger,
  timeFromInteger,
} from './units';
import type { Quantity } from './units';
import { YamlTreeError, childPath, describeKey, parseYamlTree } from './yaml-tree';
import type { YNode } from './yaml-tree';

export type { CliOverrides } from './schema';
export { processedConfigYaml } from './processed';
export { formatFinalState } from './signals';

export interface LoadContext {
  /** The simulator's working directory: relative paths are resolved against it. */
  cwd: string;
  /** The simulator's environment: PATH for bare program names, HOME for `~`. */
  env: NodeJS.ProcessEnv;
}

const TOP_KEYS = [
  'general',
  'network',
  'host_option_defaults',
  'experimental',
  'hosts',
  // umbra extensions
  'schedule',
  'schedule_random',
] as const;
const GENERAL_KEYS = [
  'stop_time',
  'seed',
  'parallelism',
  'bootstrap_end_time',
  'log_level',
  'heartbeat_interval',
  'data_directory',
  'template_directory',
  'progress',
  'model_unblocked_syscall_latency',
  // umbra extensions
  'start_date',
  'report',
] as const;
const NETWORK_KEYS = ['graph', 'use_shortest_path'] as const;
const HOST_OPTION_KEYS = ['log_level', 'pcap_enabled', 'pcap_capture_size'] as const;
const HOST_KEYS = [
  'network_node_id',
  'processes',
  'ip_addr',
  'bandwidth_down',
  'bandwidth_up',
  'host_options',
  // umbra extensions (IPv6)
  'ip6_addr',
  'ip_family',
] as const;
const IP_FAMILIES = ['dual', 'ipv4', 'ipv6'] as const;
const PROCESS_KEYS = [
  'path',
  'args',
  'environment',
  'start_time',
  'shutdown_time',
  'shutdown_signal',
  'expected_final_state',
] as const;

const U32_MAX = 0xffff_ffffn;
const I32_MIN = -(2n ** 31n);
const I32_MAX = 2n ** 31n - 1n;
const ONE_MICROSECOND_NS = 1_000;

/** A YAML value for messages: `1.5 (a YAML float)`, `'abc' (a string)`, `a mapping`. */
function describe(node: YNode): string {
  switch (node.kind) {
    case 'null':
      return 'null';
    case 'bool':
      return `${node.value} (a YAML bool)`;
    case 'int':
      return `${node.text} (a YAML integer)`;
    case 'float':
      return `${node.text} (a YAML float)`;
    case 'str':
      return `${quoteForMessage(node.value)} (a string)`;
    case 'seq':
      return 'a list';
    case 'map':
      return 'a mapping';
    case 'tagged':
      return `a value tagged ${node.tag}`;
  }
}

/** Quotes user text so a message stays on one line and stays short. */
function quoteForMessage(s: string): string {
  const shortened = s.length > 60 ? s.slice(0, 57) + '...' : s;
  return /^[\x20-\x7e\u00a0-\uffff]*$/u.test(shortened) && !shortened.includes("'")
    ? `'${shortened}'`
    : JSON.stringify(shortened);
}

/** The nearest allowed key, to suggest for a misspelling; null if none is close. */
function closestKey(key: string, allowed: readonly string[]): string | null {
  let best: string | null = null;
  let bestDistance = Math.max(2, Math.floor(key.length / 3)) + 1;
  for (const candidate of allowed) {
    const d = editDistance(key, candidate);
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length];
}

/** Typed access to the generic tree; every failure names the file and key path. */
export class Reader {
  constructor(private readonly fileName: string) {}

  fail(at: string, message: string): never {
    throw new ConfigError(at === '' ? `${this.fileName}: ${message}` : `${this.fileName}: ${at}: ${message}`);
  }

  /** A mapping with only `allowed` string keys; returns the entries by key. */
  struct(node: YNode, at: string, allowed: readonly string[]): Map<string, YNode> {
    if (node.kind !== 'map') this.fail(at, `expected a mapping, got ${describe(node)}`);
    const fields = new Map<string, YNode>();
    for (const { key, value } of node.entries) {
      if (key.kind !== 'str') {
        this.fail(at, `unknown key ${describeKey(key)} (keys are names such as '${allowed[0]}')`);
      }
      if (!allowed.includes(key.value)) {
        const suggestion = closestKey(key.value, allowed);
        const hint = suggestion === null ? '' : ` (did you mean '${suggestion}'?)`;
        this.fail(at, `${at === '' ? 'unknown top-level key' : 'unknown key'} '${key.value}'${hint}`);
      }
      fields.set(key.value, value);
    }
    return fields;
  }

  required(fields: Map<string, YNode>, at: string, key: string): YNode {
    const node = fields.get(key);
    if (node === undefined) this.fail(at, `missing required key '${key}'`);
    return node;
  }

  string(node: YNode, at: string): string {
    if (node.kind === 'str') return node.value;
    if (node.kind === 'int' || node.kind === 'float' || node.kind === 'bool') {
      const text = node.kind === 'bool' ? String(node.value) : node.text;
      this.fail(at, `expected a string, got ${describe(node)}; quote it: "${text}"`);
    }
    this.fail(at, `expected a string, got ${describe(node)}`);
  }

  bool(node: YNode, at: string): boolean {
    if (node.kind === 'bool') return node.value;
    this.fail(at, `expected true or false, got ${describe(node)}`);
  }

  integer(node: YNode, at: string, min: bigint, max: bigint, what: string): number {
    if (node.kind === 'int') {
      if (node.value < min || node.value > max) this.fail(at, `expected ${what}, got ${node.text} (out of range)`);
      return Number(node.value);
    }
    if (node.kind === 'str' && /^[-+]?[0-9]+$/u.test(node.value.trim())) {
      this.fail(at, `expected ${what}, got ${describe(node)}; write numbers without quotes`);
    }
    this.fail(at, `expected ${what}, got ${describe(node)}`);
  }

  u32(node: YNode, at: string): number {
    return this.integer(node, at, 0n, U32_MAX, 'an unsigned 32-bit integer');
  }

  oneOf<T extends string>(node: YNode, at: string, values: readonly T[]): T {
    if (node.kind === 'str' && (values as readonly string[]).includes(node.value)) return node.value as T;
    this.fail(at, `expected one of ${values.join(', ')}, got ${describe(node)}`);
  }

  logLevel(node: YNode, at: string): LogLevel {
    return this.oneOf(node, at, LOG_LEVELS);
  }

  time(node: YNode, at: string): Quantity {
    return this.quantity(node, at, 'a time like "10 s"', parseTime, (n) => timeFromInteger(n));
  }

  bandwidth(node: YNode, at: string): Quantity {
    return this.quantity(node, at, 'a bandwidth like "100 Mbit"', parseBandwidth, (n) =>
      prefixedFromInteger(n, 'bandwidth'),
    );
  }

  /** A host's bandwidth: zero is refused, as it would pass no traffic (or hide a typo as "no limit"). */
  hostBandwidth(node: YNode, at: string): Quantity {
    const q = this.bandwidth(node, at);
    if (q.base === 0) this.fail(at, `expected a bandwidth greater than zero, got ${describe(node)}`);
    return q;
  }

  bytes(node: YNode, at: string): Quantity {
    return this.quantity(node, at, 'a size like "64 KiB"', parseBytes, (n) => prefixedFromInteger(n, 'size'));
  }

  private quantity(
    node: YNode,
    at: string,
    expected: string,
    parseText: (text: string) => Quantity,
    fromInteger: (n: bigint) => Quantity,
  ): Quantity {
    try {
      if (node.kind === 'str') return parseText(node.value);
      if (node.kind === 'int') return fromInteger(node.value);
    } catch (err) {
      if (err instanceof UnitSyntaxError) this.fail(at, `expected ${expected}, got ${describe(node)}: ${err.reason}`);
      throw err;
    }
    this.fail(at, `expected ${expected}, got ${describe(node)}`);
  }

  nullable<T>(node: YNode | undefined, at: string, read: (node: YNode, at: string) => T): T | null | undefined {
    if (node === undefined) return undefined;
    if (node.kind === 'null') return null;
    return read.call(this, node, at);
  }

  /** A key that has a default but is not nullable: absent → undefined; `null` is an error. */
  optional<T>(node: YNode | undefined, at: string, read: (node: YNode, at: string) => T): T | undefined {
    if (node === undefined) return undefined;
    return read.call(this, node, at);
  }

  signal(node: YNode, at: string): SignalNumber {
    if (node.kind === 'str' || node.kind === 'int') {
      const n =
        node.kind === 'str'
          ? parseSignal(node.value)
          : node.value >= 1n && node.value <= 31n
            ? parseSignal(Number(node.value))
            : null;
      if (n !== null) return n;
    }
    const hint = node.kind === 'str' && /^[0-9]+$/u.test(node.value) ? '; write numbers without quotes' : '';
    this.fail(at, `expected a signal name like SIGTERM or a number 1-31, got ${describe(node)}${hint}`);
  }

  finalState(node: YNode, at: string): FinalState {
    const expected = 'expected {exited: <code>}, {signaled: <signal>} or running';
    if (node.kind === 'str' && node.value === 'running') return { kind: 'running' };
    let variant: string | null = null;
    let payload: YNode | null = null;
    if (node.kind === 'map' && node.entries.length === 1 && node.entries[0].key.kind === 'str') {
      variant = node.entries[0].key.value;
      payload = node.entries[0].value;
    } else if (node.kind === 'tagged') {
      variant = node.tag.replace(/^!/u, '');
      payload = node.value;
    }
    if (variant === 'exited' && payload !== null) {
      return {
        kind: 'exited',
        code: this.integer(payload, `${at}.exited`, I32_MIN, I32_MAX, 'an exit status (integer)'),
      };
    }
    if (variant === 'signaled' && payload !== null) {
      return { kind: 'signaled', signal: this.signal(payload, `${at}.signaled`) };
    }
    this.fail(at, `${expected}, got ${describe(node)}`);
  }
}

/** Host names (§6.1): a-z 0-9 - . only, non-empty, no leading '-', ≤ 253, not localhost. */
function hostNameProblem(name: string): string | null {
  if (name === '') return 'is empty';
  if (name.length > 253) return 'is longer than 253 characters';
  if (!/^[a-z0-9.-]+$/u.test(name)) return "may only contain lower-case letters a-z, digits, '-' and '.'";
  if (name.startsWith('-')) return "must not begin with '-'";
  if (name.toLowerCase() === 'localhost') return "is reserved (localhost is every host's loopback name)";
  return null;
}

/** Dotted-quad IPv4 octets, or null; leading zeros are refused as Rust's parser does. */
function parseIpv4(text: string): number[] | null {
  const parts = text.split('.');
  if (parts.length !== 4) return null;
  const octets: number[] = [];
  for (const part of parts) {
    if (!/^(?:0|[1-9][0-9]{0,2})$/u.test(part)) return null;
    const n = Number(part);
    if (n > 255) return null;
    octets.push(n);
  }
  return octets;
}

function reservedIpProblem(octets: number[]): string | null {
  const [a] = octets;
  if (octets.every((o) => o === 0)) return 'is the unspecified address';
  if (a === 127) return 'is a loopback address (127.0.0.0/8)';
  if (a >= 224 && a <= 239) return 'is a multicast address (224.0.0.0/4)';
  if (octets.every((o) => o === 255)) return 'is the broadcast address';
  return null;
}

interface PendingProcess {
  at: string;
  pathText: string;
  args: string | string[];
  environment: Array<[string, string]>;
  startTime: Quantity;
  shutdownTime: Quantity | null;
  shutdownSignal: SignalNumber;
  expectedFinalState: FinalState;
}

interface PendingHost {
  name: string;
  networkNodeId: number;
  ipAddr: string | null;
  bandwidthDown: Quantity | null;
  bandwidthUp: Quantity | null;
  options: { logLevel?: LogLevel | null; pcapEnabled?: boolean | null; pcapCaptureSize?: Quantity | null };
  processes: PendingProcess[];
  // umbra extensions (IPv6)
  ip6Addr: string | null;
  ipFamily: IpFamily;
}

/** Partial host options as written in the file, null meaning "not set". */
type FileHostOptions = PendingHost['options'];

function readHostOptions(r: Reader, node: YNode, at: string): FileHostOptions {
  const f = r.struct(node, at, HOST_OPTION_KEYS);
  return {
    logLevel: r.nullable(f.get('log_level'), childPath(at, 'log_level'), r.logLevel),
    pcapEnabled: r.nullable(f.get('pcap_enabled'), childPath(at, 'pcap_enabled'), r.bool),
    pcapCaptureSize: r.nullable(f.get('pcap_capture_size'), childPath(at, 'pcap_capture_size'), r.bytes),
  };
}

function readGraph(r: Reader, node: YNode, at: string): GraphSource {
  if (node.kind !== 'map') r.fail(at, `expected a mapping, got ${describe(node)}`);
  const typeEntry = node.entries.find((e) => e.key.kind === 'str' && e.key.value === 'type');
  if (typeEntry === undefined) r.fail(at, "missing required key 'type' (gml or 1_gbit_switch)");
  const type = r.oneOf(typeEntry.value, childPath(at, 'type'), ['gml', '1_gbit_switch'] as const);
  // §4: keys beside `type: 1_gbit_switch` are ignored, as Shadow does.
  if (type === '1_gbit_switch') return { type };
  const f = r.struct(node, at, ['type', 'inline', 'file']);
  const inline = f.get('inline');
  const file = f.get('file');
  if (inline !== undefined && file !== undefined) r.fail(at, "give only one of 'inline' and 'file'");
  if (inline !== undefined) return { type, inline: r.string(inline, childPath(at, 'inline')) };
  if (file === undefined) r.fail(at, "with type gml, one of 'inline' or 'file' is required");
  const fileAt = childPath(at, 'file');
  const ff = r.struct(file, fileAt, ['path', 'compression']);
  const filePath = r.string(r.required(ff, fileAt, 'path'), childPath(fileAt, 'path'));
  const compression =
    r.nullable(ff.get('compression'), childPath(fileAt, 'compression'), (n, a) => r.oneOf(n, a, ['xz'] as const)) ??
    null;
  return { type, file: { path: filePath, compression } };
}

function readExperimental(
  r: Reader,
  node: YNode | undefined,
  units: Record<string, string>,
): Partial<ExperimentalConfig> {
  const result: Partial<ExperimentalConfig> = {};
  if (node === undefined) return result;
  const f = r.struct(
    node,
    'experimental',
    EXPERIMENTAL_FIELDS.map((field) => field.key),
  );
  for (const field of EXPERIMENTAL_FIELDS) {
    const value = f.get(field.key);
    if (value === undefined) continue;
    const at = `experimental.${field.key}`;
    const parsed = readField(r, value, at, field.kind);
    if (parsed !== null && typeof parsed === 'object') {
      setExperimental(result, field.prop, parsed.base);
      units[at] = parsed.unit;
    } else {
      setExperimental(result, field.prop, parsed);
    }
  }
  return result;
}

function readField(r: Reader, node: YNode, at: string, kind: FieldKind): boolean | string | Quantity | null {
  switch (kind.type) {
    case 'bool':
      return r.bool(node, at);
    case 'enum':
      return r.oneOf(node, at, kind.values);
    case 'bytes':
      return r.bytes(node, at);
    case 'time':
      if (kind.nullable && node.kind === 'null') return null;
      return r.time(node, at);
  }
}

function readProcess(r: Reader, node: YNode, at: string): PendingProcess {
  const f = r.struct(node, at, PROCESS_KEYS);
  const pathText = r.string(r.required(f, at, 'path'), childPath(at, 'path'));

  let args: string | string[] = '';
  const argsNode = f.get('args');
  const argsAt = childPath(at, 'args');
  if (argsNode !== undefined) {
    if (argsNode.kind === 'seq') {
      args = argsNode.items.map((item, i) => r.string(item, `${argsAt}[${i}]`));
    } else if (argsNode.kind === 'str') {
      args = argsNode.value;
    } else {
      r.fail(argsAt, `expected a string or a list of strings, got ${describe(argsNode)}`);
    }
  }

  const environment: Array<[string, string]> = [];
  const envNode = f.get('environment');
  const envAt = childPath(at, 'environment');
  if (envNode !== undefined) {
    if (envNode.kind !== 'map') r.fail(envAt, `expected a mapping of names to strings, got ${describe(envNode)}`);
    for (const { key, value } of envNode.entries) {
      if (key.kind !== 'str') r.fail(envAt, `variable name ${describeKey(key)} must be a string; quote it`);
      if (key.value === '' || key.value.includes('=') || key.value.includes('\0')) {
        r.fail(envAt, `invalid variable name ${quoteForMessage(key.value)}: must be non-empty, without '=' or NUL`);
      }
      const text = r.string(value, childPath(envAt, key.value));
      if (text.includes('\0')) r.fail(childPath(envAt, key.value), 'a value cannot contain a NUL character');
      environment.push([key.value, text]);
    }
  }

  const startTime = r.optional(f.get('start_time'), childPath(at, 'start_time'), r.time) ?? { base: 0, unit: 'sec' };
  const shutdownTime = r.nullable(f.get('shutdown_time'), childPath(at, 'shutdown_time'), r.time) ?? null;
  const shutdownSignal = r.optional(f.get('shutdown_signal'), childPath(at, 'shutdown_signal'), r.signal) ?? SIGTERM;
  const expectedFinalState = r.optional(
    f.get('expected_final_state'),
    childPath(at, 'expected_final_state'),
    r.finalState,
  ) ?? { kind: 'exited', code: 0 };
  return { at, pathText, args, environment, startTime, shutdownTime, shutdownSignal, expectedFinalState };
}

function readHost(r: Reader, name: string, node: YNode): PendingHost {
  const at = `hosts.${name}`;
  const f = r.struct(node, at, HOST_KEYS);
  const networkNodeId = r.u32(r.required(f, at, 'network_node_id'), childPath(at, 'network_node_id'));
  const processesNode = r.required(f, at, 'processes');
  const processesAt = childPath(at, 'processes');
  if (processesNode.kind !== 'seq') r.fail(processesAt, `expected a list of processes, got ${describe(processesNode)}`);
  const processes = processesNode.items.map((item, i) => readProcess(r, item, `${processesAt}[${i}]`));

  const ipAt = childPath(at, 'ip_addr');
  const ipAddr = r.nullable(f.get('ip_addr'), ipAt, r.string) ?? null;
  if (ipAddr !== null && parseIpv4(ipAddr) === null) {
    r.fail(ipAt, `expected an IPv4 address like "11.0.0.1", got ${quoteForMessage(ipAddr)}`);
  }
  const bandwidthDown = r.nullable(f.get('bandwidth_down'), childPath(at, 'bandwidth_down'), r.hostBandwidth) ?? null;
  const bandwidthUp = r.nullable(f.get('bandwidth_up'), childPath(at, 'bandwidth_up'), r.hostBandwidth) ?? null;
  const optionsNode = f.get('host_options');
  const options = optionsNode === undefined ? {} : readHostOptions(r, optionsNode, childPath(at, 'host_options'));
  const { ip6Addr, ipFamily } = readHostIp6(r, f, at, ipAddr);
  return { name, networkNodeId, ipAddr, bandwidthDown, bandwidthUp, options, processes, ip6Addr, ipFamily };
}

/** umbra extension: `ip6_addr` (checked like ip_addr) and `ip_family` (dual, ipv4 or ipv6). */
function readHostIp6(
  r: Reader,
  f: Map<string, YNode>,
  at: string,
  ipAddr: string | null,
): { ip6Addr: string | null; ipFamily: IpFamily } {
  const familyAt = childPath(at, 'ip_family');
  const ipFamily = r.nullable(f.get('ip_family'), familyAt, (n, a) => r.oneOf(n, a, IP_FAMILIES)) ?? 'dual';
  const ip6At = childPath(at, 'ip6_addr');
  const ip6Addr = r.nullable(f.get('ip6_addr'), ip6At, r.string) ?? null;
  if (ip6Addr !== null) {
    const bytes = parseIp6(ip6Addr);
    if (bytes === null) r.fail(ip6At, `expected an IPv6 address like "fd00::1", got ${quoteForMessage(ip6Addr)}`);
    const reserved = reservedReason6(bytes);
    if (reserved !== null) r.fail(ip6At, `${ip6Addr} is ${reserved} and cannot be a host address`);
    if (ipFamily === 'ipv4') r.fail(ip6At, 'the host is IPv4-only (ip_family: ipv4) and cannot have an IPv6 address');
  }
  if (ipAddr !== null && ipFamily === 'ipv6') {
    r.fail(childPath(at, 'ip_addr'), 'the host is IPv6-only (ip_family: ipv6) and cannot have an IPv4 address');
  }
  return { ip6Addr, ipFamily };
}

/**
 * Why `count` hosts do not fit a shared region of `limit` host blocks, or null.
 * Said before reading any host, so a huge config fails at once.
 */
export function hostCountProblem(count: number, limit: number = LIMITS.MAX_HOSTS): string | null {
  return count > limit ? `${count} hosts are more than one simulation can hold (limit ${limit})` : null;
}

function readHosts(r: Reader, node: YNode): PendingHost[] {
  if (node.kind !== 'map') r.fail('hosts', `expected a mapping of host names to hosts, got ${describe(node)}`);
  const tooMany = hostCountProblem(node.entries.length);
  if (tooMany !== null) r.fail('hosts', tooMany);
  const named: Array<{ name: string; node: YNode }> = [];
  for (const { key, value } of node.entries) {
    if (key.kind !== 'str') {
      const text = describeKey(key);
      r.fail('hosts', `host name ${text} must be a string; quote it: "${text}"`);
    }
    const problem = hostNameProblem(key.value);
    if (problem !== null) r.fail('hosts', `host name ${quoteForMessage(key.value)} ${problem}`);
    named.push({ name: key.value, node: value });
  }
  // Byte-wise order (§6.1); names are ASCII, so UTF-16 comparison agrees.
  named.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return named.map(({ name, node: hostNode }) => readHost(r, name, hostNode));
}

/** Copies the defined fields of `overlay` onto `base` (undefined means "not given"). */
function overlay<T extends object>(base: T, patch: Partial<T> | undefined): T {
  if (patch === undefined) return base;
  const out = { ...base };
  for (const key of Object.keys(patch) as Array<keyof T>) {
    const value = patch[key];
    if (value !== undefined) out[key] = value as T[keyof T];
  }
  return out;
}

/** Records the unit a quantity was written in, or forgets a stale one. */
function noteUnit(units: Record<string, string>, key: string, q: Quantity | null | undefined): void {
  if (q === undefined) return;
  if (q === null) delete units[key];
  else units[key] = q.unit;
}

/** Applies CLI-given units; a CLI value without a unit makes the file's unit stale. */
function overlayUnits(
  units: Record<string, string>,
  key: string,
  given: unknown,
  cliUnits: Record<string, string> | undefined,
): void {
  if (given === undefined) return;
  const unit = cliUnits?.[key];
  if (unit !== undefined) units[key] = unit;
  else delete units[key];
}

/**
 * Parses and validates a configuration. `source.fileName` is used in messages
 * only; the caller reads the file (or stdin).
 */
export function loadConfig(
  source: { text: string; fileName: string },
  overrides: CliOverrides,
  ctx: LoadContext,
): Config {
  // Annotated so TypeScript treats r.fail() as ending control flow.
  const r: Reader = new Reader(source.fileName);
  let tree: YNode;
  try {
    tree = parseYamlTree(source.text);
  } catch (err) {
    if (!(err instanceof YamlTreeError)) throw err;
    const line = err.line === null ? '' : ` (line ${err.line})`;
    if (err.syntax) throw new ConfigError(`${source.fileName}: not valid YAML: ${err.reason}${line}`);
    r.fail(err.keyPath ?? '', `${err.reason}${line}`);
  }
  if (tree.kind === 'null') r.fail('', 'the file is empty; expected a mapping with general, network and hosts');
  const top = r.struct(tree, '', TOP_KEYS);
  const units: Record<string, string> = { ...DEFAULT_UNITS };

  // general
  const g = r.struct(r.required(top, '', 'general'), 'general', GENERAL_KEYS);
  const stopTime = r.optional(g.get('stop_time'), 'general.stop_time', r.time);
  const bootstrap = r.optional(g.get('bootstrap_end_time'), 'general.bootstrap_end_time', r.time);
  const heartbeat = r.nullable(g.get('heartbeat_interval'), 'general.heartbeat_interval', r.time);
  noteUnit(units, 'general.stop_time', stopTime);
  noteUnit(units, 'general.bootstrap_end_time', bootstrap);
  noteUnit(units, 'general.heartbeat_interval', heartbeat);
  const fileGeneral: Partial<GeneralConfig> = {
    stopTimeNs: stopTime?.base,
    seed: r.optional(g.get('seed'), 'general.seed', r.u32),
    parallelism: r.optional(g.get('parallelism'), 'general.parallelism', r.u32),
    bootstrapEndTimeNs: bootstrap?.base,
    logLevel: r.optional(g.get('log_level'), 'general.log_level', r.logLevel),
    heartbeatIntervalNs: heartbeat === null ? null : heartbeat?.base,
    dataDirectory: r.optional(g.get('data_directory'), 'general.data_directory', r.string),
    templateDirectory: r.nullable(g.get('template_directory'), 'general.template_directory', r.string),
    progress: r.optional(g.get('progress'), 'general.progress', r.bool),
    modelUnblockedSyscallLatency: r.optional(
      g.get('model_unblocked_syscall_latency'),
      'general.model_unblocked_syscall_latency',
      r.bool,
    ),
    startDateUnixMs: r.optional(g.get('start_date'), 'general.start_date', (node, at) =>
      readStartDate(r, r.string(node, at), at),
    ),
    report: r.optional(g.get('report'), 'general.report', r.bool),
  };

  // network
  const n = r.struct(r.required(top, '', 'network'), 'network', NETWORK_KEYS);
  const graph = readGraph(r, r.required(n, 'network', 'graph'), 'network.graph');
  const fileUseShortestPath = r.optional(n.get('use_shortest_path'), 'network.use_shortest_path', r.bool);

  // host_option_defaults, experimental
  const defaultsNode = top.get('host_option_defaults');
  const fileHostDefaults: FileHostOptions =
    defaultsNode === undefined ? {} : readHostOptions(r, defaultsNode, 'host_option_defaults');
  const fileExperimental = readExperimental(r, top.get('experimental'), units);

  // hosts
  const pendingHosts = readHosts(r, r.required(top, '', 'hosts'));

  // §1 step 6: command-line overlay (CLI > file > default).
  const cliGeneral = overrides.general ?? {};
  for (const [key, prop] of [
    ['general.stop_time', 'stopTimeNs'],
    ['general.bootstrap_end_time', 'bootstrapEndTimeNs'],
    ['general.heartbeat_interval', 'heartbeatIntervalNs'],
  ] as const) {
    overlayUnits(units, key, cliGeneral[prop], overrides.units);
  }
  const merged = overlay(overlay<Partial<GeneralConfig>>({ ...DEFAULT_GENERAL }, fileGeneral), cliGeneral);
  if (merged.stopTimeNs === undefined) {
    r.fail('general', "missing required key 'stop_time' (set it in the file or give --stop-time)");
  }
  const general: GeneralConfig = { stopTimeNs: merged.stopTimeNs, ...DEFAULT_GENERAL, ...merged };

  const experimental = overlay(overlay(DEFAULT_EXPERIMENTAL, fileExperimental), overrides.experimental);
  for (const field of EXPERIMENTAL_FIELDS) {
    const given =
      overrides.experimental === undefined
        ? undefined
        : (overrides.experimental as Record<string, unknown>)[field.prop];
    overlayUnits(units, `experimental.${field.key}`, given, overrides.units);
  }
  const useShortestPath = overrides.network?.useShortestPath ?? fileUseShortestPath ?? DEFAULT_USE_SHORTEST_PATH;

  // Host options: the host's own value > CLI > file host_option_defaults > built-in (§5).
  const cliHost = overrides.hostOptionDefaults ?? {};
  const defaultsLogLevel =
    cliHost.logLevel !== undefined ? cliHost.logLevel : (fileHostDefaults.logLevel ?? DEFAULT_HOST_OPTIONS.logLevel);
  const defaultsPcap = cliHost.pcapEnabled ?? fileHostDefaults.pcapEnabled ?? DEFAULT_HOST_OPTIONS.pcapEnabled;
  let defaultsCapture: Quantity;
  if (cliHost.pcapCaptureSizeBytes !== undefined) {
    defaultsCapture = {
      base: cliHost.pcapCaptureSizeBytes,
      unit: overrides.units?.['host_option_defaults.pcap_capture_size'] ?? 'B',
    };
  } else {
    defaultsCapture = fileHostDefaults.pcapCaptureSize ?? {
      base: DEFAULT_HOST_OPTIONS.pcapCaptureSizeBytes,
      unit: DEFAULT_UNITS['host_option_defaults.pcap_capture_size'],
    };
  }
  delete units['host_option_defaults.pcap_capture_size'];

  const hosts: HostConfig[] = [];
  const argsText = new Map<ProcessConfig, string | string[]>();
  const pathText = new Map<ProcessConfig, string>();
  const processAt = new Map<ProcessConfig, string>();
  for (const h of pendingHosts) {
    const capture = h.options.pcapCaptureSize ?? defaultsCapture;
    const options: HostOptions = {
      logLevel: h.options.logLevel ?? defaultsLogLevel,
      pcapEnabled: h.options.pcapEnabled ?? defaultsPcap,
      pcapCaptureSizeBytes: capture.base,
    };
    units[hostUnitKey(h.name, 'host_options.pcap_capture_size')] = capture.unit;
    noteUnit(units, hostUnitKey(h.name, 'bandwidth_down'), h.bandwidthDown ?? undefined);
    noteUnit(units, hostUnitKey(h.name, 'bandwidth_up'), h.bandwidthUp ?? undefined);
    const processes = h.processes.map((p, i): ProcessConfig => {
      units[processUnitKey(h.name, i, 'start_time')] = p.startTime.unit;
      if (p.shutdownTime !== null) units[processUnitKey(h.name, i, 'shutdown_time')] = p.shutdownTime.unit;
      const pc: ProcessConfig = {
        path: p.pathText,
        resolvedPath: '',
        args: [],
        environment: p.environment,
        startTimeNs: p.startTime.base,
        shutdownTimeNs: p.shutdownTime?.base ?? null,
        shutdownSignal: p.shutdownSignal,
        expectedFinalState: p.expectedFinalState,
      };
      argsText.set(pc, p.args);
      pathText.set(pc, p.pathText);
      processAt.set(pc, p.at);
      return pc;
    });
    hosts.push({
      name: h.name,
      networkNodeId: h.networkNodeId,
      ipAddr: h.ipAddr,
      ...(h.ip6Addr !== null ? { ip6Addr: h.ip6Addr } : {}),
      ...(h.ipFamily !== 'dual' ? { ipFamily: h.ipFamily } : {}),
      bandwidthDownBits: h.bandwidthDown?.base ?? null,
      bandwidthUpBits: h.bandwidthUp?.base ?? null,
      options,
      processes,
    });
  }

  // §1 step 7, in order. Times first: process times against stop_time.
  const stopNs = general.stopTimeNs;
  const stopText = formatTime(stopNs, units['general.stop_time']);
  for (const host of hosts) {
    host.processes.forEach((p, i) => {
      const at = processAt.get(p) ?? '';
      const startText = formatTime(p.startTimeNs, units[processUnitKey(host.name, i, 'start_time')]);
      if (p.startTimeNs >= stopNs) {
        r.fail(childPath(at, 'start_time'), `${startText} is not before general.stop_time (${stopText})`);
      }
      if (p.shutdownTimeNs !== null) {
        const shutdownText = formatTime(p.shutdownTimeNs, units[processUnitKey(host.name, i, 'shutdown_time')]);
        if (p.shutdownTimeNs <= p.startTimeNs) {
          r.fail(childPath(at, 'shutdown_time'), `${shutdownText} is not after start_time (${startText})`);
        }
        if (p.shutdownTimeNs >= stopNs) {
          r.fail(childPath(at, 'shutdown_time'), `${shutdownText} is not before general.stop_time (${stopText})`);
        }
      }
    });
  }
  // Argument strings.
  for (const host of hosts) {
    for (const p of host.processes) {
      const raw = argsText.get(p) ?? '';
      if (typeof raw !== 'string') {
        p.args = raw;
        continue;
      }
      try {
        p.args = splitShellArgs(raw);
      } catch (err) {
        if (!(err instanceof ShellSplitError)) throw err;
        r.fail(childPath(processAt.get(p) ?? '', 'args'), `cannot split into arguments: ${err.message}`);
      }
    }
  }
  // Executables, hosts in name order. Hosts cloned from one anchor share paths,
  // so each distinct path string is looked up once.
  const resolvedByText = new Map<string, ReturnType<typeof resolveExecutable>>();
  for (const host of hosts) {
    for (const p of host.processes) {
      try {
        const written = pathText.get(p) ?? p.path;
        const resolved = resolvedByText.get(written) ?? resolveExecutable(written, ctx);
        resolvedByText.set(written, resolved);
        p.path = resolved.expanded;
        p.resolvedPath = resolved.resolvedPath;
        p.execPath = resolved.located;
      } catch (err) {
        if (!(err instanceof ExecutableError)) throw err;
        r.fail(childPath(processAt.get(p) ?? '', 'path'), err.message);
      }
    }
  }
  // Sizes execve would refuse (E2BIG), now rather than at spawn.
  for (const host of hosts) {
    for (const p of host.processes) {
      const at = processAt.get(p) ?? '';
      const raw = argsText.get(p) ?? '';
      const argAt = (i: number): Pick<ExecString, 'at' | 'which'> =>
        typeof raw === 'string'
          ? { at: childPath(at, 'args'), which: p.args.length > 1 ? `argument ${i + 1} has ` : '' }
          : { at: `${childPath(at, 'args')}[${i}]`, which: '' };
      const strings: ExecString[] = [
        { at: childPath(at, 'path'), which: '', text: p.path },
        ...p.args.map((text, i) => ({ ...argAt(i), text })),
        ...p.environment.map(([name, value]) => ({
          at: childPath(childPath(at, 'environment'), name),
          which: '',
          text: `${name}=${value}`,
        })),
      ];
      const problem = execSizeProblem(at, p.resolvedPath, strings);
      if (problem !== null) r.fail(problem.at, problem.message);
    }
  }
  if (hosts.length === 0) r.fail('hosts', 'at least one host is required');

  let graphSource = graph;
  if ('file' in graphSource) {
    const at = 'network.graph.file.path';
    let absolute: string;
    try {
      absolute = path.resolve(ctx.cwd, expandTilde(graphSource.file.path, ctx.env));
    } catch (err) {
      if (!(err instanceof ExecutableError)) throw err;
      r.fail(at, err.message);
    }
    let isFile = false;
    try {
      isFile = fs.statSync(absolute).isFile();
    } catch {
      r.fail(at, `'${graphSource.file.path}' does not exist (looked in ${ctx.cwd})`);
    }
    if (!isFile) r.fail(at, `'${graphSource.file.path}' is not a regular file`);
    graphSource = { type: 'gml', file: { path: absolute, compression: graphSource.file.compression } };
  }

  // Explicit addresses: well-formed was checked while reading; here uniqueness and reserved ranges.
  const ipOwner = new Map<string, string>();
  for (const host of hosts) {
    if (host.ipAddr === null) continue;
    const at = `hosts.${host.name}.ip_addr`;
    const octets = parseIpv4(host.ipAddr) ?? [];
    const canonical = octets.join('.');
    const reserved = reservedIpProblem(octets);
    if (reserved !== null) r.fail(at, `${host.ipAddr} ${reserved} and cannot be a host address`);
    const other = ipOwner.get(canonical);
    if (other !== undefined) r.fail(at, `${host.ipAddr} is already the address of host '${other}'`);
    ipOwner.set(canonical, host.name);
  }
  const ip6Owner = new Map<string, string>();
  for (const host of hosts) {
    if (host.ip6Addr === undefined || host.ip6Addr === null) continue;
    const canonical = formatIp6(parseIp6(host.ip6Addr) ?? new Uint8Array(16));
    const other = ip6Owner.get(canonical);
    if (other !== undefined) {
      r.fail(`hosts.${host.name}.ip6_addr`, `${host.ip6Addr} is already the address of host '${other}'`);
    }
    ip6Owner.set(canonical, host.name);
  }

  if (experimental.nativePreemptionNativeIntervalNs < ONE_MICROSECOND_NS) {
    r.fail(
      'experimental.native_preemption_native_interval',
      `${formatTime(experimental.nativePreemptionNativeIntervalNs, units['experimental.native_preemption_native_interval'])} is below the 1 μs minimum`,
    );
  }

  // umbra extension: the fault schedule, checked against the hosts and stop time.
  const scheduleNode = top.get('schedule');
  let schedule =
    scheduleNode === undefined
      ? []
      : readSchedule(r, scheduleNode, new Set(hosts.map((h) => h.name)), stopNs, stopText);
  const randomNode = top.get('schedule_random');
  if (randomNode !== undefined) {
    const random = readRandomSchedule(r, randomNode, new Set(hosts.map((h) => h.name)));
    const links = random.linkFlapsPerHour > 0 ? flappableLinks(r, graphSource, ctx) : [];
    const rng = new Rng(hostSeed(random.seed, '#schedule_random'));
    schedule = mergeSchedules(
      schedule,
      drawRandomSchedule(random, stopNs, links, () => rng.nextFloat()),
    );
  }

  return {
    general,
    network: { graph: graphSource, useShortestPath },
    experimental,
    hosts,
    units,
    schedule,
  };
}

/** Links between distinct nodes of the graph, which schedule_random may take down. */
function flappableLinks(r: Reader, graph: GraphSource, ctx: LoadContext): FlappableLink[] {
  const links = loadGraph(graph, ctx.cwd)
    .edges.filter((e) => e.source !== e.target)
    .map((e) => ({ source: e.source, target: e.target }));
  if (links.length === 0) {
    r.fail('schedule_random.link_flaps_per_hour', 'the network graph has no link between two different nodes');
  }
  return links;
}
