// report.html: written by default (not with --report false or general.report:
// false), opened in headless Chromium without console errors, with the plots
// and tables the run calls for; the python/curl example against a reference
// screenshot; a 100-host run stays readable (search, links to hosts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { config, host, program, REPO, runUmbra, runUmbraFile, tempDir } from '../helpers/umbra';
import { loadPage, pixelDifference, readPng, screenshot } from '../helpers/browser';
import { renderReport } from '../../src/report/html';
import type { ReportData } from '../../src/report/data';

const REFERENCE = path.join(REPO, 'tests', 'fixtures', 'report-python-curl.png');

/** The data-points count of each series of the chart with id `chart`, by series name. */
function seriesOf(dom: string, chart: string): Map<string, number> {
  const start = dom.indexOf(`id="${chart}"`);
  assert.ok(start >= 0, `no chart ${chart}`);
  const end = dom.indexOf('</svg>', start);
  const out = new Map<string, number>();
  for (const m of dom.slice(start, end).matchAll(/data-series="([^"]+)" data-points="(\d+)"/g))
    out.set(m[1], Number(m[2]));
  return out;
}

function assertCleanLoad(file: string, fragment = ''): string {
  const page = loadPage(file, fragment);
  assert.deepEqual(page.console, [], 'the page wrote to its console');
  assert.match(page.dom, /<body data-ready="1">/);
  return page.dom;
}

test('the python/curl example: report.html with timeline, throughput, TCP RTT and cwnd, links, syscalls', () => {
  const r = runUmbraFile(path.join(REPO, 'examples', 'python-curl.yaml'));
  assert.equal(r.status, 0, r.stderr);
  const report = path.join(r.dataDir, 'report.html');
  const html = fs.readFileSync(report, 'utf8');
  assert.doesNotMatch(
    html,
    /<script[^>]+src=|<link[^>]+href=|(src|href)="https?:|url\(https?:|fetch\(|XMLHttpRequest/,
    'the page must need no network',
  );
  const dom = assertCleanLoad(report);
  // Timeline: every configured process, plus what python started.
  for (const c of ['client1', 'client2'])
    for (const pid of [1000, 1002, 1004]) assert.match(dom, new RegExp(`data-process="${c}/${c}\\.curl\\.${pid}"`));
  assert.match(dom, /data-process="server\/server\.python3\.1000"/);
  const total = seriesOf(dom, 'chart-total-throughput');
  assert.deepEqual([...total.keys()], ['sent', 'received']);
  assert.ok((total.get('sent') ?? 0) >= 100, `samples: ${total.get('sent')}`);
  const hosts = seriesOf(dom, 'chart-host-throughput');
  for (const h of ['server', 'client1', 'client2']) assert.ok(hosts.has(`${h} sent`) && hosts.has(`${h} received`), h);
  // Six downloads: a connection on each side of each, followed while open.
  const rtt = seriesOf(dom, 'chart-tcp-rtt');
  const cwnd = seriesOf(dom, 'chart-tcp-cwnd');
  assert.equal(rtt.size, 8, [...rtt.keys()].join(', ')); // 8 shown, the rest counted
  assert.match(dom, /4 more connections/);
  assert.deepEqual([...cwnd.keys()], [...rtt.keys()]);
  assert.ok(
    [...rtt.keys()].some((k) => /^server 11\.0\.0\.\d+:8000 → /.test(k)),
    [...rtt.keys()].join(', '),
  );
  const links = seriesOf(dom, 'chart-links-total');
  assert.deepEqual([...links.keys()], ['carried', 'lost on path', 'router queue drops']);
  assert.match(dom, /server → client1 \(node 0 → 1\)/);
  assert.match(dom, /<td>recvfrom<\/td>/); // most frequent syscalls
  assert.match(dom, /Longest waits in simulated time/);

  // The reference screenshot: the top of the page (summary, timeline, throughput).
  const shot = path.join(tempDir(), 'shot.png');
  const s = screenshot(report, shot, 1000, 1400);
  assert.deepEqual(s.console, []);
  if (process.env.UMBRA_UPDATE_SCREENSHOTS === '1') fs.copyFileSync(shot, REFERENCE);
  const diff = pixelDifference(readPng(shot), readPng(REFERENCE));
  assert.ok(diff < 0.03, `${(diff * 100).toFixed(2)}% of the pixels differ from ${REFERENCE} (see ${shot})`);
});

test('--report false and general.report: false write no report', () => {
  const yaml = config(host('box', [{ path: 'true' }]), 'stop_time: 1 s');
  const a = runUmbra(yaml, ['--report', 'false']);
  assert.equal(a.status, 0, a.stderr);
  assert.ok(!fs.existsSync(path.join(a.dataDir, 'report.html')));
  const b = runUmbra(config(host('box', [{ path: 'true' }]), 'stop_time: 1 s\nreport: false'));
  assert.equal(b.status, 0, b.stderr);
  assert.ok(!fs.existsSync(path.join(b.dataDir, 'report.html')));
  const c = runUmbra(yaml);
  assert.ok(fs.existsSync(path.join(c.dataDir, 'report.html')));
  const bad = runUmbra(config(host('box', [{ path: 'true' }]), 'stop_time: 1 s\nreport: maybe'));
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /general\.report/);
});

test('a 100-host run: the report opens, aggregates, searches and links problems to their host', () => {
  let hosts = '';
  for (let i = 0; i < 100; i += 2) {
    hosts += host(`h${i}`, [{ path: program('udp_pingpong'), args: 'server 9000 10' }], i % 4);
    hosts += host(
      `h${i + 1}`,
      [{ path: program('udp_pingpong'), args: `client h${i} 9000 10`, start_time: '1s' }],
      (i + 1) % 4,
    );
  }
  hosts = hosts.replace(/( {2}h99:\n[\s\S]*?processes:\n)/, `$1    - {path: "false", start_time: 2s}\n`);
  const r = runUmbra(config(hosts, 'stop_time: 10 s', { nodes: 4, bandwidth: '10 Mbit', latency: '5 ms' }));
  assert.equal(r.status, 1, r.stderr); // the planted `false` ends unexpectedly
  const report = path.join(r.dataDir, 'report.html');
  const dom = assertCleanLoad(report);
  assert.match(dom, /<h3>Hosts \(100\)<\/h3>/);
  assert.match(dom, /hosts: 100/);
  assert.match(dom, /1 in unexpected final state/);
  assert.match(dom, /<a href="#host-h99">h99<\/a><\/td><td>process 'h99\.false\.1001' ended as/);
  assert.equal(seriesOf(dom, 'chart-host-throughput').size, 12); // the 6 busiest hosts, sent and received
  const searched = assertCleanLoad(report, '#q=h42');
  assert.match(searched, /<tr id="host-h42">/);
  assert.doesNotMatch(searched, /<tr id="host-h43">/);
  assert.match(searched, /<h3>Hosts \(1\)<\/h3>/);
});

test('a 1000-host report (synthetic data) stays small and readable: top-N tables, counts of the rest', () => {
  const n = 1000;
  const samples = 400;
  const series = (k: number) => Array.from({ length: samples }, (_, i) => ((i * 7 + k) % 13) * 1000);
  const names = Array.from({ length: n }, (_, i) => `relay${i}`);
  const data: ReportData = {
    version: 1,
    title: 'synthetic',
    seed: 1,
    stopTimeNs: 600e9,
    endNs: 600e9,
    intervalNs: 1.5e9,
    samples,
    hosts: names.map((name, i) => ({
      name,
      sentBytes: i * 1000,
      receivedBytes: i * 900,
      drops: 0,
      syscalls: i,
      warnings: 0,
      errors: 0,
      processes: 1,
    })),
    hostSeries: names
      .slice(0, 100)
      .map((name, i) => ({ name, sent: series(i), received: series(i + 1), drops: series(0) })),
    total: { sent: series(1), received: series(2), drops: series(3), carried: series(4), lost: series(5) },
    linkCount: 5000,
    processes: names.map((host, i) => ({
      host,
      name: `${host}.tor.1000`,
      pid: 1000,
      startNs: i * 1e8,
      endNs: -1,
      state: 'running',
      configured: true,
      asExpected: true,
    })),
    events: [],
    eventsDropped: 0,
    connections: names
      .slice(0, 400)
      .map((host, i) => ({ host, label: `c${i}`, samples: [1e9, 5e7, 14600, 2e9, 6e7, 29200] })),
    links: names.slice(0, 100).map((h, i) => ({
      label: `${h} → relay${i + 1}`,
      carried: 1000 - i,
      lost: i,
      carriedSeries: series(i),
      lostSeries: series(0),
    })),
    syscalls: { frequent: [['epoll_wait', 1e6]], perHost: [], slowest: [] },
    problems: [],
    problemsDropped: 0,
  };
  const dir = tempDir();
  const file = path.join(dir, 'report.html');
  fs.writeFileSync(file, renderReport(data));
  assert.ok(fs.statSync(file).size < 8 * 1024 * 1024, `${fs.statSync(file).size} bytes`);
  const dom = assertCleanLoad(file);
  assert.match(dom, /<h3>Hosts \(1000\)<\/h3>/);
  assert.match(dom, /900 more hosts \(narrow with the search box\)/);
  assert.match(dom, /850 more processes/);
  assert.match(dom, /392 more connections/);
  assert.equal((dom.match(/data-process="/g) ?? []).length, 150);
  const one = assertCleanLoad(file, '#q=relay999');
  assert.match(one, /<tr id="host-relay999">/);
  assert.match(one, /<h3>Hosts \(1\)<\/h3>/);
});
