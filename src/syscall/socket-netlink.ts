// AF_NETLINK NETLINK_ROUTE sockets: requests sent to the kernel (port 0) are
// answered at once from net/netlink.ts and queued as datagrams to read back.
import type { Thread } from '../host/thread';
import { ArrayQueue } from '../net/interface';
import { rtnetlinkAnswer } from '../net/netlink';
import type { NetworkStack } from '../net/stack';
import { E } from '../abi/errno';
import type { Kernel } from '../kernel/kernel';
import { AF_NETLINK, MSG_PEEK, MSG_TRUNC, nameOut, readSockaddr, SO, SocketFile, UserMsg } from './socket-file';

const SOL_NETLINK = 270;
const EPOLLIN = 0x001,
  EPOLLOUT = 0x004;

/** Netlink port ids in use, per host (the network namespace). */
const portsInUse = new WeakMap<NetworkStack, Set<number>>();

function putSockaddrNl(pid: number, groups: number): void {
  const b = nameOut.buf;
  b.fill(0, 0, 12);
  b.writeUInt16LE(AF_NETLINK, 0);
  b.writeInt32LE(pid | 0, 4);
  b.writeUInt32LE(groups >>> 0, 8);
  nameOut.len = 12;
}

export class NetlinkFile extends SocketFile {
  readonly domain = AF_NETLINK;
  readonly protocol: number;
  private portId = 0;
  private groups = 0;
  private readonly rq = new ArrayQueue<Uint8Array>();
  private rqBytes = 0;
  private rcvBuf = 212992;
  private sndBuf = 212992;
  private readonly ports: Set<number>;

  constructor(
    readonly type: number,
    protocol: number,
    private readonly stack: NetworkStack,
    private readonly pid: number,
  ) {
    super();
    this.protocol = protocol;
    let ports = portsInUse.get(stack);
    if (!ports) portsInUse.set(stack, (ports = new Set()));
    this.ports = ports;
  }

  poll(): number {
    return (this.rq.length > 0 ? EPOLLIN : 0) | EPOLLOUT;
  }

  release(): void {
    if (this.portId !== 0) this.ports.delete(this.portId);
    this.rq.clear();
  }

  /** Linux gives the first socket of a process its pid, later ones unique negative ids. */
  private autobind(): void {
    if (this.portId !== 0) return;
    this.portId = this.stack.netlinkPid(this.pid, (id) => this.ports.has(id));
    this.ports.add(this.portId);
  }

  override bind(k: Kernel, t: Thread, addr: number, len: number): number {
    if (len < 12) return -E.EINVAL;
    const r = readSockaddr(k, t, addr, 12);
    if (r < 0) return r;
    const s = k.mem.scratch;
    if (s.readUInt16LE(0) !== AF_NETLINK) return -E.EINVAL;
    const want = s.readInt32LE(4);
    this.groups = s.readUInt32LE(8);
    if (want === 0 || want === this.portId) {
      this.autobind();
      return 0;
    }
    if (this.portId !== 0) return -E.EINVAL;
    if (this.ports.has(want)) return -E.EADDRINUSE;
    this.portId = want;
    this.ports.add(want);
    return 0;
  }

  override connect(k: Kernel, t: Thread, addr: number, len: number): number {
    if (len < 12) return -E.EINVAL;
    const r = readSockaddr(k, t, addr, 12);
    if (r < 0) return r;
    if (k.mem.scratch.readUInt16LE(0) !== AF_NETLINK) return -E.EINVAL;
    this.autobind();
    return 0;
  }

  sendMsg(k: Kernel, t: Thread, m: UserMsg, _flags: number): number {
    if (m.nameAddr !== 0 && m.nameLen !== 0) {
      if (m.nameLen < 12) return -E.EINVAL;
      const r = readSockaddr(k, t, m.nameAddr, 12);
      if (r < 0) return r;
      if (k.mem.scratch.readUInt16LE(0) !== AF_NETLINK) return -E.EINVAL;
      // Only the kernel (port 0) answers; other processes' netlink sockets are not modelled.
      if (k.mem.scratch.readInt32LE(4) !== 0) return -E.ECONNREFUSED;
    }
    if (m.total > this.sndBuf) return -E.EMSGSIZE;
    this.autobind();
    const data = m.gather(k, t, 0, m.total);
    if (data === null) return -E.EFAULT;
    for (const reply of rtnetlinkAnswer(data, this.portId, t.process.host.ip)) {
      this.rq.push(reply);
      this.rqBytes += reply.length;
    }
    if (this.rq.length > 0) this.watchers.notify();
    return m.total;
  }

  recvMsg(k: Kernel, t: Thread, m: UserMsg, flags: number): number {
    const msg = this.rq.peek();
    if (msg === undefined) return -E.EAGAIN;
    const size = msg.length;
    const n = size < m.total ? size : m.total;
    if (n > 0 && m.scatter(k, t, 0, msg, 0, n) < 0) return -E.EFAULT;
    putSockaddrNl(0, 0); // from the kernel
    if ((flags & MSG_PEEK) === 0) {
      this.rq.shift();
      this.rqBytes -= size;
    }
    if (size > m.total) m.outFlags |= MSG_TRUNC;
    return (flags & MSG_TRUNC) !== 0 ? size : n;
  }

  sockName(peer: boolean): number {
    if (peer) putSockaddrNl(0, 0);
    else putSockaddrNl(this.portId, this.groups);
    return 0;
  }

  readableBytes(): number {
    return this.rqBytes;
  }

  protected override setOptSocket(name: number, v: number): number | null {
    switch (name) {
      case SO.SNDBUF:
      case SO.SNDBUFFORCE:
        this.sndBuf = SocketFile.sndBufFor(v, name === SO.SNDBUFFORCE);
        return 0;
      case SO.RCVBUF:
      case SO.RCVBUFFORCE:
        this.rcvBuf = SocketFile.rcvBufFor(v, name === SO.RCVBUFFORCE);
        return 0;
      default:
        return null;
    }
  }

  protected override getOptSocket(name: number): number | null {
    switch (name) {
      case SO.SNDBUF:
        return this.sndBuf;
      case SO.RCVBUF:
        return this.rcvBuf;
      case SO.ERROR:
        return 0;
      default:
        return null;
    }
  }

  protected override setOptLevel(_k: Kernel, level: number, name: number, v: number, len: number): number {
    if (level !== SOL_NETLINK) return -E.ENOPROTOOPT;
    if (len < 4) return -E.EINVAL;
    this.storeOpt(level, name, v); // NETLINK_EXT_ACK, NETLINK_GET_STRICT_CHK ...: accepted
    return 0;
  }

  protected override getOptLevel(level: number, name: number, dv: DataView): number {
    if (level !== SOL_NETLINK) return -E.ENOPROTOOPT;
    dv.setInt32(0, this.storedOpt(level, name, 0), true);
    return 4;
  }
}
