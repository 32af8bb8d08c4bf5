// `hosts`: ten thousand hosts with one short-lived process each (/bin/true at
// 1 s): the wall time and the simulator's peak memory of the whole run, per
// host, against a one-host run of the same config measured in the same run,
// and against spawning /bin/true natively.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { config, host, removeTempDir, runUmbra, tempDir } from '../tests/helpers/umbra';
import { note, ratio, report, verdict } from './harness';

const fmtMs = (ns: number): string => `${(ns / 1e6).toFixed(2)} ms`;

const HOSTS = 10_000;
const NATIVE_SPAWNS = 1000;

interface Measured {
  wallNs: number;
  peakRssBytes: number;
}

function runHosts(n: number): Measured {
  const hosts: string[] = [];
  for (let i = 0; i < n; i++) hosts.push(host(`h${i}`, [{ path: '/bin/true', start_time: '1 s' }]));
  const rssFile = path.join(tempDir('umbra-bench-rss-'), 'rss');
  const saved = { opts: process.env.NODE_OPTIONS, file: process.env.UMBRA_BENCH_RSS_FILE };
  process.env.NODE_OPTIONS = `${saved.opts ?? ''} --require ${path.join(__dirname, 'rss-preload.js')}`.trim();
  process.env.UMBRA_BENCH_RSS_FILE = rssFile;
  try {
    const r = runUmbra(config(hosts.join(''), 'stop_time: 5 s'));
    try {
      const ok = r.outcomes().filter((o) => o.ok).length;
      if (r.status !== 0 || ok !== n) throw new Error(`hosts run failed (exit ${r.status}, ${ok}/${n} ok)`);
      return { wallNs: r.wallNs, peakRssBytes: Number(fs.readFileSync(rssFile, 'utf8')) * 1024 };
    } finally {
      removeTempDir(r.dir);
    }
  } finally {
    if (saved.opts === undefined) delete process.env.NODE_OPTIONS;
    else process.env.NODE_OPTIONS = saved.opts;
    if (saved.file === undefined) delete process.env.UMBRA_BENCH_RSS_FILE;
    else process.env.UMBRA_BENCH_RSS_FILE = saved.file;
  }
}

/** Wall ns per native fork+exec of /bin/true from a shell loop. */
function nativeSpawnNs(): number {
  let best = Infinity;
  for (let rep = 0; rep < 3; rep++) {
    const t0 = process.hrtime.bigint();
    const r = spawnSync('sh', ['-c', `i=0; while [ $i -lt ${NATIVE_SPAWNS} ]; do /bin/true; i=$((i+1)); done`]);
    if (r.status !== 0) throw new Error('native /bin/true loop failed');
    best = Math.min(best, Number(process.hrtime.bigint() - t0) / NATIVE_SPAWNS);
  }
  return best;
}

export function runManyHosts(): void {
  const one = [runHosts(1), runHosts(1)].reduce((a, b) => (a.wallNs < b.wallNs ? a : b));
  const many = runHosts(HOSTS);
  const perHostNs = (many.wallNs - one.wallNs) / (HOSTS - 1);
  const perHostBytes = (many.peakRssBytes - one.peakRssBytes) / (HOSTS - 1);
  const nativeNs = nativeSpawnNs();
  const mib = (b: number): string => `${(b / 2 ** 20).toFixed(0)} MiB`;
  report(
    'hosts-10k',
    `umbra ${(many.wallNs / 1e9).toFixed(1)} s wall, ${fmtMs(perHostNs)} per host`,
    `peak RSS ${mib(many.peakRssBytes)} (${(perHostBytes / 1024).toFixed(1)} KiB per host)`,
    `native spawn ${fmtMs(nativeNs)}`,
    `ratio ${ratio(perHostNs / nativeNs)}`,
    verdict('runs', true),
  );
  note(
    `${HOSTS} hosts × /bin/true at 1 s, whole CLI; per host = (run − one-host run (${fmtMs(one.wallNs)}, ` +
      `${mib(one.peakRssBytes)})) ÷ ${HOSTS - 1}; peak RSS of the umbra process (simulator, managed ` +
      `processes excluded); native: sh loop of ${NATIVE_SPAWNS} × /bin/true, best of 3`,
  );
}
