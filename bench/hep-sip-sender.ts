// Loopback HEP v3 SIP sender for bench/watch-sip.bench.ts: sends COUNT packets (REGISTER and its
// answer, alternately, from 10,000 sources) to 127.0.0.1:PORT at RATE packets/s (paced in 5 ms
// slices), then prints how many it sent. Bounded in count and time.
import { createSocket } from 'node:dgram';
import { encodeHep } from '../src/hep/codec.js';

const [port, rate, count] = process.argv.slice(2).map(Number) as [number, number, number];
const PBX = '192.0.2.1';
const packets: Buffer[] = [];
for (let i = 0; i < 20_000; i++) {
  const src = `203.0.${(i >> 8) % 40}.${i & 255}`;
  const user = 100 + (i % 900);
  const head = `Via: SIP/2.0/UDP ${src}:5060;rport;branch=z9hG4bKs${i}\r\nFrom: <sip:${user}@pbx.example>;tag=t${i}\r\nTo: <sip:${user}@pbx.example>\r\nCall-ID: s${i}@bench\r\nCSeq: 1 REGISTER\r\n`;
  const req = `REGISTER sip:pbx.example SIP/2.0\r\n${head}Contact: <sip:${user}@${src}:5060>\r\nUser-Agent: Bench Phone 1.0\r\nContent-Length: 0\r\n\r\n`;
  const res = `SIP/2.0 401 Unauthorized\r\n${head.replace(/^(To: .*)$/m, '$1;tag=srv')}WWW-Authenticate: Digest realm="pbx.example", nonce="n", qop="auth"\r\nContent-Length: 0\r\n\r\n`;
  const t = 1764000000 + Math.floor(i / 1000);
  for (const [s, d, payload] of [
    [src, PBX, req],
    [PBX, src, res],
  ] as const)
    packets.push(
      encodeHep({
        srcIp: s,
        dstIp: d,
        srcPort: 5060,
        dstPort: 5060,
        ipProto: 17,
        timeSec: t,
        timeUsec: (i % 1000) * 1000,
        protoType: 1,
        captureId: 1,
        payload: Buffer.from(payload),
      }),
    );
}
const sock = createSocket({ type: 'udp4', sendBufferSize: 4 << 20 });
let sent = 0;
const slice = 5;
const perSlice = Math.max(1, Math.round((rate * slice) / 1000));
const start = Date.now();
const deadline = start + Math.ceil((count / rate) * 1000) + 10_000;
await new Promise<void>((resolve) => {
  const tick = () => {
    const due = Math.min(count, Math.round(((Date.now() - start) / 1000) * rate) + perSlice);
    let inflight = 0;
    while (sent < due) {
      inflight++;
      sock.send(packets[sent % packets.length]!, port, '127.0.0.1', () => {
        inflight--;
      });
      sent++;
    }
    if (sent >= count || Date.now() > deadline) {
      const wait = () => (inflight > 0 ? setTimeout(wait, 5) : resolve());
      wait();
      return;
    }
    setTimeout(tick, slice);
  };
  tick();
});
const secs = (Date.now() - start) / 1000;
sock.close();
console.log(JSON.stringify({ sent, seconds: secs, rate: Math.round(sent / secs) }));
