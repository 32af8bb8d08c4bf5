// Compares the data directories of two runs of one configuration and finds
// where they first diverge in simulated time: a syscall in a deterministic
// strace file (host, process, thread, call, both results), a packet in a pcap
// file, or — where no time is known — a difference in an output file.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { formatSimTime } from '../core/time';

/** One file that is not the same in both runs. */
export interface FileDifference {
  /** Path relative to the data directory. */
  file: string;
  /** What differs, in one line. */
  detail: string;
  /** Simulated time of the first difference, or Infinity when the file has no times (stdout…). */
  timeNs: number;
  /** For a trace: where the calls differ. */
  syscall?: SyscallDivergence;
  /** For a capture: the first packet that differs. */
  packet?: PacketDivergence;
}

export interface SyscallDivergence {
  host: string;
  /** The trace file's process, `<exe>.<pid>`. */
  process: string;
  tid: number;
  /** 1-based line in the trace file. */
  line: number;
  /** The call as each run traced it ("(none)" where that run's trace ended). */
  run1: string;
  run2: string;
}

export interface PacketDivergence {
  host: string;
  iface: string;
  /** 1-based index of the packet in the capture. */
  index: number;
  /** Length and simulated time of the packet in each run ("(none)" where that capture ended). */
  run1: string;
  run2: string;
}

/** Every file that differs, ordered by the simulated time of its first difference (untimed ones last). */
export function compareDataDirs(dir1: string, dir2: string, ignore: ReadonlySet<string>): FileDifference[] {
  const files1 = listFiles(dir1).filter((f) => !ignore.has(f));
  const files2 = listFiles(dir2).filter((f) => !ignore.has(f));
  const set2 = new Set(files2);
  const set1 = new Set(files1);
  const diffs: FileDifference[] = [];
  for (const f of files1)
    if (!set2.has(f)) diffs.push({ file: f, detail: 'only in run 1', timeNs: Number.POSITIVE_INFINITY });
  for (const f of files2)
    if (!set1.has(f)) diffs.push({ file: f, detail: 'only in run 2', timeNs: Number.POSITIVE_INFINITY });
  for (const f of files1) {
    if (!set2.has(f)) continue;
    const a = fs.readFileSync(path.join(dir1, f));
    const b = fs.readFileSync(path.join(dir2, f));
    if (a.equals(b)) continue;
    if (f.endsWith('.strace')) diffs.push(compareTraces(f, a.toString('utf8'), b.toString('utf8')));
    else if (f.endsWith('.pcap')) diffs.push(comparePcaps(f, a, b));
    else diffs.push(compareText(f, a, b));
  }
  // At one instant a syscall comes before the packet it sends; then by path, so the report is deterministic.
  const rank = (d: FileDifference) => (d.syscall !== undefined ? 0 : d.packet !== undefined ? 1 : 2);
  return diffs.sort(
    (x, y) => x.timeNs - y.timeNs || rank(x) - rank(y) || (x.file < y.file ? -1 : x.file > y.file ? 1 : 0),
  );
}

/** Regular files under dir, relative paths, sorted. */
export function listFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (rel: string): void => {
    const entries = fs.readdirSync(path.join(dir, rel), { withFileTypes: true });
    for (const e of entries) {
      const r = rel === '' ? e.name : `${rel}/${e.name}`;
      if (e.isDirectory()) walk(r);
      else if (e.isFile()) out.push(r);
    }
  };
  walk('');
  return out.sort();
}

/** "HH:MM:SS.nnnnnnnnn" (formatSimTime) back to ns; NaN when the text is not one. */
export function parseSimTime(s: string): number {
  const m = /^(\d+):(\d{2}):(\d{2})\.(\d{9})$/u.exec(s);
  if (m === null) return Number.NaN;
  return ((Number(m[1]) * 60 + Number(m[2])) * 60 + Number(m[3])) * 1e9 + Number(m[4]);
}

const TRACE_LINE = /^(\S+) \[tid (\d+)\] (.*)$/u;

function hostOf(file: string): string {
  const parts = file.split('/');
  return parts[0] === 'hosts' && parts.length >= 3 ? parts[1] : '?';
}

function compareTraces(file: string, text1: string, text2: string): FileDifference {
  const l1 = text1.split('\n');
  const l2 = text2.split('\n');
  let i = 0;
  while (i < l1.length && i < l2.length && l1[i] === l2[i]) i++;
  const p1 = TRACE_LINE.exec(l1[i] ?? '');
  const p2 = TRACE_LINE.exec(l2[i] ?? '');
  const t1 = p1 ? parseSimTime(p1[1]) : Number.POSITIVE_INFINITY;
  const t2 = p2 ? parseSimTime(p2[1]) : Number.POSITIVE_INFINITY;
  const timeNs = Math.min(t1, t2);
  const base = path.basename(file, '.strace');
  const syscall: SyscallDivergence = {
    host: hostOf(file),
    process: base,
    tid: Number((p1 ?? p2)?.[2] ?? -1),
    line: i + 1,
    run1: p1 ? `${p1[3]} at ${p1[1]}` : '(none: the trace ends here)',
    run2: p2 ? `${p2[3]} at ${p2[1]}` : '(none: the trace ends here)',
  };
  return { file, detail: `syscall ${i + 1} differs`, timeNs, syscall };
}

interface PcapRecord {
  timeNs: number;
  bytes: Buffer;
}

function pcapRecords(b: Buffer): PcapRecord[] {
  const out: PcapRecord[] = [];
  for (let off = 24; off + 16 <= b.length;) {
    const sec = b.readUInt32LE(off);
    const usec = b.readUInt32LE(off + 4);
    const kept = b.readUInt32LE(off + 8);
    out.push({ timeNs: sec * 1e9 + usec * 1000, bytes: b.subarray(off + 8, off + 16 + kept) });
    off += 16 + kept;
  }
  return out;
}

function describePacket(r: PcapRecord | undefined): string {
  if (r === undefined) return '(none: the capture ends here)';
  return `${r.bytes.readUInt32LE(4)} bytes at ${formatSimTime(r.timeNs)}${ipSummary(r.bytes.subarray(8))}`;
}

/** "  10.0.0.1 → 10.0.0.2 udp" from a raw IPv4 header, when there is one. */
function ipSummary(ip: Buffer): string {
  if (ip.length < 20 || ip[0] >> 4 !== 4) return '';
  const addr = (o: number) => `${ip[o]}.${ip[o + 1]}.${ip[o + 2]}.${ip[o + 3]}`;
  const proto = ip[9] === 6 ? 'tcp' : ip[9] === 17 ? 'udp' : `proto ${ip[9]}`;
  return ` (${addr(12)} -> ${addr(16)} ${proto})`;
}

function comparePcaps(file: string, a: Buffer, b: Buffer): FileDifference {
  const r1 = pcapRecords(a);
  const r2 = pcapRecords(b);
  let i = 0;
  while (i < r1.length && i < r2.length && r1[i].timeNs === r2[i].timeNs && r1[i].bytes.equals(r2[i].bytes)) i++;
  const timeNs = Math.min(r1[i]?.timeNs ?? Number.POSITIVE_INFINITY, r2[i]?.timeNs ?? Number.POSITIVE_INFINITY);
  const packet: PacketDivergence = {
    host: hostOf(file),
    iface: path.basename(file, '.pcap'),
    index: i + 1,
    run1: describePacket(r1[i]),
    run2: describePacket(r2[i]),
  };
  return { file, detail: `packet ${i + 1} differs`, timeNs, packet };
}

function compareText(file: string, a: Buffer, b: Buffer): FileDifference {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  const line = a.subarray(0, i).toString('utf8').split('\n').length;
  const lineAt = (buf: Buffer): string => {
    const text = buf.toString('utf8').split('\n')[line - 1];
    if (text === undefined) return '(end of file)';
    return JSON.stringify(text.length > 80 ? text.slice(0, 80) + '…' : text);
  };
  return {
    file,
    detail: `first difference at byte ${i}, line ${line}: run 1 ${lineAt(a)}, run 2 ${lineAt(b)}`,
    timeNs: Number.POSITIVE_INFINITY,
  };
}
