// What every socket file has in common: the SimFile face fd.ts and ioctl.ts
// use (read/write/readv/writev, poll, FIONREAD and the interface ioctls), the
// SOL_SOCKET options, handled here once (timeouts, buffer sizes, SO_LINGER,
// flags), and the hooks each family (tcp.ts, udp.ts, unix.ts, netlink.ts)
// fills in. Operations return a value or -errno; -EAGAIN means "would wait".
import type { Descriptor } from '../../host/fd-table';
import type { Thread } from '../../host/thread';
import { E } from '../../abi/errno';
import {
  FIONREAD,
  SIOCATMARK,
  SIOCOUTQ,
  SO_ACCEPTCONN,
  SO_ATTACH_FILTER,
  SO_BINDTODEVICE,
  SO_BROADCAST,
  SO_BUSY_POLL,
  SO_DEBUG,
  SO_DETACH_FILTER,
  SO_DOMAIN,
  SO_DONTROUTE,
  SO_ERROR,
  SO_INCOMING_CPU,
  SO_KEEPALIVE,
  SO_LINGER,
  SO_MARK,
  SO_NO_CHECK,
  SO_OOBINLINE,
  SO_PASSCRED,
  SO_PEEK_OFF,
  SO_PEERCRED,
  SO_PEERSEC,
  SO_PRIORITY,
  SO_PROTOCOL,
  SO_RCVBUF,
  SO_RCVBUFFORCE,
  SO_RCVLOWAT,
  SO_RCVTIMEO_NEW,
  SO_RCVTIMEO_OLD,
  SO_REUSEADDR,
  SO_REUSEPORT,
  SO_RXQ_OVFL,
  SO_SNDBUF,
  SO_SNDBUFFORCE,
  SO_SNDLOWAT,
  SO_SNDTIMEO_NEW,
  SO_SNDTIMEO_OLD,
  SO_TIMESTAMP,
  SO_TIMESTAMPNS,
  SO_TYPE,
  SO_ZEROCOPY,
  SOL_SOCKET,
} from '../../abi/socket';
import { type SimFile } from '../../files/file';
import { O_NONBLOCK } from '../../abi/fcntl';
import { Watchers } from '../../core/watchers';
import type { Kernel } from '../../kernel/kernel';
import type { SockAddr } from './address';
import { interfaceIoctl } from './interfaces';
import { layerOf } from './layer';
import type { UserMsg } from './message';
import type { OptValue } from './option';

/** Linux's net.core.{w,r}mem_max defaults: the ceiling for SO_SNDBUF/SO_RCVBUF (before doubling). */
const WMEM_MAX = 212992,
  RMEM_MAX = 212992;
const SOCK_MIN_SNDBUF = 4608,
  SOCK_MIN_RCVBUF = 2304;
const INT_MAX = 0x7fffffff;
/** sizeof(struct timeval), sizeof(struct linger), sizeof(struct ucred). */
const TIMEVAL_SIZE = 16,
  LINGER_SIZE = 8,
  UCRED_SIZE = 12;
const NS_PER_SEC = 1e9,
  NS_PER_USEC = 1000;

/** Linux's SO_SNDBUF/SO_RCVBUF arithmetic: clamp to the sysctl maximum (unless forced), double. */
function bufSize(v: number, force: boolean, max: number, min: number): number {
  const val = force ? Math.max(0, v) : Math.min(Math.max(0, v), max);
  return Math.max(val * 2, min);
}

/** SOL_SOCKET flags that are stored and reported back, normalised to 0/1. */
function isFlagOption(name: number): boolean {
  switch (name) {
    case SO_DEBUG:
    case SO_DONTROUTE:
    case SO_BROADCAST:
    case SO_KEEPALIVE:
    case SO_OOBINLINE:
    case SO_NO_CHECK:
    case SO_PASSCRED:
    case SO_TIMESTAMP:
    case SO_TIMESTAMPNS:
    case SO_RXQ_OVFL:
    case SO_BUSY_POLL:
    case SO_ZEROCOPY:
    case SO_REUSEADDR:
    case SO_REUSEPORT:
      return true;
    default:
      return false;
  }
}

export abstract class SocketFile implements SimFile {
  readonly kind = 'socket';
  refs = 0;
  statusFlags = 0;
  readonly watchers = new Watchers();
  readonly statMode = 0o140777; // S_IFSOCK | 0777
  /** SO_RCVTIMEO / SO_SNDTIMEO in ns (0: wait forever). */
  rcvTimeoNs = 0;
  sndTimeoNs = 0;
  /** SO_LINGER for sockets that have nothing to linger on (TCP keeps its own). */
  private lingerOn = 0;
  private lingerSec = 0;
  /** Options stored but without effect (SO_DEBUG, IP_TOS ...), by level << 16 | name. */
  private readonly stored = new Map<number, number>();
  abstract readonly domain: number;
  abstract readonly type: number;
  abstract readonly protocol: number;

  abstract poll(): number;
  abstract release(): void;
  /** Sends the message; -EAGAIN (with m.progressed) when it must wait. */
  abstract sendMsg(k: Kernel, t: Thread, m: UserMsg, flags: number): number;
  /** Receives into the message (the source address into m.src); -EAGAIN (with m.progressed) when it must wait. */
  abstract recvMsg(k: Kernel, t: Thread, m: UserMsg, flags: number): number;
  /** Writes the local (or peer) address into `out`; returns 0 or -errno. */
  abstract sockName(peer: boolean, out: SockAddr): number;
  /** Bytes FIONREAD reports. */
  abstract readableBytes(): number;

  /** bind(2) to the address the caller passed (t: whose cwd a unix path is relative to; k: to make its file). */
  bind(_t: Thread, _addr: SockAddr, _k: Kernel): number {
    return -E.EOPNOTSUPP;
  }

  /**
   * connect(2); -EAGAIN: a blocking caller waits on the watchers and calls
   * again. `timedOut`: this call already waited and its SO_SNDTIMEO ran out.
   */
  connect(_t: Thread, _addr: SockAddr, _timedOut: boolean): number {
    return -E.EOPNOTSUPP;
  }

  listen(_backlog: number): number {
    return -E.EOPNOTSUPP;
  }

  /** The next connection as a new file, or -errno (-EAGAIN: wait). */
  accept(): SocketFile | number {
    return -E.EOPNOTSUPP;
  }

  shutdown(_how: number): number {
    return -E.EOPNOTSUPP;
  }

  get listening(): boolean {
    return false;
  }

  get nonblocking(): boolean {
    return (this.statusFlags & O_NONBLOCK) !== 0;
  }

  /** How long a blocking call may wait: SO_SNDTIMEO for sends and connect, SO_RCVTIMEO otherwise (0: forever). */
  timeoutNs(sending: boolean): number {
    return sending ? this.sndTimeoNs : this.rcvTimeoNs;
  }

  /** fd.ts asks how long a blocking read/write may wait: SO_RCVTIMEO / SO_SNDTIMEO (-1: forever). */
  blockDeadlineNs(k: Kernel, _t: Thread, writing: boolean): number {
    const timeo = this.timeoutNs(writing);
    return timeo > 0 ? k.now + timeo : -1;
  }

  // ------------------------------------------- read/write through fd.ts
  //
  // fd.ts's maybeBlock waits on -EAGAIN (bounded by blockDeadlineNs). A
  // blocking write(2) keeps its progress across the restart in
  // t.resumeProgressBytes; readv/writev get a short count instead.

  read(k: Kernel, t: Thread, _d: Descriptor, bufAddr: number, len: number): number {
    // read(2) of nothing returns 0 before any receive (sock_read_iter); only recv(2) of 0 bytes waits.
    if (len === 0) return 0;
    const m = layerOf(k).fileMsg.single(bufAddr, len);
    return this.recvMsg(k, t, m.resume(0), 0);
  }

  write(k: Kernel, t: Thread, _d: Descriptor, bufAddr: number, len: number): number {
    return this.resumableWrite(k, t, layerOf(k).fileMsg.single(bufAddr, len));
  }

  /** readv/writev as one message (a datagram is one datagram, not one per iovec). */
  readv(k: Kernel, t: Thread, _d: Descriptor, iovAddr: number, count: number): number {
    const m = layerOf(k).fileMsg;
    m.clearExtras();
    const r0 = m.load(k, t, iovAddr, count);
    if (r0 < 0) return r0 === -E.EMSGSIZE ? -E.EINVAL : r0;
    if (m.total === 0) return 0; // as vfs_readv, for every file
    const r = this.recvMsg(k, t, m.resume(0), 0);
    return r === -E.EAGAIN && m.progressed > 0 ? m.progressed : r;
  }

  writev(k: Kernel, t: Thread, _d: Descriptor, iovAddr: number, count: number): number {
    const m = layerOf(k).fileMsg;
    m.clearExtras();
    const r0 = m.load(k, t, iovAddr, count);
    if (r0 < 0) return r0 === -E.EMSGSIZE ? -E.EINVAL : r0;
    if (m.total === 0) return 0; // vfs_writev sends nothing, not even an empty datagram
    const r = this.sendMsg(k, t, m.resume(0), 0);
    return r === -E.EAGAIN && m.progressed > 0 ? m.progressed : r;
  }

  /**
   * A write that a blocking socket completes across restarts: the progress
   * waits in t.resumeProgressBytes while fd.ts blocks; a non-blocking one, or
   * one whose SO_SNDTIMEO ran out, returns the short count.
   */
  protected resumableWrite(k: Kernel, t: Thread, m: UserMsg): number {
    const blocking = !this.nonblocking;
    const restart = t.wokenBy !== 'none';
    m.resume(blocking && restart ? Math.max(0, t.resumeProgressBytes) : 0);
    const r = this.sendMsg(k, t, m, 0);
    if (r !== -E.EAGAIN) return r;
    const done = m.progressed;
    if (!blocking || (restart && k.timedOut(t))) return done > 0 ? done : -E.EAGAIN;
    t.resumeProgressBytes = done;
    return -E.EAGAIN;
  }

  // ------------------------------------------------------------- ioctl

  /** Bytes SIOCOUTQ reports. */
  unsentBytes(): number {
    return 0;
  }

  ioctl(k: Kernel, t: Thread, _d: Descriptor, request: number, argAddr: number): number {
    const pid = t.process.nativePid;
    switch (request) {
      case FIONREAD:
        return k.mem.writeI32(pid, argAddr, this.readableBytes()) ? 0 : -E.EFAULT;
      case SIOCOUTQ:
        return k.mem.writeI32(pid, argAddr, this.unsentBytes()) ? 0 : -E.EFAULT;
      case SIOCATMARK:
        return k.mem.writeI32(pid, argAddr, 0) ? 0 : -E.EFAULT;
      default:
        return interfaceIoctl(k, t, t.process.host.ip, request, argAddr);
    }
  }

  // ------------------------------------------------------------- options
  //
  // setOption/getOption are what setsockopt/getsockopt reach. SOL_SOCKET is
  // decided here; a family acts on what concerns it through the hooks below,
  // and other levels go to setLevelOption/getLevelOption.

  /** SO_ERROR: the pending error (positive errno, 0: none), cleared. */
  protected abstract takeError(): number;
  /** SO_SNDBUF as Linux reports it (sk_sndbuf), and setting it (already clamped and doubled). */
  protected abstract sndBufBytes(): number;
  protected abstract setSndBufBytes(bytes: number): void;
  /** SO_RCVBUF likewise (sk_rcvbuf). */
  protected abstract rcvBufBytes(): number;
  protected abstract setRcvBufBytes(bytes: number): void;

  /** SO_LINGER as set (on: 0 or 1; seconds as given). */
  protected lingerOption(): { on: number; seconds: number } {
    return { on: this.lingerOn, seconds: this.lingerSec };
  }

  protected setLinger(on: boolean, seconds: number): void {
    this.lingerOn = on ? 1 : 0;
    this.lingerSec = seconds;
  }

  /**
   * A stored SOL_SOCKET flag (value normalised) the family acts on itself
   * (SO_REUSEADDR, SO_KEEPALIVE ...): true when it took it, false to have it stored.
   */
  protected setOwnOption(_name: number, _value: number): boolean {
    return false;
  }

  /** The value of a SOL_SOCKET flag the family owns, or null when it is stored here. */
  protected ownOption(_name: number): number | null {
    return null;
  }

  /** SO_PEERCRED: struct ucred at the start of out. Sockets without a peer process say pid 0, uid/gid -1. */
  protected peerCred(out: DataView): void {
    out.setInt32(0, 0, true);
    out.setInt32(4, -1, true);
    out.setInt32(8, -1, true);
  }

  /** Options of levels other than SOL_SOCKET (v: the value as a short int); the default refuses them. */
  protected setLevelOption(_level: number, _name: number, _v: number, _val: OptValue): number {
    return -E.EOPNOTSUPP;
  }

  /** Writes a non-SOL_SOCKET option's value at the start of out; returns its size or -errno. */
  protected getLevelOption(_level: number, _name: number, _out: DataView): number {
    return -E.EOPNOTSUPP;
  }

  protected storedOpt(level: number, name: number, dflt: number): number {
    return this.stored.get(level * 65536 + name) ?? dflt;
  }

  protected storeOpt(level: number, name: number, v: number): void {
    this.stored.set(level * 65536 + name, v);
  }

  /** setsockopt(2): returns 0 or -errno. */
  setOption(level: number, name: number, val: OptValue): number {
    const len = val.len;
    if (len < 0) return -E.EINVAL;
    if (level !== SOL_SOCKET) {
      let v = 0;
      if (len > 0 && !val.isNull) {
        if (val.fault) return -E.EFAULT;
        v = val.smallInt();
      }
      return this.setLevelOption(level, name, v, val);
    }
    switch (name) {
      case SO_RCVTIMEO_OLD:
      case SO_SNDTIMEO_OLD:
      case SO_RCVTIMEO_NEW:
      case SO_SNDTIMEO_NEW: {
        if (len < TIMEVAL_SIZE) return -E.EINVAL;
        if (val.fault) return -E.EFAULT;
        const sec = val.i64(0);
        const usec = val.i64(8);
        if (usec < 0 || usec >= 1_000_000) return -E.EDOM;
        const ns = sec < 0 ? 0 : sec * NS_PER_SEC + usec * NS_PER_USEC;
        if (name === SO_RCVTIMEO_OLD || name === SO_RCVTIMEO_NEW) this.rcvTimeoNs = ns;
        else this.sndTimeoNs = ns;
        return 0;
      }
      case SO_LINGER:
        if (len < LINGER_SIZE) return -E.EINVAL;
        if (val.fault) return -E.EFAULT;
        this.setLinger(val.bytes.readInt32LE(0) !== 0, val.bytes.readInt32LE(4));
        return 0;
      case SO_BINDTODEVICE:
      case SO_ATTACH_FILTER:
      case SO_DETACH_FILTER:
        return 0; // one interface per host: binding to it or filtering changes nothing we model
      case SO_TYPE:
      case SO_ERROR:
      case SO_DOMAIN:
      case SO_PROTOCOL:
      case SO_ACCEPTCONN:
      case SO_PEERCRED:
      case SO_PEERSEC:
        return -E.ENOPROTOOPT;
      default:
        break;
    }
    if (len < 4) return -E.EINVAL;
    if (val.fault) return -E.EFAULT;
    const iv = val.int();
    let v: number;
    switch (name) {
      case SO_SNDBUF:
      case SO_SNDBUFFORCE:
        this.setSndBufBytes(bufSize(iv, name === SO_SNDBUFFORCE, WMEM_MAX, SOCK_MIN_SNDBUF));
        this.watchers.notify(); // a larger buffer may make a blocked sender writable
        return 0;
      case SO_RCVBUF:
      case SO_RCVBUFFORCE:
        this.setRcvBufBytes(bufSize(iv, name === SO_RCVBUFFORCE, RMEM_MAX, SOCK_MIN_RCVBUF));
        return 0;
      case SO_PRIORITY:
      case SO_MARK:
      case SO_PEEK_OFF:
      case SO_INCOMING_CPU:
        v = iv;
        break;
      case SO_RCVLOWAT:
        v = iv < 0 ? INT_MAX : iv;
        break;
      case SO_SNDLOWAT:
        return -E.ENOPROTOOPT; // Linux cannot change it
      default:
        if (!isFlagOption(name)) return -E.ENOPROTOOPT;
        v = iv !== 0 ? 1 : 0;
    }
    if (!this.setOwnOption(name, v)) this.storeOpt(SOL_SOCKET, name, v);
    return 0;
  }

  /** getsockopt(2): writes the value at the start of `out`; returns its size or -errno. */
  getOption(level: number, name: number, out: DataView): number {
    if (level !== SOL_SOCKET) return this.getLevelOption(level, name, out);
    let v: number;
    switch (name) {
      case SO_TYPE:
        v = this.type;
        break;
      case SO_DOMAIN:
        v = this.domain;
        break;
      case SO_PROTOCOL:
        v = this.protocol;
        break;
      case SO_ACCEPTCONN:
        v = this.listening ? 1 : 0;
        break;
      case SO_ERROR:
        v = this.takeError();
        break;
      case SO_SNDBUF:
        v = this.sndBufBytes();
        break;
      case SO_RCVBUF:
        v = this.rcvBufBytes();
        break;
      case SO_SNDLOWAT:
        v = 1;
        break;
      case SO_RCVTIMEO_OLD:
      case SO_SNDTIMEO_OLD:
      case SO_RCVTIMEO_NEW:
      case SO_SNDTIMEO_NEW: {
        const ns = name === SO_RCVTIMEO_OLD || name === SO_RCVTIMEO_NEW ? this.rcvTimeoNs : this.sndTimeoNs;
        const sec = Math.floor(ns / NS_PER_SEC);
        out.setUint32(0, sec >>> 0, true);
        out.setUint32(4, Math.floor(sec / 4294967296), true);
        out.setUint32(8, Math.floor((ns - sec * NS_PER_SEC) / NS_PER_USEC), true);
        out.setUint32(12, 0, true);
        return TIMEVAL_SIZE;
      }
      case SO_LINGER: {
        const l = this.lingerOption();
        out.setInt32(0, l.on, true);
        out.setInt32(4, l.seconds, true);
        return LINGER_SIZE;
      }
      case SO_PEERCRED:
        this.peerCred(out);
        return UCRED_SIZE;
      default: {
        const own = this.ownOption(name);
        if (own !== null) v = own;
        else if (name === SO_RCVLOWAT) v = this.storedOpt(SOL_SOCKET, name, 1);
        else if (name === SO_PEEK_OFF) v = this.storedOpt(SOL_SOCKET, name, -1);
        else if (name === SO_INCOMING_CPU) v = 0;
        else if (name === SO_PRIORITY || name === SO_MARK || isFlagOption(name))
          v = this.storedOpt(SOL_SOCKET, name, 0);
        else return -E.ENOPROTOOPT;
      }
    }
    out.setInt32(0, v, true);
    return 4;
  }
}

/** A family's socket object that keeps SO_SNDBUF, SO_RCVBUF and its pending error as plain fields. */
export interface PlainBuffers {
  sndBuf: number;
  rcvBuf: number;
  /** SO_ERROR: the pending error (positive errno, 0: none), cleared. */
  takeError(): number;
}

/** A socket file whose socket object is PlainBuffers (UDP, unix): the buffer and error hooks read its fields. */
export abstract class PlainBufferSocketFile extends SocketFile {
  abstract readonly sock: PlainBuffers;

  protected takeError(): number {
    return this.sock.takeError();
  }

  protected sndBufBytes(): number {
    return this.sock.sndBuf;
  }

  protected setSndBufBytes(bytes: number): void {
    this.sock.sndBuf = bytes;
  }

  protected rcvBufBytes(): number {
    return this.sock.rcvBuf;
  }

  protected setRcvBufBytes(bytes: number): void {
    this.sock.rcvBuf = bytes;
  }
}
