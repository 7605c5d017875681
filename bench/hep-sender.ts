// Loopback HEP v3 sender for bench/watch.bench.ts: sends COUNT LOG packets to 127.0.0.1:PORT at
// RATE packets/s (paced in 5 ms slices), then prints how many it sent. Bounded in count and time.
import { createSocket } from 'node:dgram';
import { encodeHep } from '../src/hep/codec.js';

const [port, rate, count] = process.argv.slice(2).map(Number) as [number, number, number];
const packets: Buffer[] = [];
for (let i = 0; i < 1000; i++) {
  const ip = `203.0.${(i >> 8) & 255}.${i & 255}`;
  packets.push(
    encodeHep({
      srcIp: '10.0.0.5',
      dstIp: '10.0.0.9',
      srcPort: 5060,
      dstPort: 9060,
      ipProto: 17,
      timeSec: 1764000000 + i,
      protoType: 100,
      captureId: 1,
      nodeName: 'bench',
      payload: Buffer.from(
        `[2026-11-24 10:00:00] NOTICE[2143] res_pjsip/pjsip_distributor.c:676 log_failed_request: Request 'REGISTER' from '<sip:${100 + (i % 50)}@192.0.2.1>' failed for '${ip}:5060' (callid: b${i}) - Failed to authenticate`,
      ),
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
