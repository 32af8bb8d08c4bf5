// The socket syscalls: socket/socketpair, bind/connect/listen/accept, the
// send and receive family (msghdr, mmsghdr), names, options and shutdown.
// Each resolves the fd to a SocketFile (socket-file.ts) and lets the object
// act; waiting follows SO_RCVTIMEO/SO_SNDTIMEO and restarts from the top.
import type { Thread } from '../host/thread';
import type { Internet } from '../net/internet';
import { NETLINK_ROUTE } from '../net/netlink';
import type { NetworkStack } from '../net/stack';
import { E } from '../abi/errno';
import { descriptor, installFile, nativeFdOpen, O_CLOEXEC, O_NONBLOCK, SimFile, uninstallFd } from '../files/file';
import { BLOCKED, Kernel } from '../kernel/kernel';
import { SYS } from '../abi/syscalls';
import {
  AF_INET,
  AF_INET6,
  AF_NETLINK,
  AF_UNIX,
  callMsg,
  io,
  MSG_DONTWAIT,
  MSG_WAITALL,
  MSG_WAITFORONE,
  nameOut,
  SOCK_DGRAM,
  SOCK_RAW,
  SOCK_STREAM,
  SocketFile,
  UserMsg,
} from './socket-file';
import { NetlinkFile } from './socket-netlink';
import { newTcpFile } from './socket-tcp';
import { UdpFile } from './socket-udp';
import { credOf, unixKind, UnixFile } from './socket-unix';
import { UnixSocket } from '../net/unix';

const SOCK_TYPE_MASK = 0xf;
const SOCK_NONBLOCK = O_NONBLOCK;
const SOCK_CLOEXEC = O_CLOEXEC;
const IPPROTO_TCP = 6,
  IPPROTO_UDP = 17;
const MSGHDR_SIZE = 56;
const MMSGHDR_SIZE = 64;

const internets = new WeakMap<Kernel, Internet>();

/** Connects the socket layer to the simulation's network (called once the hosts exist). */
export function attachInternet(k: Kernel, net: Internet): void {
  internets.set(k, net);
}

function stackOf(k: Kernel, t: Thread): NetworkStack {
  const net = internets.get(k);
  if (!net) throw new Error('invariant: socket syscall before the network was attached');
  return net.stack(t.process.host.id);
}

/** The socket behind fd, or -EBADF / -ENOTSOCK like Linux. */
function socketOf(k: Kernel, t: Thread, fd: number): SocketFile | number {
  const d = descriptor(t, fd);
  if (d) return d.file instanceof SocketFile ? d.file : -E.ENOTSOCK;
  return nativeFdOpen(k, t, fd) ? -E.ENOTSOCK : -E.EBADF;
}

/** Undoes installFile: forget the object and close its native placeholder. */
function dropFd(k: Kernel, t: Thread, fd: number): void {
  uninstallFd(k, t, fd);
  k.nativeCall(t, SYS.close, fd);
}

// ------------------------------------------------------------ socket(2)

function newSocket(k: Kernel, t: Thread, domain: number, type: number, protocol: number): SocketFile | number {
  const base = type & SOCK_TYPE_MASK;
  switch (domain) {
    case AF_INET:
      if (base === SOCK_DGRAM) {
        if (protocol !== 0 && protocol !== IPPROTO_UDP) return -E.EPROTONOSUPPORT;
        return new UdpFile(stackOf(k, t));
      }
      if (base === SOCK_STREAM) {
        if (protocol !== 0 && protocol !== IPPROTO_TCP) return -E.EPROTONOSUPPORT;
        return newTcpFile(stackOf(k, t));
      }
      return -E.ESOCKTNOSUPPORT;
    case AF_UNIX: {
      if (unixKind(base) === null) return -E.ESOCKTNOSUPPORT;
      if (protocol !== 0 && protocol !== AF_UNIX) return -E.EPROTONOSUPPORT;
      return new UnixFile(base, stackOf(k, t), credOf(t));
    }
    case AF_NETLINK:
      if (base !== SOCK_RAW && base !== SOCK_DGRAM) return -E.ESOCKTNOSUPPORT;
      if (protocol !== NETLINK_ROUTE) return -E.EPROTONOSUPPORT;
      return new NetlinkFile(base, protocol, stackOf(k, t), t.process.vpid);
    case AF_INET6:
    default:
      // IPv6 is not simulated: programs fall back to IPv4.
      return -E.EAFNOSUPPORT;
  }
}

function socket(k: Kernel, t: Thread, a: Float64Array): number {
  const type = a[1];
  if ((type & ~(SOCK_TYPE_MASK | SOCK_NONBLOCK | SOCK_CLOEXEC)) !== 0) return -E.EINVAL;
  const s = newSocket(k, t, a[0], type, a[2]);
  if (typeof s === 'number') return s;
  s.statusFlags = type & SOCK_NONBLOCK;
  return installFile(k, t, s, (type & SOCK_CLOEXEC) !== 0);
}

function socketpair(k: Kernel, t: Thread, a: Float64Array): number {
  const domain = a[0],
    type = a[1],
    protocol = a[2],
    svAddr = a[3];
  if ((type & ~(SOCK_TYPE_MASK | SOCK_NONBLOCK | SOCK_CLOEXEC)) !== 0) return -E.EINVAL;
  const base = type & SOCK_TYPE_MASK;
  if (domain !== AF_UNIX) {
    if (domain === AF_INET || domain === AF_NETLINK) return -E.EOPNOTSUPP;
    return -E.EAFNOSUPPORT;
  }
  const kind = unixKind(base);
  if (kind === null) return -E.ESOCKTNOSUPPORT;
  if (protocol !== 0 && protocol !== AF_UNIX) return -E.EPROTONOSUPPORT;
  const stack = stackOf(k, t);
  const cred = credOf(t);
  // Files first (each gets its watchers), then the connected pair inside them.
  const [x, y] = UnixSocket.pair(kind, stack.unix, { notify() {} }, { notify() {} }, cred);
  const fa = new UnixFile(base, x, null);
  const fb = new UnixFile(base, y, null);
  fa.statusFlags = fb.statusFlags = type & SOCK_NONBLOCK;
  const cloexec = (type & SOCK_CLOEXEC) !== 0;
  const f0 = installFile(k, t, fa, cloexec);
  if (f0 < 0) {
    fb.release();
    return f0;
  }
  const f1 = installFile(k, t, fb, cloexec);
  if (f1 < 0) {
    dropFd(k, t, f0);
    return f1;
  }
  const dv = k.mem.view();
  dv.setInt32(0, f0, true);
  dv.setInt32(4, f1, true);
  if (k.mem.writeScratch(t.process.nativePid, svAddr, 8) !== 8) {
    dropFd(k, t, f0);
    dropFd(k, t, f1);
    return -E.EFAULT;
  }
  return 0;
}

// ------------------------------------------------- bind / connect / listen / accept

function bind(k: Kernel, t: Thread, a: Float64Array): number {
  const s = socketOf(k, t, a[0]);
  if (typeof s === 'number') return s;
  if (a[2] < 0 || a[2] > 128) return -E.EINVAL;
  return s.bind(k, t, a[1], a[2]);
}

function connect(k: Kernel, t: Thread, a: Float64Array): number {
  const s = socketOf(k, t, a[0]);
  if (typeof s === 'number') return s;
  if (a[2] < 0 || a[2] > 128) return -E.EINVAL;
  io.resumeFrom = 0;
  io.progressed = 0;
  const r = s.connect(k, t, a[1], a[2]);
  return r === -E.EAGAIN ? s.block(k, t, 0, true) : r;
}

function listen(k: Kernel, t: Thread, a: Float64Array): number {
  const s = socketOf(k, t, a[0]);
  if (typeof s === 'number') return s;
  return s.listen(a[1] | 0);
}

/** Copies nameOut to a user (addr, *lenAddr) pair: truncated to the buffer, the full length reported. */
function putName(k: Kernel, t: Thread, addr: number, lenAddr: number): number {
  const pid = t.process.nativePid;
  const cap = k.mem.readU32(pid, lenAddr);
  if (cap === null) return -E.EFAULT;
  if ((cap | 0) < 0) return -E.EINVAL;
  const n = Math.min(cap, nameOut.len);
  if (n > 0 && k.mem.writeBuf(pid, addr, nameOut.buf, 0, n) !== n) return -E.EFAULT;
  return k.mem.writeU32(pid, lenAddr, nameOut.len) ? 0 : -E.EFAULT;
}

function accept4(k: Kernel, t: Thread, fd: number, addr: number, lenAddr: number, flags: number): number {
  if ((flags & ~(SOCK_NONBLOCK | SOCK_CLOEXEC)) !== 0) return -E.EINVAL;
  const s = socketOf(k, t, fd);
  if (typeof s === 'number') return s;
  io.resumeFrom = 0;
  io.progressed = 0;
  const c = s.accept();
  if (typeof c === 'number') return c === -E.EAGAIN ? s.block(k, t, 0, false) : c;
  c.statusFlags = flags & SOCK_NONBLOCK;
  const nfd = installFile(k, t, c, (flags & SOCK_CLOEXEC) !== 0);
  if (nfd < 0) return nfd;
  if (addr !== 0) {
    c.sockName(true);
    const r = putName(k, t, addr, lenAddr);
    if (r < 0) {
      dropFd(k, t, nfd);
      return r;
    }
  }
  return nfd;
}

// ------------------------------------------------------------- names

function getName(k: Kernel, t: Thread, a: Float64Array, peer: boolean): number {
  const s = socketOf(k, t, a[0]);
  if (typeof s === 'number') return s;
  if (a[1] === 0 || a[2] === 0) return -E.EFAULT;
  const r = s.sockName(peer);
  if (r < 0) return r;
  return putName(k, t, a[1], a[2]);
}

// ------------------------------------------------------------- send / receive

/**
 * Runs a send with the socket's blocking rule; `resume`: this call may carry
 * progress from an earlier run (a stream write that waited half way).
 */
function doSend(k: Kernel, t: Thread, s: SocketFile, m: UserMsg, flags: number, resume = true): number {
  io.resumeFrom = resume && t.wokenBy !== 'none' ? Math.max(0, t.resumeProgressBytes) : 0;
  io.progressed = io.resumeFrom;
  const r = s.sendMsg(k, t, m, flags);
  return r === -E.EAGAIN ? s.block(k, t, flags, true) : r;
}

function doRecv(k: Kernel, t: Thread, s: SocketFile, m: UserMsg, flags: number): number {
  io.resumeFrom = t.wokenBy === 'none' ? 0 : Math.max(0, t.resumeProgressBytes);
  io.progressed = io.resumeFrom;
  nameOut.len = 0;
  const r = s.recvMsg(k, t, m, flags);
  return r === -E.EAGAIN ? s.block(k, t, flags, false) : r;
}

function sendto(k: Kernel, t: Thread, a: Float64Array): number {
  const s = socketOf(k, t, a[0]);
  if (typeof s === 'number') return s;
  const m = callMsg.single(a[1], a[2]);
  if (a[4] !== 0) {
    if (a[5] < 0 || a[5] > 128) return -E.EINVAL;
    m.nameAddr = a[4];
    m.nameLen = a[5];
  }
  return doSend(k, t, s, m, a[3]);
}

function recvfrom(k: Kernel, t: Thread, a: Float64Array): number {
  const s = socketOf(k, t, a[0]);
  if (typeof s === 'number') return s;
  const m = callMsg.single(a[1], a[2]);
  const r = doRecv(k, t, s, m, a[3]);
  if (r < 0 || a[4] === 0) return r;
  const w = putName(k, t, a[4], a[5]);
  return w < 0 ? w : r;
}

/** Reads struct msghdr at addr into m (iovecs and name); returns 0 or -errno. */
function loadMsghdr(k: Kernel, t: Thread, addr: number, m: UserMsg): number {
  const pid = t.process.nativePid;
  if (k.mem.read(pid, addr, MSGHDR_SIZE) !== MSGHDR_SIZE) return -E.EFAULT;
  const dv = k.mem.view();
  const nameAddr = dv.getUint32(4, true) * 4294967296 + dv.getUint32(0, true);
  const nameLen = dv.getInt32(8, true);
  const iovAddr = dv.getUint32(20, true) * 4294967296 + dv.getUint32(16, true);
  const iovLen = dv.getUint32(28, true) * 4294967296 + dv.getUint32(24, true);
  if (iovLen > 1024) return -E.EMSGSIZE;
  const r = m.load(k, t, iovAddr, iovLen);
  if (r < 0) return r;
  if (nameAddr !== 0 && nameLen < 0) return -E.EINVAL;
  m.nameAddr = nameAddr;
  m.nameLen = nameAddr !== 0 ? Math.min(nameLen, 128) : 0; // Linux clamps to sockaddr_storage
  m.controlAddr = dv.getUint32(36, true) * 4294967296 + dv.getUint32(32, true);
  m.controlLen = dv.getUint32(44, true) * 4294967296 + dv.getUint32(40, true);
  m.rights = [];
  m.rightsOut = null;
  return 0;
}

const SOL_SOCKET = 1,
  SCM_RIGHTS = 1,
  MSG_CTRUNC = 8,
  MSG_CMSG_CLOEXEC = 0x40000000;

/**
 * sendmsg's control messages: SCM_RIGHTS passes open emulated files (each
 * keeps a reference while in flight). Other control messages are ignored.
 */
function loadRights(k: Kernel, t: Thread, m: UserMsg): number {
  if (m.controlAddr === 0 || m.controlLen < 16) return 0;
  const len = Math.min(m.controlLen, 4096);
  const buf = Buffer.alloc(len);
  if (k.mem.readBuf(t.process.nativePid, m.controlAddr, buf, 0, len) !== len) return -E.EFAULT;
  let off = 0;
  while (off + 16 <= len) {
    const cmsgLen = buf.readUInt32LE(off);
    if (cmsgLen < 16 || off + cmsgLen > len) return -E.EINVAL;
    if (buf.readInt32LE(off + 8) === SOL_SOCKET && buf.readInt32LE(off + 12) === SCM_RIGHTS) {
      for (let i = off + 16; i + 4 <= off + cmsgLen; i += 4) {
        const fd = buf.readInt32LE(i);
        const d = t.process.fds.get(fd);
        if (!d) {
          // A native fd (a regular file) cannot be handed to another native process here.
          if (!t.process.warned.has(-SCM_RIGHTS)) {
            t.process.warned.add(-SCM_RIGHTS);
            k.log.warn(
              t.process.host.name,
              `${t.process.name}: SCM_RIGHTS passes only emulated descriptors (sockets, pipes, eventfds …); fd ${fd} was left out`,
            );
          }
          continue;
        }
        d.file.refs++;
        m.rights.push(d.file);
      }
    }
    off += (cmsgLen + 7) & ~7;
  }
  return 0;
}

/** recvmsg: gives received files descriptors and writes the SCM_RIGHTS control message. */
function deliverRights(k: Kernel, t: Thread, m: UserMsg, flags: number): number {
  const pid = t.process.nativePid;
  const files = m.rightsOut;
  m.rightsOut = null;
  if (files === null || files.length === 0) return 0;
  const need = 16 + 4 * files.length;
  const fds: number[] = [];
  if (m.controlAddr !== 0 && m.controlLen >= need) {
    for (const f of files) {
      const fd = installFile(k, t, f as SimFile, (flags & MSG_CMSG_CLOEXEC) !== 0);
      if (fd >= 0) fds.push(fd);
    }
  } else {
    m.outFlags |= MSG_CTRUNC;
  }
  for (const f of files) {
    f.refs--;
    if (f.refs === 0) f.release();
  }
  if (fds.length === 0) return 0;
  const out = Buffer.alloc(16 + 4 * fds.length);
  out.writeUInt32LE(16 + 4 * fds.length, 0);
  out.writeInt32LE(SOL_SOCKET, 8);
  out.writeInt32LE(SCM_RIGHTS, 12);
  fds.forEach((fd, i) => out.writeInt32LE(fd, 16 + 4 * i));
  if (k.mem.writeBuf(pid, m.controlAddr, out, 0, out.length) !== out.length) return -E.EFAULT;
  return (16 + 4 * fds.length + 7) & ~7;
}

/** After a receive: msg_namelen, msg_controllen (no control data is ever returned), msg_flags. */
function finishMsghdr(k: Kernel, t: Thread, addr: number, m: UserMsg): number {
  const pid = t.process.nativePid;
  if (m.nameAddr !== 0) {
    const n = Math.min(m.nameLen, nameOut.len);
    if (n > 0 && k.mem.writeBuf(pid, m.nameAddr, nameOut.buf, 0, n) !== n) return -E.EFAULT;
    if (!k.mem.writeU32(pid, addr + 8, nameOut.len)) return -E.EFAULT;
  } else if (!k.mem.writeU32(pid, addr + 8, 0)) {
    return -E.EFAULT;
  }
  const control = deliverRights(k, t, m, recvFlags);
  if (control < 0) return control;
  if (!k.mem.writeI64(pid, addr + 40, control)) return -E.EFAULT;
  return k.mem.writeI32(pid, addr + 48, m.outFlags) ? 0 : -E.EFAULT;
}

/** Flags of the receive in progress (MSG_CMSG_CLOEXEC matters to deliverRights). */
let recvFlags = 0;

function sendmsg(k: Kernel, t: Thread, a: Float64Array): number {
  const s = socketOf(k, t, a[0]);
  if (typeof s === 'number') return s;
  const r = loadMsghdr(k, t, a[1], callMsg);
  if (r < 0) return r;
  const rr = loadRights(k, t, callMsg);
  if (rr < 0) return rr;
  const sent = doSend(k, t, s, callMsg, a[2]);
  // Files the socket did not take (nothing sent, or not a unix socket) lose their in-flight reference.
  for (const f of callMsg.rights) {
    f.refs--;
    if (f.refs === 0) f.release();
  }
  callMsg.rights = [];
  return sent;
}

function recvmsg(k: Kernel, t: Thread, a: Float64Array): number {
  const s = socketOf(k, t, a[0]);
  if (typeof s === 'number') return s;
  const r0 = loadMsghdr(k, t, a[1], callMsg);
  if (r0 < 0) return r0;
  const r = doRecv(k, t, s, callMsg, a[2]);
  if (r < 0) return r;
  recvFlags = a[2];
  const w = finishMsghdr(k, t, a[1], callMsg);
  recvFlags = 0;
  return w < 0 ? w : r;
}

/**
 * sendmmsg: messages go one by one; only the first may wait (after one has
 * gone, a full buffer ends the call with the count so far, so a restart never
 * sends a message twice).
 */
function sendmmsg(k: Kernel, t: Thread, a: Float64Array): number {
  const s = socketOf(k, t, a[0]);
  if (typeof s === 'number') return s;
  const vec = a[1];
  const vlen = Math.min(a[2] >>> 0, 1024);
  const flags = a[3];
  let i = 0;
  for (; i < vlen; i++) {
    const hdr = vec + i * MMSGHDR_SIZE;
    const r0 = loadMsghdr(k, t, hdr, callMsg);
    if (r0 < 0) return i > 0 ? i : r0;
    const r = i === 0 ? doSend(k, t, s, callMsg, flags) : doSend(k, t, s, callMsg, flags | MSG_DONTWAIT, false);
    if (r === BLOCKED) return r;
    if (r < 0) return i > 0 ? i : r;
    if (!k.mem.writeU32(t.process.nativePid, hdr + MSGHDR_SIZE, r)) return i > 0 ? i : -E.EFAULT;
  }
  return i;
}

/**
 * recvmmsg: waits for the first datagram (and, without MSG_WAITFORONE or a
 * timeout, for the rest too, keeping the count across restarts). A timeout
 * argument acts like MSG_WAITFORONE: Linux only checks it between datagrams.
 */
function recvmmsg(k: Kernel, t: Thread, a: Float64Array): number {
  const s = socketOf(k, t, a[0]);
  if (typeof s === 'number') return s;
  const vec = a[1];
  const vlen = Math.min(a[2] >>> 0, 1024);
  const flags = a[3] & ~MSG_WAITALL;
  const oneThenStop = (a[3] & MSG_WAITFORONE) !== 0 || a[4] !== 0;
  let i = t.wokenBy === 'none' ? 0 : Math.max(0, t.resumeProgressBytes);
  for (; i < vlen; i++) {
    const hdr = vec + i * MMSGHDR_SIZE;
    const r0 = loadMsghdr(k, t, hdr, callMsg);
    if (r0 < 0) return i > 0 ? i : r0;
    const f = i > 0 && oneThenStop ? flags | MSG_DONTWAIT : flags;
    io.resumeFrom = 0;
    io.progressed = 0;
    nameOut.len = 0;
    let r = s.recvMsg(k, t, callMsg, f & ~MSG_WAITFORONE);
    if (r === -E.EAGAIN) {
      if (i > 0 && (oneThenStop || (s.statusFlags & O_NONBLOCK) !== 0 || (f & MSG_DONTWAIT) !== 0)) return i;
      r = s.block(k, t, f, false);
      if (r === BLOCKED) {
        t.resumeProgressBytes = i;
        return r;
      }
    }
    if (r < 0) return i > 0 ? i : r;
    const w = finishMsghdr(k, t, hdr, callMsg);
    if (w < 0) return i > 0 ? i : w;
    if (!k.mem.writeU32(t.process.nativePid, hdr + MSGHDR_SIZE, r)) return i > 0 ? i : -E.EFAULT;
  }
  return i;
}

// ------------------------------------------------------------- options, shutdown

function setsockopt(k: Kernel, t: Thread, a: Float64Array): number {
  const s = socketOf(k, t, a[0]);
  if (typeof s === 'number') return s;
  return s.setsockopt(k, t, a[1] | 0, a[2] | 0, a[3], a[4] | 0);
}

function getsockopt(k: Kernel, t: Thread, a: Float64Array): number {
  const s = socketOf(k, t, a[0]);
  if (typeof s === 'number') return s;
  return s.getsockopt(k, t, a[1] | 0, a[2] | 0, a[3], a[4]);
}

function shutdown(k: Kernel, t: Thread, a: Float64Array): number {
  const s = socketOf(k, t, a[0]);
  if (typeof s === 'number') return s;
  return s.shutdown(a[1] | 0);
}

export function registerSocket(k: Kernel): void {
  k.registerLegacy(SYS.socket, socket);
  k.registerLegacy(SYS.socketpair, socketpair);
  k.registerLegacy(SYS.bind, bind);
  k.registerLegacy(SYS.connect, connect);
  k.registerLegacy(SYS.listen, listen);
  k.registerLegacy(SYS.accept, (kk, t, a) => accept4(kk, t, a[0], a[1], a[2], 0));
  k.registerLegacy(SYS.accept4, (kk, t, a) => accept4(kk, t, a[0], a[1], a[2], a[3]));
  k.registerLegacy(SYS.sendto, sendto);
  k.registerLegacy(SYS.recvfrom, recvfrom);
  k.registerLegacy(SYS.sendmsg, sendmsg);
  k.registerLegacy(SYS.recvmsg, recvmsg);
  k.registerLegacy(SYS.sendmmsg, sendmmsg);
  k.registerLegacy(SYS.recvmmsg, recvmmsg);
  k.registerLegacy(SYS.getsockname, (kk, t, a) => getName(kk, t, a, false));
  k.registerLegacy(SYS.getpeername, (kk, t, a) => getName(kk, t, a, true));
  k.registerLegacy(SYS.setsockopt, setsockopt);
  k.registerLegacy(SYS.getsockopt, getsockopt);
  k.registerLegacy(SYS.shutdown, shutdown);
}
