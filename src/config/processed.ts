// Writes processed-config.yaml (config.md §11): the effective configuration after
// merges, x- removal, CLI overlay and host-default folding, in a fixed key order so
// the same Config always prints the same bytes, and so umbra can load it back.

import { EXPERIMENTAL_FIELDS, getExperimental, hostUnitKey, processUnitKey } from './schema';
import { scheduleEntryText, startDateText } from './schedule';
import { formatFinalState, signalName } from './signals';
import type { Config, GraphSource, HostConfig, ProcessConfig } from './types';
import { formatBandwidth, formatBytes, formatTime } from './units';
import { resolvePlain } from './yaml-tree';

/** A node of the output document. Scalars carry their final YAML text. */
type Out =
  | { t: 'scalar'; text: string }
  | { t: 'block'; text: string }
  | { t: 'map'; entries: Array<[string, Out]> }
  | { t: 'seq'; items: Out[] };

const scalar = (text: string): Out => ({ t: 'scalar', text });
const str = (s: string): Out =>
  s.includes('\n') && fitsBlockLiteral(s) ? { t: 'block', text: s } : scalar(yamlString(s));
const bool = (b: boolean): Out => scalar(String(b));
const num = (n: number): Out => scalar(String(n));
const NULL = scalar('null');
const nullable = <T>(v: T | null, f: (v: T) => Out): Out => (v === null ? NULL : f(v));
const map = (entries: Array<[string, Out]>): Out => ({ t: 'map', entries });

const PLAIN_SAFE = /^[A-Za-z0-9_./][A-Za-z0-9_./+=@%~-]*(?: [A-Za-z0-9_./+=@%~μ-]+)*$/u;

/** Plain when unambiguous (it reads back as the same string), else double-quoted. */
function yamlString(s: string): string {
  if (PLAIN_SAFE.test(s) && !/^(?:---|\.\.\.)/u.test(s) && resolvePlain(s).kind === 'str') return s;
  // A JSON string is a valid YAML double-quoted scalar.
  return JSON.stringify(s);
}

/** Multi-line text (inline GML) reads best as a literal block, when it can be one. */
function fitsBlockLiteral(s: string): boolean {
  // Control characters are exactly what this rejects.
  // eslint-disable-next-line no-control-regex
  return /^[^\x00-\x08\x0b-\x1f\x7f\u2028\u2029\ufeff]*$/u.test(s) && s.trim() !== '';
}

function emitBlock(text: string, indent: string): string {
  const chomp = !text.endsWith('\n') ? '-' : text.endsWith('\n\n') ? '+' : '';
  const body = chomp === '-' ? text : text.slice(0, -1);
  const lines = body.split('\n');
  const firstContent = lines.find((l) => l.trim() !== '') ?? '';
  // Leading spaces on the first content line would be taken as indentation.
  const indicator = /^\s/u.test(firstContent) ? '2' : '';
  const content = lines.map((l) => (l === '' ? '' : indent + '  ' + l)).join('\n');
  return `|${indicator}${chomp}\n${content}\n`;
}

function emitValue(key: string, value: Out, indent: string): string {
  const head = `${indent}${key}:`;
  switch (value.t) {
    case 'scalar':
      return `${head} ${value.text}\n`;
    case 'block':
      return `${head} ${emitBlock(value.text, indent)}`;
    case 'map':
      return value.entries.length === 0 ? `${head} {}\n` : `${head}\n${emitMap(value.entries, indent + '  ')}`;
    case 'seq':
      return value.items.length === 0 ? `${head} []\n` : `${head}\n${emitSeq(value.items, indent + '  ')}`;
  }
}

function emitMap(entries: Array<[string, Out]>, indent: string): string {
  return entries.map(([k, v]) => emitValue(yamlString(k), v, indent)).join('');
}

function emitSeq(items: Out[], indent: string): string {
  return items
    .map((item) => {
      if (item.t === 'map' && item.entries.length > 0) {
        // The first key shares the dash's line; the rest align under it.
        const inner = emitMap(item.entries, indent + '  ');
        return indent + '- ' + inner.slice(indent.length + 2);
      }
      if (item.t === 'scalar') return `${indent}- ${item.text}\n`;
      if (item.t === 'block') return `${indent}- ${emitBlock(item.text, indent)}`;
      return `${indent}- ${item.t === 'map' ? '{}' : '[]'}\n`;
    })
    .join('');
}

function graphOut(graph: GraphSource): Out {
  if (graph.type === '1_gbit_switch') return map([['type', scalar('1_gbit_switch')]]);
  if ('inline' in graph)
    return map([
      ['type', scalar('gml')],
      ['inline', str(graph.inline)],
    ]);
  return map([
    ['type', scalar('gml')],
    [
      'file',
      map([
        ['path', str(graph.file.path)],
        ['compression', nullable(graph.file.compression, scalar)],
      ]),
    ],
  ]);
}

function processOut(cfg: Config, host: HostConfig, p: ProcessConfig, index: number): Out {
  const unit = (key: string): string | undefined => cfg.units?.[processUnitKey(host.name, index, key)];
  return map([
    ['path', str(p.path)],
    // Always the list form: exactly the argv umbra will use, with no re-splitting on reload.
    ['args', scalar(`[${p.args.map((a) => JSON.stringify(a)).join(', ')}]`)],
    ['environment', map(p.environment.map(([k, v]): [string, Out] => [k, str(v)]))],
    ['start_time', scalar(formatTime(p.startTimeNs, unit('start_time')))],
    ['shutdown_time', nullable(p.shutdownTimeNs, (ns) => scalar(formatTime(ns, unit('shutdown_time'))))],
    ['shutdown_signal', scalar(signalName(p.shutdownSignal))],
    ['expected_final_state', scalar(formatFinalState(p.expectedFinalState))],
  ]);
}

/** umbra's IPv6 keys, printed only when set (a plain IPv4 config reads back unchanged). */
function ip6Entries(host: HostConfig): Array<[string, Out]> {
  const out: Array<[string, Out]> = [];
  if (host.ip6Addr !== undefined && host.ip6Addr !== null) out.push(['ip6_addr', str(host.ip6Addr)]);
  if (host.ipFamily !== undefined && host.ipFamily !== 'dual') out.push(['ip_family', scalar(host.ipFamily)]);
  return out;
}

function hostOut(cfg: Config, host: HostConfig): Out {
  const unit = (key: string): string | undefined => cfg.units?.[hostUnitKey(host.name, key)];
  return map([
    ['network_node_id', num(host.networkNodeId)],
    ['processes', { t: 'seq', items: host.processes.map((p, i) => processOut(cfg, host, p, i)) }],
    ['ip_addr', nullable(host.ipAddr, str)],
    ...ip6Entries(host),
    ['bandwidth_down', nullable(host.bandwidthDownBits, (b) => scalar(formatBandwidth(b, unit('bandwidth_down'))))],
    ['bandwidth_up', nullable(host.bandwidthUpBits, (b) => scalar(formatBandwidth(b, unit('bandwidth_up'))))],
    [
      'host_options',
      map([
        ['log_level', nullable(host.options.logLevel, scalar)],
        ['pcap_enabled', bool(host.options.pcapEnabled)],
        [
          'pcap_capture_size',
          scalar(formatBytes(host.options.pcapCaptureSizeBytes, unit('host_options.pcap_capture_size'))),
        ],
      ]),
    ],
  ]);
}

/** The text of processed-config.yaml for `cfg`. */
export function processedConfigYaml(cfg: Config): string {
  const g = cfg.general;
  const unit = (key: string): string | undefined => cfg.units?.[key];
  const experimental: Array<[string, Out]> = EXPERIMENTAL_FIELDS.map((field): [string, Out] => {
    const value = getExperimental(cfg.experimental, field.prop);
    const at = `experimental.${field.key}`;
    switch (field.kind.type) {
      case 'bool':
        return [field.key, bool(value === true)];
      case 'enum':
        return [field.key, scalar(String(value))];
      case 'bytes':
        return [field.key, scalar(formatBytes(Number(value), unit(at)))];
      case 'time':
        return [field.key, value === null ? NULL : scalar(formatTime(Number(value), unit(at)))];
    }
  });
  const doc = map([
    [
      'general',
      map([
        ['stop_time', scalar(formatTime(g.stopTimeNs, unit('general.stop_time')))],
        ['seed', num(g.seed)],
        ['parallelism', num(g.parallelism)],
        ['bootstrap_end_time', scalar(formatTime(g.bootstrapEndTimeNs, unit('general.bootstrap_end_time')))],
        ['log_level', scalar(g.logLevel)],
        [
          'heartbeat_interval',
          nullable(g.heartbeatIntervalNs, (ns) => scalar(formatTime(ns, unit('general.heartbeat_interval')))),
        ],
        ['data_directory', str(g.dataDirectory)],
        ['template_directory', nullable(g.templateDirectory, str)],
        ['progress', bool(g.progress)],
        ['model_unblocked_syscall_latency', bool(g.modelUnblockedSyscallLatency)],
        // umbra extension, printed only when set so Shadow-only configs print as before.
        ...(g.startDateUnixMs === undefined
          ? []
          : [['start_date', scalar(startDateText(g.startDateUnixMs))] as [string, Out]]),
        ['report', bool(g.report)],
      ]),
    ],
    [
      'network',
      map([
        ['graph', graphOut(cfg.network.graph)],
        ['use_shortest_path', bool(cfg.network.useShortestPath)],
      ]),
    ],
    ['experimental', map(experimental)],
    ['hosts', map(cfg.hosts.map((h): [string, Out] => [h.name, hostOut(cfg, h)]))],
  ]);
  // umbra extension, printed only when present so Shadow-only configs print as before.
  const schedule = cfg.schedule ?? [];
  if (doc.t === 'map' && schedule.length > 0) {
    doc.entries.push(['schedule', { t: 'seq', items: schedule.map((e) => scalar(scheduleEntryText(e))) }]);
  }
  return doc.t === 'map' ? emitMap(doc.entries, '') : '';
}
