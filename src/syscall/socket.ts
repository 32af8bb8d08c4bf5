// The socket syscalls: socket/socketpair, bind/connect/listen/accept, the
// send and receive family (msghdr, mmsghdr), names, options, shutdown and
// sendfile. Each handler decodes the caller's memory (socket-msg.ts), lets
// the socket file (net/sockets) act, and answers; when the socket says it
// must wait, the handler blocks (SO_RCVTIMEO/SO_SNDTIMEO bound the wait) and
// the call re-runs from the top, its progress kept in t.resumeProgressBytes.
import type { Thread } from '../host/thread';
import { E } from '../abi/errno';
import {
  AF_INET,
  AF_INET6,
  AF_NETLINK,
  AF_UNIX,
  IPPROTO_TCP,
  IPPROTO_UDP,
  MAX_RW_COUNT,
  MMSGHDR_SIZE,
  MSG_DONTWAIT,
  MSG_WAITALL,
  MSG_WAITFORONE,
  MSGHDR_SIZE,
  NETLINK_ROUTE,
  SOCK_CLOEXEC,
  SOCK_DGRAM,
  SOCK_NONBLOCK,
  SOCK_RAW,
  SOCK_STREAM,
  SOCK_TYPE_MASK,
} from '../abi/socket';
import { descriptor, installFile, nativeFdOpen, uninstallFd } from '../files/descriptors';
import { type Outcome, RestartRule, type SyscallCall } from '../kernel/call';
import type { Kernel } from '../kernel/kernel';
import { SYS } from '../abi/syscalls';
import type { Internet } from '../net/internet';
import { layerOf, SocketLayer } from '../net/sockets/layer';
import type { UserMsg } from '../net/sockets/message';
import { NetlinkFile } from '../net/sockets/netlink';
import { SocketFile } from '../net/sockets/socket-file';
import { TcpFile } from '../net/sockets/tcp';
import { UdpFile } from '../net/sockets/udp';
import { credOf, unixKind, UnixFile } from '../net/sockets/unix';
import { UnixSocket } from '../net/unix';
import { copyInAddr, copyOutAddr, dropRights, finishMsghdr, loadMsghdr, loadOptValue, loadRights } from './socket-msg';

/** Connects the socket layer to the simulation's network (called once the hosts exist). */
export function attachInternet(k: Kernel, net: Internet): void {
  k.net = new SocketLayer(net);
}

/** The socket behind fd, or -EBADF / -ENOTSOCK like Linux. */
function socketOf(c: SyscallCall, fd: number): SocketFile | number {
  const d = descriptor(c.t, fd);
  if (d) return d.file instanceof SocketFile ? d.file : -E.ENOTSOCK;
  return nativeFdOpen(c.k, c.t, fd) ? -E.ENOTSOCK : -E.EBADF;
}

/** Undoes installFile: forget the object and close its native placeholder. */
function dropFd(k: Kernel, t: Thread, fd: number): void {
  uninstallFd(k, t, fd);
  k.nativeCall(t, SYS.close, fd);
}

// ------------------------------------------------------------ waiting

/**
 * After a socket said -EAGAIN: whether this call waits. Not when the socket
 * or the call is non-blocking, nor when it already waited until its
 * SO_RCVTIMEO/SO_SNDTIMEO ran out.
 */
function mayWait(c: SyscallCall, s: SocketFile, flags: number): boolean {
  if (s.nonblocking || (flags & MSG_DONTWAIT) !== 0) return false;
  return c.firstRun || !c.timedOut;
}

/**
 * Parks the caller on the socket until it may make progress, keeping
 * `doneBytes` for the re-run; the first wait starts the socket's timeout
 * (SO_SNDTIMEO when sending, else SO_RCVTIMEO). Linux never restarts a call
 * whose wait such a timeout bounds (nor one with a timeout of its own: `timed`).
 */
function park(c: SyscallCall, s: SocketFile, sending: boolean, doneBytes: number, timed = false): Outcome {
  const timeoNs = s.timeoutNs(sending);
  const deadline = c.firstRun ? (timeoNs > 0 ? c.k.now + timeoNs : -1) : c.deadlineNs;
  c.t.resumeProgressBytes = doneBytes;
  const rule = timeoNs > 0 || timed ? RestartRule.Never : RestartRule.ByNumber;
  return c.blockOn(s.watchers.asSources, deadline, rule);
}

/** What a call that does not wait returns after -EAGAIN: the bytes it moved, or EAGAIN. */
function shortCount(doneBytes: number): number {
  return doneBytes > 0 ? doneBytes : -E.EAGAIN;
}

/** Progress earlier runs of this call left (0 on the first run). */
function resumedBytes(c: SyscallCall): number {
  return c.firstRun ? 0 : Math.max(0, c.t.resumeProgressBytes);
}

// ------------------------------------------------------------ socket(2)

function newSocket(t: Thread, net: SocketLayer, domain: number, type: number, protocol: number): SocketFile | number {
  const base = type & SOCK_TYPE_MASK;
  switch (domain) {
    case AF_INET:
      if (base === SOCK_DGRAM) {
        if (protocol !== 0 && protocol !== IPPROTO_UDP) return -E.EPROTONOSUPPORT;
        return new UdpFile(net.stack(t.process.host.id));
      }
      if (base === SOCK_STREAM) {
        if (protocol !== 0 && protocol !== IPPROTO_TCP) return -E.EPROTONOSUPPORT;
        return TcpFile.open(net.stack(t.process.host.id));
      }
      return -E.ESOCKTNOSUPPORT;
    case AF_UNIX: {
      if (unixKind(base) === null) return -E.ESOCKTNOSUPPORT;
      if (protocol !== 0 && protocol !== AF_UNIX) return -E.EPROTONOSUPPORT;
      return new UnixFile(base, net.stack(t.process.host.id), credOf(t));
    }
    case AF_NETLINK:
      if (base !== SOCK_RAW && base !== SOCK_DGRAM) return -E.ESOCKTNOSUPPORT;
      if (protocol !== NETLINK_ROUTE) return -E.EPROTONOSUPPORT;
      return new NetlinkFile(base, protocol, net.stack(t.process.host.id), t.process.vpid);
    case AF_INET6:
      if (base === SOCK_DGRAM) {
        if (protocol !== 0 && protocol !== IPPROTO_UDP) return -E.EPROTONOSUPPORT;
        return new UdpFile(net.stack(t.process.host.id), AF_INET6);
      }
      if (base === SOCK_STREAM) {
        if (protocol !== 0 && protocol !== IPPROTO_TCP) return -E.EPROTONOSUPPORT;
        return TcpFile.open(net.stack(t.process.host.id), AF_INET6);
      }
      return -E.ESOCKTNOSUPPORT;
    default:
      return -E.EAFNOSUPPORT;
  }
}

function socket(c: SyscallCall): Outcome {
  const type = c.int(1);
  if ((type & ~(SOCK_TYPE_MASK | SOCK_NONBLOCK | SOCK_CLOEXEC)) !== 0) return c.err(E.EINVAL);
  const s = newSocket(c.t, layerOf(c.k), c.int(0), type, c.int(2));
  if (typeof s === 'number') return c.result(s);
  s.statusFlags = type & SOCK_NONBLOCK;
  return c.result(installFile(c.k, c.t, s, (type & SOCK_CLOEXEC) !== 0));
}

function socketpair(c: SyscallCall): Outcome {
  const { k, t } = c;
  const domain = c.int(0);
  const type = c.int(1);
  const protocol = c.int(2);
  if ((type & ~(SOCK_TYPE_MASK | SOCK_NONBLOCK | SOCK_CLOEXEC)) !== 0) return c.err(E.EINVAL);
  const base = type & SOCK_TYPE_MASK;
  if (domain !== AF_UNIX)
    return c.err(domain === AF_INET || domain === AF_INET6 || domain === AF_NETLINK ? E.EOPNOTSUPP : E.EAFNOSUPPORT);
  const kind = unixKind(base);
  if (kind === null) return c.err(E.ESOCKTNOSUPPORT);
  if (protocol !== 0 && protocol !== AF_UNIX) return c.err(E.EPROTONOSUPPORT);
  const stack = layerOf(k).stack(t.process.host.id);
  // Files first (each gets its watchers), then the connected pair inside them.
  const [x, y] = UnixSocket.pair(kind, stack.unix, { notify() {} }, { notify() {} }, credOf(t));
  const fa = new UnixFile(base, x, null);
  const fb = new UnixFile(base, y, null);
  fa.statusFlags = fb.statusFlags = type & SOCK_NONBLOCK;
  const cloexec = (type & SOCK_CLOEXEC) !== 0;
  const f0 = installFile(k, t, fa, cloexec);
  if (f0 < 0) {
    fb.release();
    return c.result(f0);
  }
  const f1 = installFile(k, t, fb, cloexec);
  if (f1 < 0) {
    dropFd(k, t, f0);
    return c.result(f1);
  }
  const dv = k.mem.view();
  dv.setInt32(0, f0, true);
  dv.setInt32(4, f1, true);
  if (k.mem.writeScratch(t.process.nativePid, c.ptr(3), 8) !== 8) {
    dropFd(k, t, f0);
    dropFd(k, t, f1);
    return c.err(E.EFAULT);
  }
  return c.ok(0);
}

// ------------------------------------------------- bind / connect / listen / accept

function bind(c: SyscallCall): Outcome {
  const s = socketOf(c, c.int(0));
  if (typeof s === 'number') return c.result(s);
  const a = layerOf(c.k).addr;
  const r = copyInAddr(c, a, c.ptr(1), c.int(2));
  if (r < 0) return c.result(r);
  return c.result(s.bind(c.t, a, c.k));
}

function connect(c: SyscallCall): Outcome {
  const s = socketOf(c, c.int(0));
  if (typeof s === 'number') return c.result(s);
  const a = layerOf(c.k).addr;
  const r0 = copyInAddr(c, a, c.ptr(1), c.int(2));
  if (r0 < 0) return c.result(r0);
  const r = s.connect(c.t, a, !c.firstRun && c.timedOut);
  if (r !== -E.EAGAIN) return c.result(r);
  return mayWait(c, s, 0) ? park(c, s, true, 0) : c.err(E.EAGAIN);
}

function listen(c: SyscallCall): Outcome {
  const s = socketOf(c, c.int(0));
  if (typeof s === 'number') return c.result(s);
  return c.result(s.listen(c.int(1)));
}

function accept4(c: SyscallCall, flags: number): Outcome {
  const { k, t } = c;
  if ((flags & ~(SOCK_NONBLOCK | SOCK_CLOEXEC)) !== 0) return c.err(E.EINVAL);
  const s = socketOf(c, c.int(0));
  if (typeof s === 'number') return c.result(s);
  const n = s.accept();
  if (typeof n === 'number') {
    if (n !== -E.EAGAIN) return c.result(n);
    return mayWait(c, s, 0) ? park(c, s, false, 0) : c.err(E.EAGAIN);
  }
  n.statusFlags = flags & SOCK_NONBLOCK;
  const nfd = installFile(k, t, n, (flags & SOCK_CLOEXEC) !== 0);
  if (nfd < 0) return c.result(nfd);
  const addr = c.ptr(1);
  if (addr !== 0) {
    const a = layerOf(k).addr;
    n.sockName(true, a);
    const r = copyOutAddr(c, a, addr, c.ptr(2));
    if (r < 0) {
      dropFd(k, t, nfd);
      return c.result(r);
    }
  }
  return c.ok(nfd);
}

// ------------------------------------------------------------- names

function getName(c: SyscallCall, peer: boolean): Outcome {
  const s = socketOf(c, c.int(0));
  if (typeof s === 'number') return c.result(s);
  const addr = c.ptr(1);
  const lenAddr = c.ptr(2);
  if (addr === 0 || lenAddr === 0) return c.err(E.EFAULT);
  const a = layerOf(c.k).addr;
  const r = s.sockName(peer, a);
  if (r < 0) return c.result(r);
  return c.result(copyOutAddr(c, a, addr, lenAddr));
}

// ------------------------------------------------------------- send / receive

/**
 * One send with the socket's blocking rule. `resume`: this call may carry
 * progress from an earlier run (a stream write that waited half way).
 * Returns a count or -errno; null when the caller was parked.
 */
function sendOnce(c: SyscallCall, s: SocketFile, m: UserMsg, flags: number, resume: boolean): number | null {
  m.resume(resume ? resumedBytes(c) : 0);
  const r = s.sendMsg(c.k, c.t, m, flags);
  if (r !== -E.EAGAIN) return r;
  if (mayWait(c, s, flags)) return null;
  return shortCount(m.progressed);
}

/** One receive with the socket's blocking rule (MSG_WAITALL progress carried across runs); null: parked. */
function recvOnce(c: SyscallCall, s: SocketFile, m: UserMsg, flags: number): number | null {
  m.resume(resumedBytes(c));
  const r = s.recvMsg(c.k, c.t, m, flags);
  if (r !== -E.EAGAIN) return r;
  if (mayWait(c, s, flags)) return null;
  return shortCount(m.progressed);
}

function sendto(c: SyscallCall): Outcome {
  const s = socketOf(c, c.int(0));
  if (typeof s === 'number') return c.result(s);
  const m = layerOf(c.k).msg.single(c.ptr(1), c.u64(2));
  const to = c.ptr(4);
  if (to !== 0) {
    const r = copyInAddr(c, m.dest, to, c.int(5));
    if (r < 0) return c.result(r);
    m.hasDest = true;
  }
  const r = sendOnce(c, s, m, c.int(3), true);
  return r === null ? park(c, s, true, m.progressed) : c.result(r);
}

function recvfrom(c: SyscallCall): Outcome {
  const s = socketOf(c, c.int(0));
  if (typeof s === 'number') return c.result(s);
  const m = layerOf(c.k).msg.single(c.ptr(1), c.u64(2));
  const r = recvOnce(c, s, m, c.int(3));
  if (r === null) return park(c, s, false, m.progressed);
  const from = c.ptr(4);
  if (r < 0 || from === 0) return c.result(r);
  const w = copyOutAddr(c, m.src, from, c.ptr(5));
  return c.result(w < 0 ? w : r);
}

function sendmsg(c: SyscallCall): Outcome {
  const s = socketOf(c, c.int(0));
  if (typeof s === 'number') return c.result(s);
  const m = layerOf(c.k).msg;
  const r0 = loadMsghdr(c, c.ptr(1), m, true);
  if (r0 < 0) return c.result(r0);
  const rr = loadRights(c, m, s.domain === AF_UNIX);
  if (rr < 0) {
    dropRights(m);
    return c.result(rr);
  }
  const r = sendOnce(c, s, m, c.int(2), true);
  // Files the socket did not take lose their in-flight reference (a re-run passes them again).
  dropRights(m);
  return r === null ? park(c, s, true, m.progressed) : c.result(r);
}

function recvmsg(c: SyscallCall): Outcome {
  const s = socketOf(c, c.int(0));
  if (typeof s === 'number') return c.result(s);
  const hdr = c.ptr(1);
  const flags = c.int(2);
  const m = layerOf(c.k).msg;
  const r0 = loadMsghdr(c, hdr, m, false);
  if (r0 < 0) return c.result(r0);
  const r = recvOnce(c, s, m, flags);
  if (r === null) return park(c, s, false, m.progressed);
  if (r < 0) return c.result(r);
  const w = finishMsghdr(c, hdr, m, flags);
  return c.result(w < 0 ? w : r);
}

/**
 * sendmmsg: messages go one by one; only the first may wait (after one has
 * gone, a full buffer ends the call with the count so far, so a restart never
 * sends a message twice).
 */
function sendmmsg(c: SyscallCall): Outcome {
  const s = socketOf(c, c.int(0));
  if (typeof s === 'number') return c.result(s);
  const vec = c.ptr(1);
  const vlen = Math.min(c.u32(2), 1024);
  const flags = c.int(3);
  const m = layerOf(c.k).msg;
  const pid = c.t.process.nativePid;
  let i = 0;
  for (; i < vlen; i++) {
    const hdr = vec + i * MMSGHDR_SIZE;
    const r0 = loadMsghdr(c, hdr, m, true);
    if (r0 < 0) return c.result(i > 0 ? i : r0);
    const r = i === 0 ? sendOnce(c, s, m, flags, true) : sendOnce(c, s, m, flags | MSG_DONTWAIT, false);
    if (r === null) return park(c, s, true, m.progressed);
    if (r < 0) return c.result(i > 0 ? i : r);
    if (!c.k.mem.writeU32(pid, hdr + MSGHDR_SIZE, r)) return c.result(i > 0 ? i : -E.EFAULT);
  }
  return c.ok(i);
}

/**
 * recvmmsg: waits for the first datagram (and, without MSG_WAITFORONE or a
 * timeout, for the rest too, keeping the count across restarts). A timeout
 * argument acts like MSG_WAITFORONE: Linux only checks it between datagrams.
 */
function recvmmsg(c: SyscallCall): Outcome {
  const s = socketOf(c, c.int(0));
  if (typeof s === 'number') return c.result(s);
  const vec = c.ptr(1);
  const vlen = Math.min(c.u32(2), 1024);
  const callFlags = c.int(3);
  const flags = callFlags & ~MSG_WAITALL;
  const timed = c.ptr(4) !== 0;
  const oneThenStop = (callFlags & MSG_WAITFORONE) !== 0 || timed;
  const m = layerOf(c.k).msg;
  const pid = c.t.process.nativePid;
  // On a re-run, resumeProgressBytes holds the count of datagrams already received.
  let i = resumedBytes(c);
  for (; i < vlen; i++) {
    const hdr = vec + i * MMSGHDR_SIZE;
    const r0 = loadMsghdr(c, hdr, m, false);
    if (r0 < 0) return c.result(i > 0 ? i : r0);
    const f = i > 0 && oneThenStop ? flags | MSG_DONTWAIT : flags;
    let r = s.recvMsg(c.k, c.t, m.resume(0), f & ~MSG_WAITFORONE);
    if (r === -E.EAGAIN) {
      if (i > 0 && (oneThenStop || s.nonblocking || (f & MSG_DONTWAIT) !== 0)) return c.ok(i);
      if (mayWait(c, s, f)) return park(c, s, false, i, timed);
      r = -E.EAGAIN;
    }
    if (r < 0) return c.result(i > 0 ? i : r);
    const w = finishMsghdr(c, hdr, m, callFlags);
    if (w < 0) return c.result(i > 0 ? i : w);
    if (!c.k.mem.writeU32(pid, hdr + MSGHDR_SIZE, r)) return c.result(i > 0 ? i : -E.EFAULT);
  }
  return c.ok(i);
}

// ------------------------------------------------------------- options, shutdown

function setsockopt(c: SyscallCall): Outcome {
  const s = socketOf(c, c.int(0));
  if (typeof s === 'number') return c.result(s);
  const v = layerOf(c.k).opt;
  loadOptValue(c, v, c.ptr(3), c.int(4));
  return c.result(s.setOption(c.int(1), c.int(2), v));
}

function getsockopt(c: SyscallCall): Outcome {
  const s = socketOf(c, c.int(0));
  if (typeof s === 'number') return c.result(s);
  const { k, t } = c;
  const pid = t.process.nativePid;
  const lenAddr = c.ptr(4);
  const want = k.mem.readU32(pid, lenAddr);
  if (want === null) return c.err(E.EFAULT);
  const len = want | 0;
  if (len < 0) return c.err(E.EINVAL);
  const net = layerOf(k);
  const size = s.getOption(c.int(1), c.int(2), net.optOut);
  if (size < 0) return c.result(size);
  const n = Math.min(len, size);
  if (n > 0 && k.mem.writeBuf(pid, c.ptr(3), net.optOutBytes, 0, n) !== n) return c.err(E.EFAULT);
  return k.mem.writeU32(pid, lenAddr, n) ? c.ok(0) : c.err(E.EFAULT);
}

function shutdown(c: SyscallCall): Outcome {
  const s = socketOf(c, c.int(0));
  if (typeof s === 'number') return c.result(s);
  return c.result(s.shutdown(c.int(1)));
}

// ------------------------------------------------------------- sendfile

/**
 * sendfile(2) reaches the simulator when either descriptor is emulated. The
 * output must be a TCP socket and the input a native file; anything else is
 * EINVAL (Linux also refuses, e.g., a socket as input).
 */
function sendfile(c: SyscallCall): Outcome {
  const { k, t } = c;
  const inFd = c.int(1);
  const out = descriptor(t, c.int(0));
  if (descriptor(t, inFd) || !out || !(out.file instanceof TcpFile)) return c.err(E.EINVAL);
  const s = out.file;
  const count = Math.min(c.i64(3), MAX_RW_COUNT);
  if (count < 0) return c.err(E.EINVAL);
  const p = layerOf(k).progress.resume(s.nonblocking ? 0 : resumedBytes(c));
  const r = s.sendfile(k, t, inFd, c.ptr(2), count, p);
  if (r !== -E.EAGAIN) return c.result(r);
  return mayWait(c, s, 0) ? park(c, s, true, p.progressed) : c.result(shortCount(p.progressed));
}

export function registerSocket(k: Kernel): void {
  k.register(SYS.sendfile, sendfile);
  k.register(SYS.socket, socket);
  k.register(SYS.socketpair, socketpair);
  k.register(SYS.bind, bind);
  k.register(SYS.connect, connect);
  k.register(SYS.listen, listen);
  k.register(SYS.accept, (c) => accept4(c, 0));
  k.register(SYS.accept4, (c) => accept4(c, c.int(3)));
  k.register(SYS.sendto, sendto);
  k.register(SYS.recvfrom, recvfrom);
  k.register(SYS.sendmsg, sendmsg);
  k.register(SYS.recvmsg, recvmsg);
  k.register(SYS.sendmmsg, sendmmsg);
  k.register(SYS.recvmmsg, recvmmsg);
  k.register(SYS.getsockname, (c) => getName(c, false));
  k.register(SYS.getpeername, (c) => getName(c, true));
  k.register(SYS.setsockopt, setsockopt);
  k.register(SYS.getsockopt, getsockopt);
  k.register(SYS.shutdown, shutdown);
}
