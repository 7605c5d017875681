#!/usr/bin/env node
// Tiny TCP/UDP peer for the network-namespace tests (runs inside a namespace via ip netns exec).
//   serve tcp:22,udp:5060,...   listen on every address; TCP writes "hi", UDP echoes. Prints "ready".
//   probe tcp|udp HOST PORT [FROM] [TIMEOUT_MS]   exit 0 when the service answered, 1 otherwise.
import dgram from 'node:dgram';
import net from 'node:net';

const [mode, ...args] = process.argv.slice(2);
if (mode === 'serve') {
  const specs = (args[0] ?? '').split(',').filter(Boolean);
  let pending = specs.length;
  const ready = () => {
    if (--pending === 0) process.stdout.write('ready\n');
  };
  for (const spec of specs) {
    const [proto, portText] = spec.split(':');
    const port = Number(portText);
    if (proto === 'tcp') {
      const srv = net.createServer((s) => {
        s.on('error', () => {});
        s.end('hi\n');
      });
      srv.listen({ port, host: '::', ipv6Only: false }, ready);
    } else {
      const sock = dgram.createSocket({ type: 'udp6', ipv6Only: false });
      sock.on('message', (msg, rinfo) => sock.send(msg, rinfo.port, rinfo.address));
      sock.bind(port, '::', ready);
    }
  }
  setTimeout(() => process.exit(0), 10 * 60_000).unref();
} else if (mode === 'probe') {
  const [proto, host, portText, from, timeoutText] = args;
  const port = Number(portText);
  const timeout = Number(timeoutText ?? 800);
  const done = (ok) => process.exit(ok ? 0 : 1);
  setTimeout(() => done(false), timeout);
  if (proto === 'tcp') {
    const s = net.connect({ host, port, ...(from && from !== '-' ? { localAddress: from } : {}) });
    s.on('data', () => done(true));
    s.on('error', () => done(false));
  } else {
    const sock = dgram.createSocket(host.includes(':') ? 'udp6' : 'udp4');
    sock.on('message', () => done(true));
    sock.on('error', () => done(false));
    sock.bind({ port: 0, ...(from && from !== '-' ? { address: from } : {}) }, () =>
      sock.send('ping', port, host),
    );
  }
} else if (mode === 'flood') {
  // flood udp HOST PORT COUNT [FROM]: sends COUNT datagrams at once, prints how many were echoed.
  const [, host, portText, countText, from] = args;
  const count = Math.min(Number(countText), 10000);
  let answered = 0;
  const sock = dgram.createSocket(host.includes(':') ? 'udp6' : 'udp4');
  sock.on('message', () => answered++);
  sock.bind({ port: 0, ...(from && from !== '-' ? { address: from } : {}) }, () => {
    for (let i = 0; i < count; i++) sock.send(`OPTIONS ${i}`, Number(portText), host);
    setTimeout(() => {
      process.stdout.write(`${answered}\n`);
      process.exit(0);
    }, 700);
  });
} else {
  process.stderr.write('usage: netns-peer.mjs serve SPECS | probe PROTO HOST PORT [FROM] [TIMEOUT_MS]\n');
  process.exit(2);
}
