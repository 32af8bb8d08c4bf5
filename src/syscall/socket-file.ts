// What every socket fd has in common: the SimFile face (read/write/poll/
// ioctl), SOL_SOCKET options, the user-memory message (iovecs + address) the
// send/receive calls fill in, and the blocking rule (SO_RCVTIMEO/SO_SNDTIMEO,
// MSG_DONTWAIT, O_NONBLOCK, progress kept across restarts).
import type { FileObject } from '../host/fd-table';
import type { Descriptor } from '../host/fd-table';
import type { Thread } from '../host/thread';
import { hostLinks, type HostLink } from '../net/netlink';
import { E } from '../abi/errno';
import { O_NONBLOCK, SimFile, Watchers } from '../files/file';
import type { Kernel } from '../kernel/kernel';
import { SYS } from '../abi/syscalls';

export const AF_UNSPEC = 0,
  AF_UNIX = 1,
  AF_INET = 2,
  AF_INET6 = 10,
  AF_NETLINK = 16;
export const SOCK_STREAM = 1,
  SOCK_DGRAM = 2,
  SOCK_RAW = 3,
  SOCK_SEQPACKET = 5;

export const MSG_OOB = 0x1,
  MSG_PEEK = 0x2,
  MSG_CTRUNC = 0x8,
  MSG_TRUNC = 0x20,
  MSG_DONTWAIT = 0x40;
export const MSG_EOR = 0x80,
  MSG_WAITALL = 0x100,
  MSG_ERRQUEUE = 0x2000,
  MSG_NOSIGNAL = 0x4000;
export const MSG_WAITFORONE = 0x10000;

export const SOL_SOCKET = 1;
const SO_DEBUG = 1,
  SO_REUSEADDR = 2,
  SO_TYPE = 3,
  SO_ERROR = 4,
  SO_DONTROUTE = 5,
  SO_BROADCAST = 6;
const SO_SNDBUF = 7,
  SO_RCVBUF = 8,
  SO_KEEPALIVE = 9,
  SO_OOBINLINE = 10,
  SO_NO_CHECK = 11,
  SO_PRIORITY = 12;
const SO_LINGER = 13,
  SO_REUSEPORT = 15,
  SO_PASSCRED = 16,
  SO_PEERCRED = 17,
  SO_RCVLOWAT = 18;
const SO_SNDLOWAT = 19,
  SO_RCVTIMEO_OLD = 20,
  SO_SNDTIMEO_OLD = 21,
  SO_BINDTODEVICE = 25;
const SO_ATTACH_FILTER = 26,
  SO_DETACH_FILTER = 27,
  SO_TIMESTAMP = 29,
  SO_ACCEPTCONN = 30,
  SO_PEERSEC = 31;
const SO_SNDBUFFORCE = 32,
  SO_RCVBUFFORCE = 33,
  SO_TIMESTAMPNS = 35,
  SO_MARK = 36,
  SO_PROTOCOL = 38;
const SO_DOMAIN = 39,
  SO_RXQ_OVFL = 40,
  SO_PEEK_OFF = 42,
  SO_BUSY_POLL = 46,
  SO_INCOMING_CPU = 49;
const SO_ZEROCOPY = 60,
  SO_RCVTIMEO_NEW = 66,
  SO_SNDTIMEO_NEW = 67;

/** Linux's net.core.{w,r}mem_max defaults: the ceiling for SO_SNDBUF/SO_RCVBUF (before doubling). */
const WMEM_MAX = 212992,
  RMEM_MAX = 212992;
const SOCK_MIN_SNDBUF = 4608,
  SOCK_MIN_RCVBUF = 2304;

const FIONREAD = 0x541b,
  SIOCOUTQ = 0x5411,
  SIOCATMARK = 0x8905;
const SIOCGIFNAME = 0x8910,
  SIOCGIFCONF = 0x8912,
  SIOCGIFFLAGS = 0x8913,
  SIOCGIFADDR = 0x8915;
const SIOCGIFBRDADDR = 0x8919,
  SIOCGIFNETMASK = 0x891b,
  SIOCGIFMTU = 0x8921,
  SIOCGIFHWADDR = 0x8927;
const SIOCGIFINDEX = 0x8933;
const IFREQ_SIZE = 40;

export const SIGPIPE = 13;
/** UIO_MAXIOV: the most iovecs one call may pass. */
export const IOV_MAX = 1024;

// ------------------------------------------------------------------ messages

/**
 * One message's user-side buffers: iovecs and the address buffer. A single
 * instance is reused for every call (handlers run one at a time).
 */
export class UserMsg {
  /** [base, len] pairs. */
  readonly iov = new Float64Array(2 * IOV_MAX);
  count = 0;
  total = 0;
  /** Send: destination sockaddr (0: none). Receive: where the source address goes (0: nowhere). */
  nameAddr = 0;
  /** Send: its length. Receive: the buffer's capacity. */
  nameLen = 0;
  /** Receive results: msg_flags bits. */
  outFlags = 0;
  /** sendmsg/recvmsg: the msg_control buffer (0: none). */
  controlAddr = 0;
  controlLen = 0;
  /** Send: open files passed with SCM_RIGHTS (each holds a reference while in flight). */
  rights: FileObject[] = [];
  /** Receive: files that arrived with SCM_RIGHTS, to be given descriptors. */
  rightsOut: FileObject[] | null = null;

  single(buf: number, len: number): this {
    this.iov[0] = buf;
    this.iov[1] = len;
    this.count = 1;
    this.total = len;
    this.nameAddr = 0;
    this.nameLen = 0;
    this.outFlags = 0;
    this.controlAddr = 0;
    this.controlLen = 0;
    this.rights = [];
    this.rightsOut = null;
    return this;
  }

  /** Loads `count` struct iovec from user memory. Returns 0 or -errno. */
  load(k: Kernel, t: Thread, iovAddr: number, count: number): number {
    if (count < 0 || count > IOV_MAX) return -E.EMSGSIZE;
    this.count = count;
    this.total = 0;
    this.outFlags = 0;
    if (count === 0) return 0;
    const bytes = count * 16;
    if (k.mem.read(t.process.nativePid, iovAddr, bytes) !== bytes) return -E.EFAULT;
    const dv = k.mem.view();
    for (let i = 0; i < count; i++) {
      const base = dv.getUint32(i * 16 + 4, true) * 4294967296 + dv.getUint32(i * 16, true);
      const len = dv.getUint32(i * 16 + 12, true) * 4294967296 + dv.getUint32(i * 16 + 8, true);
      if (len > 0x7fffffff) return -E.EINVAL;
      this.iov[2 * i] = base;
      this.iov[2 * i + 1] = len;
      this.total += len;
    }
    if (this.total > 0x7ffff000) this.total = 0x7ffff000; // Linux's MAX_RW_COUNT
    return 0;
  }

  /** Copies n bytes starting at message offset `skip` out of user memory; null on a bad pointer. */
  gather(k: Kernel, t: Thread, skip: number, n: number): Uint8Array | null {
    const out = Buffer.allocUnsafe(n);
    let done = 0;
    for (let i = 0; i < this.count && done < n; i++) {
      const len = this.iov[2 * i + 1];
      if (skip >= len) {
        skip -= len;
        continue;
      }
      const take = Math.min(len - skip, n - done);
      if (k.mem.readBuf(t.process.nativePid, this.iov[2 * i] + skip, out, done, take) !== take) return null;
      done += take;
      skip = 0;
    }
    return out;
  }

  /** Writes src[srcOff, srcOff+n) into the message at offset `skip`. Returns n or -EFAULT. */
  scatter(k: Kernel, t: Thread, skip: number, src: Uint8Array, srcOff: number, n: number): number {
    let done = 0;
    for (let i = 0; i < this.count && done < n; i++) {
      const len = this.iov[2 * i + 1];
      if (skip >= len) {
        skip -= len;
        continue;
      }
      const take = Math.min(len - skip, n - done);
      if (k.mem.writeBuf(t.process.nativePid, this.iov[2 * i] + skip, src, srcOff + done, take) !== take)
        return -E.EFAULT;
      done += take;
      skip = 0;
    }
    return done;
  }
}

/** The message of the call being handled, and one for read()/write() on a socket. */
export const callMsg = new UserMsg();
const fileMsg = new UserMsg();

/** A socket address produced by an operation (getsockname, a datagram's source). */
export const nameOut = { buf: Buffer.alloc(128), len: 0 };

export function putSockaddrIn(ip: number, port: number): void {
  const b = nameOut.buf;
  b.fill(0, 0, 16);
  b.writeUInt16LE(AF_INET, 0);
  b.writeUInt16BE(port, 2);
  b.writeUInt32BE(ip >>> 0, 4);
  nameOut.len = 16;
}

/** Reads a sockaddr of `len` bytes into the scratch buffer; returns len or -errno. */
export function readSockaddr(k: Kernel, t: Thread, addr: number, len: number): number {
  if (len < 0 || len > 128) return -E.EINVAL;
  if (len === 0) return 0;
  return k.mem.read(t.process.nativePid, addr, len) === len ? len : -E.EFAULT;
}

// ------------------------------------------------------------------ blocking

/**
 * Progress carried across restarts of one call: `resumeFrom` is what earlier
 * runs already transferred (set by the caller before an operation), and an
 * operation that returns -EAGAIN leaves what it has transferred so far
 * (including resumeFrom) in `progressed`.
 */
export const io = { resumeFrom: 0, progressed: 0 };
const oneSource: Watchers[] = [];

// ------------------------------------------------------------------ the file

export abstract class SocketFile implements SimFile {
  readonly kind = 'socket';
  refs = 0;
  statusFlags = 0;
  readonly watchers = new Watchers();
  readonly statMode = 0o140777; // S_IFSOCK | 0777
  rcvTimeoNs = 0;
  sndTimeoNs = 0;

  /** fd.ts asks how long a blocking read/write may wait: SO_RCVTIMEO / SO_SNDTIMEO (-1: forever). */
  blockDeadlineNs(k: Kernel, _t: Thread, writing: boolean): number {
    const timeo = writing ? this.sndTimeoNs : this.rcvTimeoNs;
    return timeo > 0 ? k.now + timeo : -1;
  }
  private lingerOn = 0;
  private lingerSec = 0;
  /** Options stored but without effect (SO_KEEPALIVE, IP_TOS ...), by level << 16 | name. */
  private readonly stored = new Map<number, number>();
  abstract readonly domain: number;
  abstract readonly type: number;
  abstract readonly protocol: number;

  abstract poll(): number;
  abstract release(): void;
  /** Sends the message; -EAGAIN (with io.progressed) when it must wait. */
  abstract sendMsg(k: Kernel, t: Thread, m: UserMsg, flags: number): number;
  /** Receives into the message (source address into nameOut); -EAGAIN when it must wait. */
  abstract recvMsg(k: Kernel, t: Thread, m: UserMsg, flags: number): number;
  /** Writes the local (or peer) address into nameOut; returns 0 or -errno. */
  abstract sockName(peer: boolean): number;

  bind(_k: Kernel, _t: Thread, _addr: number, _len: number): number {
    return -E.EOPNOTSUPP;
  }

  connect(_k: Kernel, _t: Thread, _addr: number, _len: number): number {
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

  /** Waits (blocking fds) or fails with EAGAIN after an operation said it must wait. */
  block(k: Kernel, t: Thread, flags: number, sending: boolean): number {
    const done = io.progressed;
    const nonblocking = (this.statusFlags & O_NONBLOCK) !== 0 || (flags & MSG_DONTWAIT) !== 0;
    if (nonblocking || (t.wokenBy !== 'none' && k.timedOut(t))) return done > 0 ? done : -E.EAGAIN;
    const timeo = sending ? this.sndTimeoNs : this.rcvTimeoNs;
    const deadline = t.wokenBy === 'none' ? (timeo > 0 ? k.now + timeo : -1) : t.deadlineNs;
    t.resumeProgressBytes = done;
    oneSource[0] = this.watchers;
    return k.blockOn(t, oneSource, deadline);
  }

  // read/write through fd.ts: its maybeBlock does the waiting (without
  // SO_RCVTIMEO/SO_SNDTIMEO). A blocking write(2) keeps its progress across
  // the restart in t.resumeProgressBytes, as pipes do; readv/writev loops get a short count.
  read(k: Kernel, t: Thread, _d: Descriptor, bufAddr: number, len: number): number {
    io.resumeFrom = 0;
    io.progressed = 0;
    return this.recvMsg(k, t, fileMsg.single(bufAddr, len), 0);
  }

  write(k: Kernel, t: Thread, _d: Descriptor, bufAddr: number, len: number): number {
    const resumable = (this.statusFlags & O_NONBLOCK) === 0 && k.nr === SYS.write;
    io.resumeFrom = resumable && t.wokenBy !== 'none' ? Math.max(0, t.resumeProgressBytes) : 0;
    io.progressed = io.resumeFrom;
    const r = this.sendMsg(k, t, fileMsg.single(bufAddr, len), 0);
    if (r !== -E.EAGAIN || io.progressed === 0) return r;
    if (!resumable) return io.progressed;
    t.resumeProgressBytes = io.progressed;
    return r;
  }

  /** readv/writev as one message (a datagram is one datagram, not one per iovec). */
  readv(k: Kernel, t: Thread, _d: Descriptor, iovAddr: number, count: number): number {
    const r0 = fileMsg.load(k, t, iovAddr, count);
    if (r0 < 0) return r0 === -E.EMSGSIZE ? -E.EINVAL : r0;
    fileMsg.nameAddr = 0;
    io.resumeFrom = 0;
    io.progressed = 0;
    const r = this.recvMsg(k, t, fileMsg, 0);
    return r === -E.EAGAIN && io.progressed > 0 ? io.progressed : r;
  }

  writev(k: Kernel, t: Thread, _d: Descriptor, iovAddr: number, count: number): number {
    const r0 = fileMsg.load(k, t, iovAddr, count);
    if (r0 < 0) return r0 === -E.EMSGSIZE ? -E.EINVAL : r0;
    fileMsg.nameAddr = 0;
    fileMsg.nameLen = 0;
    io.resumeFrom = 0;
    io.progressed = 0;
    const r = this.sendMsg(k, t, fileMsg, 0);
    return r === -E.EAGAIN && io.progressed > 0 ? io.progressed : r;
  }

  /** Bytes FIONREAD reports. */
  abstract readableBytes(): number;

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
        return interfaceIoctl(k, t, this.hostIp(t), request, argAddr);
    }
  }

  protected hostIp(t: Thread): number {
    return t.process.host.ip;
  }

  // ------------------------------------------------------------- options

  /** Domain hooks: return null for "not mine" so the generic code decides. */
  protected setOptSocket(_name: number, _v: number): number | null {
    return null;
  }

  protected getOptSocket(_name: number): number | null {
    return null;
  }

  /** SO_PEERCRED: struct ucred at the start of dv. Sockets without a peer process say pid 0, uid/gid -1. */
  protected peerCred(dv: DataView): void {
    dv.setInt32(0, 0, true);
    dv.setInt32(4, -1, true);
    dv.setInt32(8, -1, true);
  }

  /** Options of levels other than SOL_SOCKET; the default refuses them like a unix socket. */
  protected setOptLevel(_k: Kernel, _level: number, _name: number, _v: number, _len: number): number {
    return -E.EOPNOTSUPP;
  }

  /** Writes a non-SOL_SOCKET option's value at the start of dv; returns its size or -errno. */
  protected getOptLevel(_level: number, _name: number, _dv: DataView): number {
    return -E.EOPNOTSUPP;
  }

  protected storedOpt(level: number, name: number, dflt: number): number {
    return this.stored.get(level * 65536 + name) ?? dflt;
  }

  protected storeOpt(level: number, name: number, v: number): void {
    this.stored.set(level * 65536 + name, v);
  }

  /** Linux's SO_SNDBUF/SO_RCVBUF arithmetic: clamp to the sysctl maximum (unless forced), double. */
  protected static bufSize(v: number, force: boolean, max: number, min: number): number {
    const val = force ? Math.max(0, v) : Math.min(Math.max(0, v), max);
    return Math.max(val * 2, min);
  }

  setsockopt(k: Kernel, t: Thread, level: number, name: number, valAddr: number, len: number): number {
    if (len < 0) return -E.EINVAL;
    const pid = t.process.nativePid;
    if (level !== SOL_SOCKET) {
      let v = 0;
      if (len > 0 && valAddr !== 0) {
        const n = Math.min(len, 4);
        if (k.mem.read(pid, valAddr, n) !== n) return -E.EFAULT;
        const dv = k.mem.view();
        v = n === 4 ? dv.getInt32(0, true) : n >= 2 ? dv.getInt16(0, true) : dv.getUint8(0);
      }
      return this.setOptLevel(k, level, name, v, len);
    }
    switch (name) {
      case SO_RCVTIMEO_OLD:
      case SO_SNDTIMEO_OLD:
      case SO_RCVTIMEO_NEW:
      case SO_SNDTIMEO_NEW: {
        if (len < 16) return -E.EINVAL;
        if (k.mem.read(pid, valAddr, 16) !== 16) return -E.EFAULT;
        const dv = k.mem.view();
        const sec = dv.getInt32(4, true) * 4294967296 + dv.getUint32(0, true);
        const usec = dv.getInt32(12, true) * 4294967296 + dv.getUint32(8, true);
        if (usec < 0 || usec >= 1_000_000) return -E.EDOM;
        const ns = sec < 0 ? 0 : sec * 1e9 + usec * 1000;
        if (name === SO_RCVTIMEO_OLD || name === SO_RCVTIMEO_NEW) this.rcvTimeoNs = ns;
        else this.sndTimeoNs = ns;
        return 0;
      }
      case SO_LINGER: {
        if (len < 8) return -E.EINVAL;
        if (k.mem.read(pid, valAddr, 8) !== 8) return -E.EFAULT;
        this.lingerOn = k.mem.view().getInt32(0, true) !== 0 ? 1 : 0;
        this.lingerSec = k.mem.view().getInt32(4, true);
        return 0;
      }
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
    const v = k.mem.readU32(pid, valAddr);
    if (v === null) return -E.EFAULT;
    const iv = v | 0;
    const own = this.setOptSocket(name, iv);
    if (own !== null) return own;
    switch (name) {
      case SO_DEBUG:
      case SO_DONTROUTE:
      case SO_BROADCAST:
      case SO_KEEPALIVE:
      case SO_OOBINLINE:
      case SO_NO_CHECK:
      case SO_PRIORITY:
      case SO_PASSCRED:
      case SO_TIMESTAMP:
      case SO_TIMESTAMPNS:
      case SO_MARK:
      case SO_RXQ_OVFL:
      case SO_BUSY_POLL:
      case SO_INCOMING_CPU:
      case SO_ZEROCOPY:
      case SO_REUSEADDR:
      case SO_REUSEPORT:
      case SO_PEEK_OFF:
        this.storeOpt(
          SOL_SOCKET,
          name,
          name === SO_PRIORITY || name === SO_MARK || name === SO_PEEK_OFF ? iv : iv !== 0 ? 1 : 0,
        );
        return 0;
      case SO_RCVLOWAT:
        this.storeOpt(SOL_SOCKET, name, iv < 0 ? 0x7fffffff : iv);
        return 0;
      case SO_SNDLOWAT:
        return -E.ENOPROTOOPT; // Linux cannot change it
      default:
        return -E.ENOPROTOOPT;
    }
  }

  getsockopt(k: Kernel, t: Thread, level: number, name: number, valAddr: number, lenAddr: number): number {
    const pid = t.process.nativePid;
    const want = k.mem.readU32(pid, lenAddr);
    if (want === null) return -E.EFAULT;
    const len = want | 0;
    if (len < 0) return -E.EINVAL;
    const dv = k.mem.view();
    let size = 4;
    if (level !== SOL_SOCKET) {
      const r = this.getOptLevel(level, name, dv);
      if (r < 0) return r;
      size = r;
    } else {
      switch (name) {
        case SO_TYPE:
          dv.setInt32(0, this.type, true);
          break;
        case SO_DOMAIN:
          dv.setInt32(0, this.domain, true);
          break;
        case SO_PROTOCOL:
          dv.setInt32(0, this.protocol, true);
          break;
        case SO_ACCEPTCONN:
          dv.setInt32(0, this.listening ? 1 : 0, true);
          break;
        case SO_RCVTIMEO_OLD:
        case SO_SNDTIMEO_OLD:
        case SO_RCVTIMEO_NEW:
        case SO_SNDTIMEO_NEW: {
          const ns = name === SO_RCVTIMEO_OLD || name === SO_RCVTIMEO_NEW ? this.rcvTimeoNs : this.sndTimeoNs;
          const sec = Math.floor(ns / 1e9);
          dv.setUint32(0, sec >>> 0, true);
          dv.setUint32(4, Math.floor(sec / 4294967296), true);
          dv.setUint32(8, Math.floor((ns - sec * 1e9) / 1000), true);
          dv.setUint32(12, 0, true);
          size = 16;
          break;
        }
        case SO_LINGER:
          dv.setInt32(0, this.lingerOn, true);
          dv.setInt32(4, this.lingerSec, true);
          size = 8;
          break;
        case SO_SNDLOWAT:
          dv.setInt32(0, 1, true);
          break;
        case SO_RCVLOWAT:
          dv.setInt32(0, this.storedOpt(SOL_SOCKET, name, 1), true);
          break;
        case SO_PEERCRED:
          this.peerCred(dv);
          size = 12;
          break;
        default: {
          const own = this.getOptSocket(name);
          if (own !== null) {
            dv.setInt32(0, own, true);
            break;
          }
          switch (name) {
            case SO_DEBUG:
            case SO_DONTROUTE:
            case SO_BROADCAST:
            case SO_KEEPALIVE:
            case SO_OOBINLINE:
            case SO_NO_CHECK:
            case SO_PRIORITY:
            case SO_PASSCRED:
            case SO_TIMESTAMP:
            case SO_TIMESTAMPNS:
            case SO_MARK:
            case SO_RXQ_OVFL:
            case SO_BUSY_POLL:
            case SO_ZEROCOPY:
            case SO_REUSEADDR:
            case SO_REUSEPORT:
              dv.setInt32(0, this.storedOpt(SOL_SOCKET, name, 0), true);
              break;
            case SO_PEEK_OFF:
              dv.setInt32(0, this.storedOpt(SOL_SOCKET, name, -1), true);
              break;
            case SO_INCOMING_CPU:
              dv.setInt32(0, 0, true);
              break;
            default:
              return -E.ENOPROTOOPT;
          }
        }
      }
    }
    const n = Math.min(len, size);
    if (n > 0 && k.mem.writeScratch(pid, valAddr, n) !== n) return -E.EFAULT;
    return k.mem.writeU32(pid, lenAddr, n) ? 0 : -E.EFAULT;
  }

  /** Linux's SO_SNDBUF/SO_RCVBUF results for a request of v bytes. */
  protected static sndBufFor(v: number, force: boolean): number {
    return SocketFile.bufSize(v, force, WMEM_MAX, SOCK_MIN_SNDBUF);
  }

  protected static rcvBufFor(v: number, force: boolean): number {
    return SocketFile.bufSize(v, force, RMEM_MAX, SOCK_MIN_RCVBUF);
  }
}

export const SO = {
  REUSEADDR: SO_REUSEADDR,
  REUSEPORT: SO_REUSEPORT,
  BROADCAST: SO_BROADCAST,
  ERROR: SO_ERROR,
  SNDBUF: SO_SNDBUF,
  RCVBUF: SO_RCVBUF,
  SNDBUFFORCE: SO_SNDBUFFORCE,
  RCVBUFFORCE: SO_RCVBUFFORCE,
  PEERCRED: SO_PEERCRED,
  PASSCRED: SO_PASSCRED,
  KEEPALIVE: SO_KEEPALIVE,
} as const;

// --------------------------------------------------------- interface ioctls

function ifName(k: Kernel, t: Thread, argAddr: number): string | null {
  if (k.mem.read(t.process.nativePid, argAddr, IFREQ_SIZE) !== IFREQ_SIZE) return null;
  const s = k.mem.scratch;
  let end = 0;
  while (end < 16 && s[end] !== 0) end++;
  return s.toString('latin1', 0, end);
}

/** SIOCGIF*: the host's lo and eth0, as getifaddrs sees them. */
function interfaceIoctl(k: Kernel, t: Thread, hostIp: number, request: number, argAddr: number): number {
  const pid = t.process.nativePid;
  const links = hostLinks(hostIp);
  if (request === SIOCGIFCONF) {
    if (k.mem.read(pid, argAddr, 16) !== 16) return -E.EFAULT;
    const dv = k.mem.view();
    const cap = dv.getInt32(0, true);
    const buf = dv.getUint32(12, true) * 4294967296 + dv.getUint32(8, true);
    if (buf === 0) return k.mem.writeI32(pid, argAddr, links.length * IFREQ_SIZE) ? 0 : -E.EFAULT;
    let n = 0;
    for (const l of links) {
      if ((n + 1) * IFREQ_SIZE > cap) break;
      const s = k.mem.scratch;
      s.fill(0, 0, IFREQ_SIZE);
      s.write(l.name, 0, 'latin1');
      s.writeUInt16LE(AF_INET, 16);
      s.writeUInt32BE(l.ip >>> 0, 20);
      if (k.mem.writeScratch(pid, buf + n * IFREQ_SIZE, IFREQ_SIZE) !== IFREQ_SIZE) return -E.EFAULT;
      n++;
    }
    return k.mem.writeI32(pid, argAddr, n * IFREQ_SIZE) ? 0 : -E.EFAULT;
  }
  let link: HostLink | undefined;
  if (request === SIOCGIFNAME) {
    if (k.mem.read(pid, argAddr, IFREQ_SIZE) !== IFREQ_SIZE) return -E.EFAULT;
    const index = k.mem.view().getInt32(16, true);
    link = links.find((l) => l.index === index);
    if (!link) return -E.ENODEV;
  } else if (
    request === SIOCGIFFLAGS ||
    request === SIOCGIFADDR ||
    request === SIOCGIFBRDADDR ||
    request === SIOCGIFNETMASK ||
    request === SIOCGIFMTU ||
    request === SIOCGIFHWADDR ||
    request === SIOCGIFINDEX
  ) {
    const name = ifName(k, t, argAddr);
    if (name === null) return -E.EFAULT;
    link = links.find((l) => l.name === name);
    if (!link) return -E.ENODEV;
  } else {
    return -E.ENOTTY;
  }
  const s = k.mem.scratch;
  s.fill(0, 0, IFREQ_SIZE);
  s.write(link.name, 0, 'latin1');
  const addr = (ip: number): void => {
    s.writeUInt16LE(AF_INET, 16);
    s.writeUInt32BE(ip >>> 0, 20);
  };
  switch (request) {
    case SIOCGIFNAME:
    case SIOCGIFINDEX:
      s.writeInt32LE(link.index, 16);
      break;
    case SIOCGIFFLAGS:
      s.writeUInt16LE(link.flags & 0xffff, 16);
      break;
    case SIOCGIFADDR:
      addr(link.ip);
      break;
    case SIOCGIFBRDADDR:
      addr(link.broadcast ?? 0);
      break;
    case SIOCGIFNETMASK:
      addr(link.prefixLen === 0 ? 0 : (0xffffffff << (32 - link.prefixLen)) >>> 0);
      break;
    case SIOCGIFMTU:
      s.writeInt32LE(link.mtu, 16);
      break;
    case SIOCGIFHWADDR:
      s.writeUInt16LE(link.type, 16);
      s.set(link.mac, 18);
      break;
  }
  return k.mem.writeScratch(pid, argAddr, IFREQ_SIZE) === IFREQ_SIZE ? 0 : -E.EFAULT;
}
