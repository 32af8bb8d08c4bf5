// umbra's TCP: a pure state machine (smoltcp-style) fed segments and an
// explicit integer-nanosecond clock; it emits segments and timer deadlines.
// This module re-exports the public surface and documents how to drive it.
//
// Driving a connection (the socket layer's loop):
//
//   const c = new TcpConnection({ localPort, remotePort, isn: isnSource() });
//   c.openActive(nowNs);                    // connect(); or TcpListener for servers
//   ... on a packet:   c.onSegment(seg, nowNs)
//   ... on the timer:  c.onTimer(nowNs)     // when nowNs >= c.nextDeadlineNs()
//   ... application:   c.send(bytes, nowNs) / c.recv(buf, nowNs) / c.peek(buf)
//                      c.close(nowNs) / c.shutdown(SHUT_WR, nowNs) / c.abort(nowNs)
//   After ANY call: send c.takeOutput() to the peer and re-arm the host timer
//   at c.nextDeadlineNs(). When c.state === 'CLOSED' the connection may be
//   dropped from the demux table (after TIME_WAIT, reset, or failure).
//
// Results follow the kernel convention: counts >= 0, or -errno (see Errno).
// Readiness: readableBytes, writableBytes, isReadable, isWritable, hasError,
// peerClosed, state; takeErrno() is SO_ERROR (read and clear).
//
// Servers: `new TcpListener({ localPort, backlog, isnFor, connection })`;
// feed it segments that match no connection: `listener.onSegment(seg, now)`
// returns a new embryonic connection (route that peer to it from now on) and/
// or a reply (a RST) for the sender. `listener.accept()` pops established
// connections. Segments matching nothing at all get `resetFor(seg)`.
//
// Deliberate Linux-isms: RTO = SRTT + max(4*RTTVAR, 200 ms); give-up times
// follow retransmits_timed_out() (127 s for SYNs, 924.6 s for data); Nagle is
// Minshall's variant; the listener drops (never refuses) on a full backlog;
// close() with unread data or SO_LINGER 0 sends RST. Buffer sizes count
// payload bytes only (Linux counts skb overhead too, and doubles SO_*BUF).
// Not implemented: PAWS, D-SACK, ECN, TCP Fast Open, urgent data, PRR,
// RACK/TLP, HyStart, the 200 ms TCP_CORK ceiling, path MTU discovery.
//
// Wire format: `encodeSegment(seg, pseudoHeader?)` / `decodeSegment(bytes)`.
// Congestion control is pluggable via TcpSettings.congestion (CUBIC default,
// Reno available); see congestion.ts for the interface.

export { TcpConnection, resetFor } from './connection';
export type { AcceptHooks, CaState, TcpInfo } from './connection';
export { TcpListener } from './listener';
export type { ListenerResult, TcpListenerConfig } from './listener';
export { DEFAULT_TCP_SETTINGS, LINUX_TCP_STATE, SHUT_RD, SHUT_RDWR, SHUT_WR } from './types';
export type { KeepaliveOptions, LingerOption, ShutdownHow, TcpConfig, TcpSettings, TcpState } from './types';
export { Errno, errnoName } from './errno';
export type { ErrnoName } from './errno';
export {
  TcpFlags,
  decodeSegment,
  describeSegment,
  encodeSegment,
  hasFlag,
  makeSegment,
  segmentSeqLength,
  tcpChecksum,
  SegmentDecodeError,
} from './segment';
export type { PseudoHeader, SackBlock, Segment, TcpOptions, TcpTimestamp } from './segment';
export type { AckEvent, CongestionControl, CongestionControlFactory } from './congestion';
export { RenoCongestionControl } from './reno';
export { CubicCongestionControl } from './cubic';
export { RttEstimator, retransmitGiveUpNs } from './rtt';
export { seqAdd, seqDiff, seqGe, seqGt, seqLe, seqLt } from './seq';
