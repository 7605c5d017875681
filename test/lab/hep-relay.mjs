#!/usr/bin/env node
// A HEP v3 relay for the logging-verification lab test (runs inside a namespace via ip netns exec):
//   hep-relay.mjs LISTEN_ADDR:PORT TO_ADDR:PORT FROM_IP=AS_IP
// receives HEP packets, replaces FROM_IP by AS_IP in the source and destination address chunks,
// and forwards them: a capture path that records the wrong address (like a relay or front proxy
// that stamps its own). Uses hardline's own HEP codec (dist/). Prints "ready"; exits after 10 min.
import dgram from 'node:dgram';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const { decodeHep, encodeHep } = await import(pathToFileURL(path.join(root, 'dist', 'hep', 'codec.js')).href);

const [listen, to, swap] = process.argv.slice(2);
const split = (s) => {
  const i = s.lastIndexOf(':');
  return [s.slice(0, i), Number(s.slice(i + 1))];
};
const [lHost, lPort] = split(listen ?? '');
const [tHost, tPort] = split(to ?? '');
const [fromIp, asIp] = (swap ?? '').split('=');
if (!lHost || !tHost || !fromIp || !asIp) {
  process.stderr.write('usage: hep-relay.mjs LISTEN_ADDR:PORT TO_ADDR:PORT FROM_IP=AS_IP\n');
  process.exit(2);
}
let relayed = 0;
const sock = dgram.createSocket('udp4');
sock.on('message', (msg) => {
  const r = decodeHep(msg);
  if (!r.ok) return;
  const p = r.packet;
  if (p.srcIp === fromIp) p.srcIp = asIp;
  if (p.dstIp === fromIp) p.dstIp = asIp;
  sock.send(encodeHep(p), tPort, tHost);
  relayed++;
});
sock.bind(lPort, lHost, () => process.stdout.write('ready\n'));
process.on('SIGTERM', () => {
  process.stdout.write(`relayed ${relayed}\n`);
  process.exit(0);
});
setTimeout(() => process.exit(0), 10 * 60_000).unref();
