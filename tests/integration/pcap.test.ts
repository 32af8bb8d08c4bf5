// pcap_enabled writes eth0.pcap and lo.pcap per host: classic libpcap, raw
// IPv4, simulated timestamps, correct headers, identical across runs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runUmbra } from '../helpers/umbra';

const yaml = `general: {stop_time: 10 s, data_directory: out.data, model_unblocked_syscall_latency: true}
network: {graph: {type: 1_gbit_switch}}
hosts:
  server:
    host_options: {pcap_enabled: true, pcap_capture_size: 100 B}
    network_node_id: 0
    processes:
    - {path: python3, args: -m http.server 80, start_time: 1s, expected_final_state: running}
  client:
    network_node_id: 0
    processes:
    - {path: curl, args: -s server, start_time: 3s}
`;

interface Record {
  timeNs: number;
  bytes: Buffer;
  origLen: number;
}

function readPcap(file: string): { snap: number; link: number; records: Record[] } {
  const b = fs.readFileSync(file);
  assert.equal(b.readUInt32LE(0), 0xa1b2c3d4);
  assert.equal(b.readUInt16LE(4), 2);
  assert.equal(b.readUInt16LE(6), 4);
  const records: Record[] = [];
  for (let off = 24; off < b.length;) {
    const sec = b.readUInt32LE(off),
      usec = b.readUInt32LE(off + 4),
      incl = b.readUInt32LE(off + 8),
      orig = b.readUInt32LE(off + 12);
    records.push({ timeNs: sec * 1e9 + usec * 1000, bytes: b.subarray(off + 16, off + 16 + incl), origLen: orig });
    off += 16 + incl;
  }
  return { snap: b.readUInt32LE(16), link: b.readUInt32LE(20), records };
}

function ipChecksumOk(ip: Buffer): boolean {
  let sum = 0;
  for (let i = 0; i < 20; i += 2) sum += ip.readUInt16BE(i);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return sum === 0xffff;
}

test('pcap: the HTTP exchange on the server eth0, raw IPv4 with simulated timestamps', () => {
  const r = runUmbra(yaml);
  assert.equal(r.status, 0, r.stderr);
  const dir = path.join(r.dataDir, 'hosts', 'server');
  const eth0 = readPcap(path.join(dir, 'eth0.pcap'));
  assert.equal(eth0.link, 101);
  assert.equal(eth0.snap, 100);
  assert.ok(eth0.records.length >= 8, `${eth0.records.length} packets`);
  const syn = eth0.records[0];
  assert.ok(syn.timeNs >= 3e9 && syn.timeNs < 3.1e9, `first packet at ${syn.timeNs} ns`);
  const ip = syn.bytes;
  assert.equal(ip[0], 0x45);
  assert.equal(ip[9], 6); // TCP
  assert.equal([...ip.subarray(12, 16)].join('.'), '11.0.0.1');
  assert.equal([...ip.subarray(16, 20)].join('.'), '11.0.0.2');
  assert.ok(ipChecksumOk(ip));
  assert.equal(ip.readUInt16BE(22), 80); // destination port
  assert.equal(ip[33] & 0x12, 0x02); // SYN without ACK
  // The response carries the directory listing; the snap length cut it at 100 bytes.
  const big = eth0.records.find((rec) => rec.origLen > 100);
  assert.ok(big && big.bytes.length === 100);
  assert.ok(fs.existsSync(path.join(dir, 'lo.pcap')));
  assert.ok(!fs.existsSync(path.join(r.dataDir, 'hosts', 'client', 'eth0.pcap')), 'only hosts that asked for it');
  const again = runUmbra(yaml);
  assert.deepEqual(
    fs.readFileSync(path.join(again.dataDir, 'hosts/server/eth0.pcap')),
    fs.readFileSync(path.join(dir, 'eth0.pcap')),
  );
});
