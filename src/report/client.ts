// The script and style of report.html, inlined into the page (it must open
// without network access). The script reads the JSON in #umbra-data and draws
// SVG plots and tables; every plot's series is a <g data-series="…"> so tests
// can find them. Written as plain browser JavaScript in a string.

export const REPORT_CSS = `
body { font: 14px/1.4 system-ui, sans-serif; margin: 0 24px 40px; color: #1b1f24; background: #fff; }
h1 { font-size: 22px; margin: 18px 0 4px; }
h2 { font-size: 17px; margin: 28px 0 8px; border-bottom: 1px solid #d0d7de; padding-bottom: 4px; }
.summary span { margin-right: 18px; }
.bad { color: #b42318; font-weight: 600; }
.ok { color: #1a7f37; }
#search { width: 320px; padding: 5px 8px; font-size: 14px; margin: 10px 0; }
table { border-collapse: collapse; margin: 6px 0; font-size: 13px; }
th, td { border: 1px solid #d0d7de; padding: 2px 8px; text-align: left; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
th { background: #f6f8fa; }
.note { color: #57606a; font-size: 12px; }
svg { display: block; margin: 6px 0; }
svg text { font: 11px system-ui, sans-serif; fill: #57606a; }
.legend span { display: inline-block; margin-right: 14px; font-size: 12px; }
.legend i { display: inline-block; width: 12px; height: 3px; margin-right: 4px; vertical-align: middle; }
.row { display: flex; flex-wrap: wrap; gap: 24px; }
.row > div { flex: 1 1 520px; min-width: 420px; }
tr.hl td { background: #fff8c5; }
`;

export const REPORT_JS = String.raw`
(function () {
  'use strict';
  var D = JSON.parse(document.getElementById('umbra-data').textContent);
  var COLORS = ['#0969da', '#cf222e', '#1a7f37', '#8250df', '#bf8700', '#0598bc', '#e16f24', '#6e7781'];
  var W = 900;
  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    if (attrs) for (var k in attrs) e.setAttribute(k, attrs[k]);
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function svgEl(tag, attrs) {
    var e = document.createElementNS('http://www.w3.org/2000/svg', tag);
    for (var k in attrs) e.setAttribute(k, attrs[k]);
    return e;
  }
  function fmtTime(ns) {
    if (ns < 0) return '-';
    var s = ns / 1e9;
    if (s >= 3600) return (s / 3600).toFixed(2) + ' h';
    if (s >= 60) return (s / 60).toFixed(2) + ' min';
    if (s >= 1) return s.toFixed(3) + ' s';
    return (ns / 1e6).toFixed(3) + ' ms';
  }
  function fmtNum(v) {
    var a = Math.abs(v);
    if (a >= 1e9) return (v / 1e9).toFixed(2) + 'G';
    if (a >= 1e6) return (v / 1e6).toFixed(2) + 'M';
    if (a >= 1e3) return (v / 1e3).toFixed(1) + 'k';
    return String(Math.round(v * 100) / 100);
  }
  function q() { return document.getElementById('search').value.trim().toLowerCase(); }
  function matches(s) { var t = q(); return t === '' || String(s).toLowerCase().indexOf(t) >= 0; }

  // A line chart: series = [{name, points: [[tNs, v], ...]}]
  function lineChart(id, title, unit, series) {
    var box = el('div', { id: id, 'data-chart': id });
    box.appendChild(el('div', { class: 'note' }, title));
    var H = 200, L = 60, R = 10, T = 8, B = 24;
    var svg = svgEl('svg', { width: W, height: H, viewBox: '0 0 ' + W + ' ' + H });
    var tMax = Math.max(D.endNs, 1), vMax = 0;
    series.forEach(function (s) { s.points.forEach(function (p) { if (p[1] > vMax) vMax = p[1]; }); });
    if (vMax <= 0) vMax = 1;
    var x = function (t) { return L + (W - L - R) * t / tMax; };
    var y = function (v) { return T + (H - T - B) * (1 - v / vMax); };
    svg.appendChild(svgEl('rect', { x: L, y: T, width: W - L - R, height: H - T - B, fill: 'none', stroke: '#d0d7de' }));
    for (var i = 0; i <= 4; i++) {
      var v = vMax * i / 4, yy = y(v);
      svg.appendChild(svgEl('line', { x1: L, x2: W - R, y1: yy, y2: yy, stroke: '#eaeef2' }));
      var tx = svgEl('text', { x: L - 4, y: yy + 4, 'text-anchor': 'end' }); tx.textContent = fmtNum(v); svg.appendChild(tx);
      var tt = svgEl('text', { x: x(tMax * i / 4), y: H - 6, 'text-anchor': i === 4 ? 'end' : i === 0 ? 'start' : 'middle' });
      tt.textContent = fmtTime(tMax * i / 4); svg.appendChild(tt);
    }
    var legend = el('div', { class: 'legend' });
    series.forEach(function (s, k) {
      var c = COLORS[k % COLORS.length];
      var g = svgEl('g', { 'data-series': s.name, 'data-points': s.points.length });
      var d = '';
      s.points.forEach(function (p, j) { d += (j === 0 ? 'M' : 'L') + x(p[0]).toFixed(1) + ' ' + y(p[1]).toFixed(1); });
      if (s.points.length === 1) d += 'h2';
      g.appendChild(svgEl('path', { d: d, fill: 'none', stroke: c, 'stroke-width': 1.5 }));
      svg.appendChild(g);
      var sp = el('span'); var sw = el('i'); sw.style.background = c; sp.appendChild(sw);
      sp.appendChild(document.createTextNode(s.name)); legend.appendChild(sp);
    });
    box.appendChild(svg);
    box.appendChild(legend);
    if (unit) box.appendChild(el('div', { class: 'note' }, 'unit: ' + unit));
    return box;
  }
  function perInterval(arr, scale) {
    var out = [];
    for (var i = 0; i < arr.length; i++) out.push([Math.min((i + 1) * D.intervalNs, D.endNs), arr[i] * scale]);
    return out;
  }
  var BITS = 8e9 / D.intervalNs; // wire bytes per interval -> bit/s
  function table(headers, rows, numeric) {
    var t = el('table');
    var tr = el('tr');
    headers.forEach(function (h) { tr.appendChild(el('th', null, h)); });
    t.appendChild(tr);
    rows.forEach(function (r) {
      var row = el('tr');
      if (r.id) row.id = r.id;
      r.cells.forEach(function (c, i) {
        var td = el('td', numeric && numeric[i] ? { class: 'n' } : null);
        if (c && c.nodeType) td.appendChild(c); else td.textContent = c;
        row.appendChild(td);
      });
      t.appendChild(row);
    });
    return t;
  }
  function hostLink(name) {
    if (name === null) return 'simulation';
    var a = el('a', { href: '#host-' + encodeURIComponent(name) }, name);
    a.addEventListener('click', function () {
      var r = document.getElementById('host-' + encodeURIComponent(name));
      if (!r) { document.getElementById('search').value = name; render(); }
    });
    return a;
  }
  function section(id, title) {
    var s = el('section', { id: id });
    s.appendChild(el('h2', null, title));
    return s;
  }
  function more(n, shown, what) {
    return n > shown ? el('div', { class: 'note' }, (n - shown) + ' more ' + what + ' (narrow with the search box)') : el('span');
  }

  function timeline() {
    var s = section('timeline', 'Processes and events');
    var procs = D.processes.filter(function (p) { return matches(p.host) || matches(p.name) || matches(p.state); });
    // Configured processes first (in start order), then what programs started.
    procs.sort(function (a, b) { return (b.configured ? 1 : 0) - (a.configured ? 1 : 0) || a.startNs - b.startNs; });
    var MAX = 150, shown = procs.slice(0, MAX);
    var rowH = 16, L = 260, R = 10, H = shown.length * rowH + 30;
    var svg = svgEl('svg', { width: W, height: H, 'data-chart': 'timeline' });
    var tMax = Math.max(D.endNs, 1);
    var x = function (t) { return L + (W - L - R) * t / tMax; };
    shown.forEach(function (p, i) {
      var y = 4 + i * rowH;
      var label = svgEl('text', { x: L - 6, y: y + 11, 'text-anchor': 'end' });
      label.textContent = p.name; svg.appendChild(label);
      var end = p.endNs < 0 ? tMax : p.endNs;
      var color = p.asExpected === false ? '#cf222e' : p.configured ? '#2da44e' : '#8c959f';
      var g = svgEl('g', { 'data-series': 'process', 'data-process': p.host + '/' + p.name });
      var bar = svgEl('rect', { x: x(p.startNs), y: y + 2, width: Math.max(2, x(end) - x(p.startNs)), height: rowH - 5, fill: color });
      var tip = svgEl('title', {});
      tip.textContent = p.host + ' ' + p.name + ' (pid ' + p.pid + '): ' + fmtTime(p.startNs) + ' → ' +
        (p.endNs < 0 ? 'running at stop' : fmtTime(p.endNs)) + ', ' + p.state;
      bar.appendChild(tip); g.appendChild(bar); svg.appendChild(g);
      D.events.forEach(function (e) {
        if (e.host !== p.host || e.kind === 'exit' || e.t < p.startNs || e.t > end) return;
        if (e.kind === 'signal' && e.label.indexOf('pid ' + p.pid) < 0) return;
        var m = svgEl('g', { 'data-series': 'event', 'data-kind': e.kind });
        var tri = svgEl('path', { d: 'M' + x(e.t) + ' ' + (y + 1) + 'l-4 -4h8z', fill: e.kind === 'signal' ? '#bf8700' : '#8250df' });
        var et = svgEl('title', {}); et.textContent = fmtTime(e.t) + ' ' + e.kind + ': ' + e.label;
        tri.appendChild(et); m.appendChild(tri); svg.appendChild(m);
      });
    });
    var axisY = shown.length * rowH + 20;
    for (var i = 0; i <= 4; i++) {
      var tt = svgEl('text', { x: x(tMax * i / 4), y: axisY, 'text-anchor': i === 4 ? 'end' : 'middle' });
      tt.textContent = fmtTime(tMax * i / 4); svg.appendChild(tt);
    }
    s.appendChild(svg);
    s.appendChild(el('div', { class: 'note' }, 'green: configured process, red: ended otherwise than expected, grey: started by a program; ▼ signal or event'));
    s.appendChild(more(procs.length, shown.length, 'processes'));
    var evs = D.events.filter(function (e) { return matches(e.host === null ? 'simulation' : e.host) || matches(e.kind) || matches(e.label); });
    s.appendChild(el('h3', null, 'Events (' + evs.length + (D.eventsDropped ? ', ' + D.eventsDropped + ' not kept' : '') + ')'));
    s.appendChild(table(['time', 'host', 'kind', 'what'], evs.slice(0, 300).map(function (e) {
      return { cells: [fmtTime(e.t), hostLink(e.host), e.kind, e.label] };
    })));
    s.appendChild(more(evs.length, Math.min(300, evs.length), 'events'));
    return s;
  }

  function throughput() {
    var s = section('throughput', 'Throughput');
    s.appendChild(lineChart('chart-total-throughput', 'All hosts: wire bit/s per interval of ' + fmtTime(D.intervalNs), 'bit/s', [
      { name: 'sent', points: perInterval(D.total.sent, BITS) },
      { name: 'received', points: perInterval(D.total.received, BITS) },
    ]));
    var hs = D.hostSeries.filter(function (h) { return matches(h.name); }).slice(0, 6);
    var series = [];
    hs.forEach(function (h) {
      series.push({ name: h.name + ' sent', points: perInterval(h.sent, BITS) });
      series.push({ name: h.name + ' received', points: perInterval(h.received, BITS) });
    });
    if (series.length > 0) s.appendChild(lineChart('chart-host-throughput', 'Busiest hosts matching the search (up to 6)', 'bit/s', series));
    var hosts = D.hosts.filter(function (h) { return matches(h.name); })
      .sort(function (a, b) { return b.sentBytes + b.receivedBytes - a.sentBytes - a.receivedBytes; });
    s.appendChild(el('h3', null, 'Hosts (' + hosts.length + ')'));
    s.appendChild(table(['host', 'processes', 'sent bytes', 'received bytes', 'queue drops', 'syscalls', 'warnings', 'errors'],
      hosts.slice(0, 100).map(function (h) {
        return { id: 'host-' + encodeURIComponent(h.name), cells: [h.name, h.processes, fmtNum(h.sentBytes), fmtNum(h.receivedBytes),
          h.drops, fmtNum(h.syscalls), h.warnings, h.errors] };
      }), [false, true, true, true, true, true, true, true]));
    s.appendChild(more(hosts.length, Math.min(100, hosts.length), 'hosts'));
    return s;
  }

  function tcp() {
    var s = section('tcp', 'TCP connections: round-trip time and congestion window');
    var cs = D.connections.filter(function (c) { return matches(c.host) || matches(c.label); });
    if (cs.length === 0) { s.appendChild(el('div', { class: 'note' }, 'No TCP connection.')); return s; }
    var shown = cs.slice(0, 8);
    var rtt = [], cwnd = [];
    shown.forEach(function (c) {
      var a = [], b = [];
      for (var i = 0; i + 2 < c.samples.length; i += 3) { a.push([c.samples[i], c.samples[i + 1] / 1e6]); b.push([c.samples[i], c.samples[i + 2] / 1024]); }
      rtt.push({ name: c.host + ' ' + c.label, points: a });
      cwnd.push({ name: c.host + ' ' + c.label, points: b });
    });
    s.appendChild(lineChart('chart-tcp-rtt', 'Smoothed RTT', 'ms', rtt));
    s.appendChild(lineChart('chart-tcp-cwnd', 'Congestion window', 'KiB', cwnd));
    s.appendChild(more(cs.length, shown.length, 'connections'));
    return s;
  }

  function links() {
    var s = section('links', 'Links: packets carried and dropped');
    s.appendChild(lineChart('chart-links-total', 'All paths, packets per interval', 'packets', [
      { name: 'carried', points: perInterval(D.total.carried, 1) },
      { name: 'lost on path', points: perInterval(D.total.lost, 1) },
      { name: 'router queue drops', points: perInterval(D.total.drops, 1) },
    ]));
    var ls = D.links.filter(function (l) { return matches(l.label); });
    var top = ls.slice(0, 4), series = [];
    top.forEach(function (l) {
      series.push({ name: l.label + ' carried', points: perInterval(l.carriedSeries, 1) });
      series.push({ name: l.label + ' lost', points: perInterval(l.lostSeries, 1) });
    });
    if (series.length > 0) s.appendChild(lineChart('chart-links-top', 'Busiest paths matching the search (up to 4)', 'packets', series));
    s.appendChild(table(['path', 'carried', 'lost'], ls.slice(0, 50).map(function (l) {
      return { cells: [l.label, l.carried, l.lost] };
    }), [false, true, true]));
    s.appendChild(el('div', { class: 'note' }, D.linkCount + ' paths carried packets; the ' + D.links.length + ' busiest are listed.'));
    return s;
  }

  function syscalls() {
    var s = section('syscalls', 'Syscalls');
    var row = el('div', { class: 'row' });
    var a = el('div'); a.appendChild(el('h3', null, 'Most frequent'));
    a.appendChild(table(['syscall', 'calls'], D.syscalls.frequent.filter(function (f) { return matches(f[0]); }).slice(0, 20)
      .map(function (f) { return { cells: [f[0], f[1]] }; }), [false, true]));
    var b = el('div'); b.appendChild(el('h3', null, 'Longest waits in simulated time'));
    b.appendChild(table(['host', 'syscall', 'calls', 'longest', 'total waited'], D.syscalls.slowest
      .filter(function (x) { return matches(x.host) || matches(x.name); }).slice(0, 20)
      .map(function (x) { return { cells: [hostLink(x.host), x.name, x.count, fmtTime(x.maxNs), fmtTime(x.totalNs)] }; }),
      [false, false, true, true, true]));
    row.appendChild(a); row.appendChild(b); s.appendChild(row);
    var ph = D.syscalls.perHost.filter(function (h) { return matches(h.host); })
      .sort(function (x, y) { return y.total - x.total; });
    s.appendChild(el('h3', null, 'Per host'));
    s.appendChild(table(['host', 'calls', 'most frequent'], ph.slice(0, 50).map(function (h) {
      return { cells: [hostLink(h.host), h.total, h.top.slice(0, 6).map(function (t) { return t[0] + ' ' + t[1]; }).join(', ')] };
    }), [false, true, false]));
    s.appendChild(more(ph.length, Math.min(50, ph.length), 'hosts'));
    return s;
  }

  function problems() {
    var ps = D.problems.filter(function (p) { return matches(p.host === null ? 'simulation' : p.host) || matches(p.msg); });
    var s = section('problems', 'Warnings and errors (' + D.problems.length + (D.problemsDropped ? ' + ' + D.problemsDropped + ' not kept' : '') + ')');
    s.appendChild(table(['time', 'level', 'host', 'message'], ps.slice(0, 300).map(function (p) {
      return { cells: [fmtTime(p.t), p.level, hostLink(p.host), p.msg] };
    })));
    s.appendChild(more(ps.length, Math.min(300, ps.length), 'messages'));
    return s;
  }

  function summary() {
    var s = el('div', { class: 'summary' });
    var bad = D.processes.filter(function (p) { return p.asExpected === false; }).length;
    var warn = D.problems.filter(function (p) { return p.level === 'warning'; }).length;
    var errs = D.problems.length - warn;
    [['simulated', fmtTime(D.endNs)], ['seed', D.seed], ['hosts', D.hosts.length], ['processes', D.processes.length]]
      .forEach(function (kv) { s.appendChild(el('span', null, kv[0] + ': ' + kv[1])); });
    s.appendChild(el('span', { class: bad ? 'bad' : 'ok' }, bad + ' in unexpected final state'));
    s.appendChild(el('span', { class: errs ? 'bad' : '' }, errs + ' errors, ' + warn + ' warnings'));
    return s;
  }

  var body = document.getElementById('report');
  function render() {
    body.textContent = '';
    [timeline(), throughput(), tcp(), links(), syscalls(), problems()].forEach(function (x) { body.appendChild(x); });
  }
  // report.html#q=TEXT opens with TEXT in the search box.
  if (location.hash.indexOf('#q=') === 0) document.getElementById('search').value = decodeURIComponent(location.hash.slice(3));
  document.getElementById('head').appendChild(summary());
  var timer = null;
  document.getElementById('search').addEventListener('input', function () {
    clearTimeout(timer);
    timer = setTimeout(render, 150);
  });
  render();
  document.body.setAttribute('data-ready', '1');
})();
`;
