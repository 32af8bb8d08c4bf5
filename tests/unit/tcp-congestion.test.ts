// Window evolution of the congestion-control modules on their own: Reno's
// slow start / AIMD and CUBIC's cubic curve, Reno-friendly region and fast
// convergence, driven by synthetic ACK clocks.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CongestionControl, CubicCongestionControl, RenoCongestionControl } from '../../src/net/tcp/index';
import { CUBIC_BETA, CUBIC_C } from '../../src/net/tcp/cubic';

const MSS = 1000;
const MS = 1_000_000;
const S = 1_000_000_000;

function ack(cc: CongestionControl, nowNs: number, bytes = MSS, cwndLimited = true, rttNs = 100 * MS): void {
  cc.onAck({ nowNs, ackedBytes: bytes, rttNs, minRttNs: rttNs, srttNs: rttNs, cwndLimited });
}

/**
 * One ACK per segment of the window, spread evenly over each RTT, for `rtts`
 * rounds. Returns cwnd (segments) after each round.
 */
function evolve(cc: CongestionControl, startNs: number, rttNs: number, rtts: number): number[] {
  const trace: number[] = [];
  let t = startNs;
  for (let r = 0; r < rtts; r++) {
    const n = Math.max(1, Math.floor(cc.cwndBytes / MSS));
    for (let i = 0; i < n; i++) ack(cc, t + Math.floor(((i + 1) * rttNs) / n), MSS, true, rttNs);
    t += rttNs;
    trace.push(cc.cwndBytes / MSS);
  }
  return trace;
}

test('Reno: slow start doubles per RTT up to ssthresh, then one MSS per RTT', () => {
  const cc = new RenoCongestionControl(MSS, 10 * MSS);
  assert.ok(cc.inSlowStart);
  assert.deepEqual(evolve(cc, 0, 100 * MS, 3), [20, 40, 80]);
  cc.onCongestionEvent(0, 80 * MSS);
  assert.equal(cc.ssthreshBytes, 40 * MSS);
  assert.equal(cc.cwndBytes, 40 * MSS);
  assert.ok(!cc.inSlowStart);
  assert.deepEqual(evolve(cc, 0, 100 * MS, 3), [41, 42, 43]);
});

test('Reno: slow start stops exactly at ssthresh and carries the excess into avoidance', () => {
  const cc = new RenoCongestionControl(MSS, 10 * MSS);
  cc.onRetransmitTimeout(0, 24 * MSS, false);
  assert.equal(cc.ssthreshBytes, 12 * MSS);
  assert.equal(cc.cwndBytes, MSS);
  ack(cc, 1, 20 * MSS);
  assert.equal(cc.cwndBytes, 12 * MSS, '11 segments of slow start, 9 left over (less than a window)');
  ack(cc, 2, 3 * MSS);
  assert.equal(cc.cwndBytes, 13 * MSS);
});

test('Reno: no growth while not cwnd-limited (RFC 7661)', () => {
  const cc = new RenoCongestionControl(MSS, 10 * MSS);
  for (let i = 0; i < 50; i++) ack(cc, i, MSS, false);
  assert.equal(cc.cwndBytes, 10 * MSS);
});

test('Reno: repeated timeouts keep ssthresh; ssthresh never below 2 MSS', () => {
  const cc = new RenoCongestionControl(MSS, 10 * MSS);
  cc.onRetransmitTimeout(0, 10 * MSS, false);
  assert.equal(cc.ssthreshBytes, 5 * MSS);
  cc.onRetransmitTimeout(0, MSS, true);
  assert.equal(cc.ssthreshBytes, 5 * MSS);
  cc.onCongestionEvent(0, MSS);
  assert.equal(cc.ssthreshBytes, 2 * MSS);
  cc.onIdleRestart(0, 10 * MSS);
  assert.equal(cc.cwndBytes, 2 * MSS);
});

test('CUBIC: multiplicative decrease by beta = 0.7 and K = cbrt(Wmax(1-beta)/C)', () => {
  const cc = new CubicCongestionControl(MSS, 100 * MSS);
  // leave slow start with a 100-segment window
  cc.onCongestionEvent(0, 100 * MSS);
  assert.equal(cc.ssthreshBytes, 70 * MSS);
  assert.equal(cc.cwndBytes, 70 * MSS);
  ack(cc, 1 * MS);
  const k = Math.cbrt((100 * (1 - CUBIC_BETA)) / CUBIC_C);
  assert.ok(Math.abs(cc.state.kSeconds - k) < 1e-9);
  assert.equal(cc.state.wMaxSegs, 100);
});

test('CUBIC: concave back to Wmax around t = K, then convex probing beyond it', () => {
  const rtt = 100 * MS;
  const cc = new CubicCongestionControl(MSS, 100 * MSS);
  cc.onCongestionEvent(0, 100 * MSS);
  const k = Math.cbrt((100 * (1 - CUBIC_BETA)) / CUBIC_C); // ≈ 4.22 s
  const rounds = Math.round((2 * k * S) / rtt);
  const trace = evolve(cc, 0, rtt, rounds);
  const at = (seconds: number) => trace[Math.round((seconds * S) / rtt) - 1]!;
  // plateau near Wmax at K
  assert.ok(Math.abs(at(k) - 100) <= 3, `cwnd ${at(k)} at K`);
  // concave: most of the way back to Wmax by K/2 (the cubic gives ~96)
  assert.ok(at(k / 2) >= 90 && at(k / 2) < 100, `cwnd ${at(k / 2)} at K/2`);
  const early = at(1) - 70;
  const nearK = at(k) - at(k - 1);
  assert.ok(early > nearK, 'growth slows as the window approaches Wmax');
  // convex: growth accelerates after K, reaching W(2K) = Wmax + C*K^3 = Wmax * (2 - beta) = 130 at 2K
  const late = at(2 * k) - at(2 * k - 1);
  assert.ok(late > nearK, 'growth speeds up beyond Wmax');
  assert.ok(at(2 * k) >= 125 && at(2 * k) <= 135, `cwnd ${at(2 * k)} at 2K`);
  // never more than 1.5x per RTT
  for (let i = 1; i < trace.length; i++) assert.ok(trace[i]! <= 1.5 * trace[i - 1]! + 1);
});

test('CUBIC: on a short-RTT path the Reno-friendly estimate dominates the cubic curve', () => {
  const rtt = 1 * MS;
  const cc = new CubicCongestionControl(MSS, 100 * MSS);
  cc.onCongestionEvent(0, 100 * MSS);
  const trace = evolve(cc, 0, rtt, 100);
  // the cubic curve alone gives ~72 segments after 0.1 s; Reno-like AIMD gives far more
  assert.ok(trace[99]! >= 110, `cwnd ${trace[99]} after 100 RTTs`);
  const cubicOnly = CUBIC_C * (0.1 - Math.cbrt(75)) ** 3 + 100;
  assert.ok(cubicOnly < 75);
});

test('CUBIC: fast convergence lowers Wmax when a loss comes before regaining the old maximum', () => {
  const cc = new CubicCongestionControl(MSS, 100 * MSS);
  cc.onCongestionEvent(0, 100 * MSS);
  assert.equal(cc.state.wMaxSegs, 100);
  cc.onCongestionEvent(0, 70 * MSS); // second loss at cwnd 70 < 100
  assert.equal(cc.state.wMaxSegs, (70 * (1 + CUBIC_BETA)) / 2);
  assert.equal(cc.cwndBytes, 49 * MSS);
});

test('CUBIC: slow start, RTO to one segment, and no growth when application-limited', () => {
  const cc = new CubicCongestionControl(MSS, 10 * MSS);
  assert.deepEqual(evolve(cc, 0, 100 * MS, 2), [20, 40]);
  for (let i = 0; i < 100; i++) ack(cc, 1 * S + i, MSS, false);
  assert.equal(cc.cwndBytes, 40 * MSS);
  cc.onRetransmitTimeout(2 * S, 40 * MSS, false);
  assert.equal(cc.cwndBytes, MSS);
  assert.equal(cc.ssthreshBytes, 28 * MSS);
  assert.ok(cc.inSlowStart);
  cc.onRetransmitTimeout(3 * S, MSS, true);
  assert.equal(cc.ssthreshBytes, 28 * MSS);
});
