// Unix-domain sockets of one host: the name table (abstract names, and the
// inodes of socket files for path names), and stream, datagram and seqpacket
// sockets with Linux's connect/accept, buffer, EOF, EPIPE and ECONNRESET rules.
import { E } from '../abi/errno';
import { ArrayQueue } from '../core/array-queue';
import { Ready, type Notifier } from './stack';
import type { UnixPathSpace } from './unix-paths';

export type UnixKind = 'stream' | 'dgram' | 'seqpacket';

/** Linux's defaults: net.core.wmem_default and net.unix.max_dgram_qlen. */
export const UNIX_DEFAULT_SNDBUF = 212992;
export const UNIX_MAX_DGRAM_QLEN = 10;

export interface UnixCred {
  pid: number;
  uid: number;
  gid: number;
}

/** A bound name: the table key and the sun_path bytes getsockname reports. */
export interface UnixName {
  /**
   * "<dev>:<inode>" of the socket file a path name made (an absolute path while
   * being resolved), or "\0<kind>\0" + the abstract name's bytes (latin1): abstract names are per socket type.
   */
  readonly key: string;
  /** sun_path as bound (abstract: leading NUL included; path: as given, NUL-terminated). */
  readonly addr: Uint8Array;
}

export interface UnixMessage {
  data: Uint8Array;
  /** Bytes of `data` already read (stream sockets read messages piecemeal). */
  off: number;
  /** Sender's sun_path (datagrams), null when the sender is unnamed. */
  from: Uint8Array | null;
  /** The datagram's sender and what it is charged there until read (its send buffer). */
  sender: UnixSocket | null;
  charge: number;
  /** Open files passed with SCM_RIGHTS (opaque here: the syscall layer owns them), or null. */
  rights: unknown[] | null;
}

/**
 * What a datagram of `len` bytes costs its sender's send buffer while queued:
 * Linux's skb truesize (the data rounded to a kmalloc size, plus struct
 * sk_buff). It is why a socketpair takes 278 one-byte datagrams by default.
 */
export function datagramTruesize(len: number): number {
  const data = ((len + 63) & ~63) + 320; // SKB_DATA_ALIGN(len) + skb_shared_info
  let slab = 512;
  while (slab < data) slab *= 2;
  return slab + 256;
}

export class UnixNamespace {
  private readonly names = new Map<string, UnixSocket>();
  private autobindNext = 0;
  /** The host's socket files of paths outside its directory; null until it binds one (src/net/unix-paths.ts). */
  pathSpace: UnixPathSpace | null = null;

  lookup(key: string): UnixSocket | undefined {
    return this.names.get(key);
  }

  /** Claims a name; false when taken. */
  claim(key: string, s: UnixSocket): boolean {
    if (this.names.has(key)) return false;
    this.names.set(key, s);
    return true;
  }

  /**
   * Gives a socket file's key to s: the file was just made, so a socket still
   * holding the same inode number had its file unlinked and is unreachable.
   */
  claimFile(key: string, s: UnixSocket): void {
    this.names.set(key, s);
  }

  release(key: string, s: UnixSocket): void {
    if (this.names.get(key) === s) this.names.delete(key);
  }

  /** Linux autobind: an abstract name of five hex digits, the first free one from a counter. */
  autobindName(kind: UnixKind): UnixName {
    for (;;) {
      const n = this.autobindNext;
      this.autobindNext = (this.autobindNext + 1) & 0xfffff;
      const hex = n.toString(16).padStart(5, '0');
      const key = `\0${kind}\0${hex}`;
      if (!this.names.has(key)) {
        const addr = new Uint8Array(6);
        for (let i = 0; i < 5; i++) addr[i + 1] = hex.charCodeAt(i);
        return { key, addr };
      }
    }
  }
}

export class UnixSocket {
  state: 'unconnected' | 'listening' | 'connected' = 'unconnected';
  name: UnixName | null = null;
  /** Only the socket that bound a name releases it (accepted sockets show the listener's). */
  private ownsName = false;
  peer: UnixSocket | null = null;
  readonly rx = new ArrayQueue<UnixMessage>();
  rxBytes = 0;
  private readonly backlog = new ArrayQueue<UnixSocket>();
  private backlogMax = 0;
  /** sk_shutdown halves: nothing more to read / nothing more may be written. */
  rcvShut = false;
  sndShut = false;
  /** Pending error (SO_ERROR), positive errno or 0. */
  error = 0;
  sndBuf = UNIX_DEFAULT_SNDBUF;
  rcvBuf = UNIX_DEFAULT_SNDBUF;
  closed = false;
  /** Who created this socket, and who is at the other end (SO_PEERCRED). */
  cred: UnixCred;
  peerCred: UnixCred | null = null;
  /** Datagram senders waiting for room in this socket's queue. */
  private readonly waitingSenders: UnixSocket[] = [];
  /** Truesize of this socket's datagrams still queued at receivers (sk_wmem_alloc). */
  private wmem = 0;

  constructor(
    readonly kind: UnixKind,
    readonly ns: UnixNamespace,
    /** Null while an accepted socket waits in a backlog (nobody can watch it yet). */
    public notifier: Notifier | null,
    cred: UnixCred,
  ) {
    this.cred = cred;
  }

  private notify(): void {
    if (this.notifier) this.notifier.notify();
  }

  get connectionOriented(): boolean {
    return this.kind !== 'dgram';
  }

  /** A connected pair (socketpair). */
  static pair(kind: UnixKind, ns: UnixNamespace, a: Notifier, b: Notifier, cred: UnixCred): [UnixSocket, UnixSocket] {
    const x = new UnixSocket(kind, ns, a, cred);
    const y = new UnixSocket(kind, ns, b, cred);
    x.peer = y;
    y.peer = x;
    x.state = y.state = 'connected';
    x.peerCred = cred;
    y.peerCred = cred;
    return [x, y];
  }

  /** `file`: the name is a socket file just created (see UnixNamespace.claimFile). */
  bind(name: UnixName, file = false): number {
    if (this.name !== null) return -E.EINVAL;
    if (file) this.ns.claimFile(name.key, this);
    else if (!this.ns.claim(name.key, this)) return -E.EADDRINUSE;
    this.name = name;
    this.ownsName = true;
    return 0;
  }

  autobind(): number {
    return this.name !== null ? 0 : this.bind(this.ns.autobindName(this.kind));
  }

  listen(backlog: number): number {
    if (!this.connectionOriented) return -E.EOPNOTSUPP;
    if (this.state === 'connected' || this.name === null) return -E.EINVAL;
    this.state = 'listening';
    // Linux caps at net.core.somaxconn (4096); a queue is full once longer than the backlog.
    this.backlogMax = Math.max(0, Math.min(backlog, 4096));
    this.notify();
    return 0;
  }

  /**
   * Stream/seqpacket connect to listener `to`. The server end is created at
   * once and queued on the listener, so the client may write before accept.
   */
  connectTo(to: UnixSocket | undefined, missing: number): number {
    if (this.state === 'connected') return -E.EISCONN;
    if (this.state === 'listening') return -E.EINVAL;
    if (!to || to.closed) return -missing;
    if (to.kind !== this.kind) return -E.EPROTOTYPE;
    if (to.state !== 'listening') return -E.ECONNREFUSED;
    if (to.backlog.length > to.backlogMax) {
      if (!to.waitingSenders.includes(this)) to.waitingSenders.push(this);
      return -E.EAGAIN;
    }
    const server = new UnixSocket(this.kind, this.ns, null, to.cred);
    server.name = to.name;
    server.peer = this;
    server.state = 'connected';
    server.peerCred = this.cred;
    this.peer = server;
    this.state = 'connected';
    this.peerCred = to.cred;
    to.backlog.push(server);
    to.notify();
    this.notify();
    return 0;
  }

  /** The next connection queued on a listener, or -errno. */
  accept(): UnixSocket | number {
    if (this.state !== 'listening') return -E.EINVAL;
    const s = this.backlog.shift();
    if (s === undefined) return -E.EAGAIN;
    this.wakeWaitingSenders(); // connectors waiting for backlog room retry
    return s;
  }

  /** Datagram connect: sets the default destination. */
  connectDgram(to: UnixSocket | undefined, missing: number): number {
    if (!to || to.closed) return -missing;
    if (to.kind !== 'dgram') return -E.EPROTOTYPE;
    if (to.peer !== null && to.peer !== this) return -E.EPERM;
    this.peer = to;
    this.state = 'connected';
    return 0;
  }

  disconnectDgram(): void {
    this.peer = null;
    this.state = 'unconnected';
  }

  /**
   * Room for a stream/seqpacket write right now: bytes that may be queued at
   * the peer (> 0), or -errno (EPIPE, ENOTCONN, EAGAIN when the peer is full).
   */
  streamRoom(): number {
    if (this.state !== 'connected' || this.peer === null) return -E.ENOTCONN;
    if (this.sndShut || this.peer.closed || this.peer.rcvShut) return -E.EPIPE;
    const room = this.sndBuf - this.peer.rxBytes;
    return room > 0 ? room : -E.EAGAIN;
  }

  /** Queues bytes at the peer (after streamRoom said there is room). */
  streamSend(data: Uint8Array, rights: unknown[] | null = null): void {
    const peer = this.peer as UnixSocket;
    peer.rx.push({ data, off: 0, from: null, sender: null, charge: 0, rights });
    peer.rxBytes += data.length;
    peer.notify();
  }

  /** Datagram send to `to`; returns 0 or -errno (EAGAIN: this send buffer or its queue is full). */
  dgramSend(to: UnixSocket, data: Uint8Array, rights: unknown[] | null = null): number {
    if (this.sndShut) return -E.EPIPE;
    if (to.closed) {
      if (this.peer === to) this.peer = null;
      return -E.ECONNREFUSED;
    }
    if (to.kind !== 'dgram') return -E.EPROTOTYPE;
    if (to.peer !== null && to.peer !== this) return -E.EPERM;
    if (to.rcvShut) return -E.EPIPE;
    if (data.length > this.sndBuf) return -E.EMSGSIZE;
    // Linux: wait while our queued datagrams fill the send buffer, or while a
    // receiver that is not connected back to us has a full queue.
    if (this.wmem >= this.sndBuf) return -E.EAGAIN;
    if (to.peer !== this && to.rx.length > UNIX_MAX_DGRAM_QLEN) {
      if (!to.waitingSenders.includes(this)) to.waitingSenders.push(this);
      return -E.EAGAIN;
    }
    const charge = datagramTruesize(data.length);
    this.wmem += charge;
    to.rx.push({ data, off: 0, from: this.name !== null ? this.name.addr : null, sender: this, charge, rights });
    to.rxBytes += data.length;
    to.notify();
    return 0;
  }

  /** A queued datagram of ours was read or dropped: its buffer space comes back. */
  private uncharge(n: number): void {
    const wasFull = this.wmem >= this.sndBuf;
    this.wmem -= n;
    if (wasFull && this.wmem < this.sndBuf && !this.closed) this.notify();
  }

  private dropMessage(m: UnixMessage): void {
    if (m.sender !== null) m.sender.uncharge(m.charge);
  }

  /** Whether a datagram send to `to` would have to wait (poll's EPOLLOUT). */
  private dgramFull(to: UnixSocket): boolean {
    return this.wmem >= this.sndBuf || (!to.closed && to.peer !== this && to.rx.length > UNIX_MAX_DGRAM_QLEN);
  }

  /**
   * Removes `n` bytes from the head of the receive queue (a stream read), or
   * the whole first message when `wholeMessage` (datagram/seqpacket reads).
   */
  consume(n: number, wholeMessage: boolean): void {
    if (wholeMessage) {
      const m = this.rx.shift();
      if (m) {
        this.rxBytes -= m.data.length - m.off;
        this.dropMessage(m);
      }
    } else {
      while (n > 0) {
        const m = this.rx.peek() as UnixMessage;
        const left = m.data.length - m.off;
        if (n >= left) {
          this.rx.shift();
          n -= left;
          this.rxBytes -= left;
        } else {
          m.off += n;
          this.rxBytes -= n;
          n = 0;
        }
      }
    }
    // Room appeared: the writer at the other end (or datagram senders) may continue.
    if (this.peer !== null && this.connectionOriented) this.peer.notify();
    this.wakeWaitingSenders();
  }

  private wakeWaitingSenders(): void {
    if (this.waitingSenders.length === 0) return;
    const list = this.waitingSenders.splice(0);
    for (const s of list) s.notify();
  }

  /**
   * What a read finds when the queue is empty: an error, 0 for end of file,
   * or EAGAIN (wait). Stream sockets that never connected give EINVAL.
   */
  emptyReadResult(): number {
    if (this.error !== 0) return -this.takeError();
    if (this.rcvShut) return 0;
    if (this.connectionOriented && this.state !== 'connected') return -E.EINVAL;
    return -E.EAGAIN;
  }

  takeError(): number {
    const e = this.error;
    this.error = 0;
    return e;
  }

  /** FIONREAD: all queued bytes for streams, the next message's size otherwise. */
  get readableBytes(): number {
    if (this.kind === 'stream') return this.rxBytes;
    const m = this.rx.peek();
    return m ? m.data.length - m.off : 0;
  }

  shutdown(rd: boolean, wr: boolean): void {
    if (rd) this.rcvShut = true;
    if (wr) this.sndShut = true;
    const peer = this.peer;
    if (this.connectionOriented && peer !== null && !peer.closed) {
      if (rd) peer.sndShut = true;
      if (wr) peer.rcvShut = true;
      peer.notify();
    }
    this.notify();
    this.wakeWaitingSenders();
  }

  poll(): number {
    let r = 0;
    if (this.state === 'listening') return this.backlog.length > 0 ? Ready.IN : 0;
    if (this.error !== 0) r |= Ready.ERR;
    if (this.rcvShut && this.sndShut) r |= Ready.HUP;
    if (this.rcvShut) r |= Ready.RDHUP | Ready.IN;
    if (this.rx.length > 0) r |= Ready.IN;
    if (this.connectionOriented) {
      if (this.state !== 'connected') return r;
      const peer = this.peer as UnixSocket;
      if (this.sndShut || peer.closed || peer.rcvShut || peer.rxBytes < this.sndBuf) r |= Ready.OUT;
    } else if (!(this.peer === null ? this.wmem >= this.sndBuf : this.dgramFull(this.peer))) {
      r |= Ready.OUT;
    }
    return r;
  }

  /** Closes this end; `embryo`: a connection that was never accepted (its client sees a reset). */
  close(embryo = false): void {
    if (this.closed) return;
    this.closed = true;
    if (this.ownsName && this.name !== null) this.ns.release(this.name.key, this);
    if (this.state === 'listening') {
      // Connections nobody accepted die with the listener: their clients see a reset.
      for (let s = this.backlog.shift(); s !== undefined; s = this.backlog.shift()) s.close(true);
    }
    const peer = this.peer;
    if (this.connectionOriented && peer !== null && !peer.closed) {
      peer.rcvShut = true;
      peer.sndShut = true;
      if (this.rx.length > 0 || embryo) peer.error = E.ECONNRESET;
      peer.notify();
    }
    for (let m = this.rx.shift(); m !== undefined; m = this.rx.shift()) this.dropMessage(m);
    this.rxBytes = 0;
    this.wakeWaitingSenders();
  }
}
