// Shared TCP vocabulary: connection states (with Linux's numbering for
// tcp_info), shutdown directions, per-connection configuration and defaults.

import { CongestionControlFactory } from './congestion';
import { CubicCongestionControl } from './cubic';
import { MS, SECOND } from './rtt';

export type TcpState =
  | 'CLOSED'
  | 'LISTEN'
  | 'SYN_SENT'
  | 'SYN_RECEIVED'
  | 'ESTABLISHED'
  | 'FIN_WAIT_1'
  | 'FIN_WAIT_2'
  | 'CLOSE_WAIT'
  | 'CLOSING'
  | 'LAST_ACK'
  | 'TIME_WAIT';

/** Linux's TCP_* state numbers (include/net/tcp_states.h), as tcp_info reports them. */
export const LINUX_TCP_STATE: Readonly<Record<TcpState, number>> = {
  ESTABLISHED: 1,
  SYN_SENT: 2,
  SYN_RECEIVED: 3,
  FIN_WAIT_1: 4,
  FIN_WAIT_2: 5,
  TIME_WAIT: 6,
  CLOSED: 7,
  CLOSE_WAIT: 8,
  LAST_ACK: 9,
  LISTEN: 10,
  CLOSING: 11,
};

export const SHUT_RD = 0;
export const SHUT_WR = 1;
export const SHUT_RDWR = 2;
export type ShutdownHow = typeof SHUT_RD | typeof SHUT_WR | typeof SHUT_RDWR;

export interface KeepaliveOptions {
  enabled: boolean;
  /** TCP_KEEPIDLE: idle time before the first probe. */
  idleNs: number;
  /** TCP_KEEPINTVL: time between probes. */
  intervalNs: number;
  /** TCP_KEEPCNT: unanswered probes before the connection is dropped. */
  count: number;
}

export interface LingerOption {
  enabled: boolean;
  /** With enabled and 0, close() resets the connection. Waiting for a positive linger is the socket layer's job. */
  seconds: number;
}

/** Everything a connection needs besides its ports and ISN; all fields have Linux-like defaults. */
export interface TcpSettings {
  /** MSS we advertise and the ceiling on what we send (MTU minus 40). */
  mssBytes: number;
  /** Initial send buffer (payload bytes), like tcp_wmem[1]. */
  sndBufBytes: number;
  /** Autotuning ceiling for the send buffer, like tcp_wmem[2]. */
  sndBufMaxBytes: number;
  /** Initial receive buffer (payload bytes), like tcp_rmem[1]. */
  rcvBufBytes: number;
  /** Autotuning ceiling for the receive buffer, like tcp_rmem[2]; also sizes the window scale. */
  rcvBufMaxBytes: number;
  /** Grow buffers automatically (until the application sets SO_SNDBUF/SO_RCVBUF). */
  autotune: boolean;
  windowScaling: boolean;
  sack: boolean;
  timestamps: boolean;
  congestion: CongestionControlFactory;
  /** Initial congestion window in segments (RFC 6928 IW10, Linux default). */
  initialCwndSegments: number;
  noDelay: boolean;
  cork: boolean;
  keepalive: KeepaliveOptions;
  linger: LingerOption;
  /** tcp_syn_retries. */
  synRetries: number;
  /** tcp_synack_retries. */
  synAckRetries: number;
  /** tcp_retries2. */
  retries2: number;
  /** tcp_orphan_retries (0 in Linux means 8). */
  orphanRetries: number;
  /** TCP_USER_TIMEOUT; 0 means off. */
  userTimeoutNs: number;
  rtoInitialNs: number;
  rtoMinNs: number;
  rtoMaxNs: number;
  delayedAckNs: number;
  /** Upper bound on immediate ACKs after data starts flowing (Linux TCP_MAX_QUICKACKS). */
  maxQuickAcks: number;
  timeWaitNs: number;
  /** tcp_fin_timeout: how long an orphaned connection may sit in FIN_WAIT_2. */
  finTimeoutNs: number;
  /** Offset added to the millisecond timestamp clock (Linux randomises it per connection). */
  tsOffset: number;
}

export interface TcpConfig extends Partial<Omit<TcpSettings, 'keepalive'>> {
  keepalive?: Partial<KeepaliveOptions>;
  localPort: number;
  remotePort: number;
  /** Initial send sequence number, from the caller's deterministic source. */
  isn: number;
}

export const DEFAULT_TCP_SETTINGS: Readonly<TcpSettings> = {
  mssBytes: 1460,
  sndBufBytes: 16 * 1024,
  sndBufMaxBytes: 4 * 1024 * 1024,
  rcvBufBytes: 128 * 1024,
  rcvBufMaxBytes: 6 * 1024 * 1024,
  autotune: true,
  windowScaling: true,
  sack: true,
  timestamps: true,
  congestion: (mss, iw) => new CubicCongestionControl(mss, iw),
  initialCwndSegments: 10,
  noDelay: false,
  cork: false,
  keepalive: { enabled: false, idleNs: 7200 * SECOND, intervalNs: 75 * SECOND, count: 9 },
  linger: { enabled: false, seconds: 0 },
  synRetries: 6,
  synAckRetries: 5,
  retries2: 15,
  orphanRetries: 8,
  userTimeoutNs: 0,
  rtoInitialNs: 1 * SECOND,
  rtoMinNs: 200 * MS,
  rtoMaxNs: 120 * SECOND,
  delayedAckNs: 40 * MS,
  maxQuickAcks: 16,
  timeWaitNs: 60 * SECOND,
  finTimeoutNs: 60 * SECOND,
  tsOffset: 0,
};
