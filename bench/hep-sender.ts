// Loopback HEP v3 sender for bench/watch.bench.ts: sends COUNT LOG packets to 127.0.0.1:PORT at
// RATE packets/s (paced in 2 ms slices, no catch-up bursts), each carrying a chan_pjsip failure line whose Call-ID is
// `<TAG>-<sequence number>` (so the receiver's store can be checked packet by packet), then
// prints how many it sent. Bounded in count and time.
import { createSocket } from 'node:dgram';
import { encodeHep } from '../src/hep/codec.js';

const [portText, rateText, countText, tag = 's'] = process.argv.slice(2);
const port = Number(portText);
const rate = Number(rateText);
const count = Number(countText);
const SEQ = '00000000'; // placeholder for the sequence number, rewritten in place
const RING = 8192; // packets in flight at most (buffers reused round robin)
const ring: { buf: Buffer; at: number }[] = [];
for (let i = 0; i < RING; i++) {
  const ip = `203.0.${(i >> 8) & 31}.${i & 255}`;
  const buf = encodeHep({
    srcIp: '10.0.0.5',
    dstIp: '10.0.0.9',
    srcPort: 5060,
    dstPort: 9060,
    ipProto: 17,
    timeSec: 1764000000 + Math.floor(i / 100),
    protoType: 100,
    captureId: 1,
    nodeName: 'bench',
    payload: Buffer.from(
      `[2026-11-24 10:00:00] NOTICE[2143] res_pjsip/pjsip_distributor.c:676 log_failed_request: Request 'REGISTER' from '<sip:${100 + (i % 50)}@192.0.2.1>' failed for '${ip}:5060' (callid: ${tag}-${SEQ}) - Failed to authenticate`,
    ),
  });
  ring.push({ buf, at: buf.indexOf(SEQ) });
}
const sock = createSocket({ type: 'udp4', sendBufferSize: 4 << 20 });
let sent = 0;
let inflight = 0;
const slice = 2;
const start = Date.now();
const deadline = start + Math.ceil((count / rate) * 1000) + 10_000;
await new Promise<void>((resolve) => {
  // Paced: at most two slices' worth per tick. When this process was not scheduled for a while
  // it does not catch up in one burst (that would measure bursts, not a sustained rate): it
  // falls behind, and the achieved rate reported below says so.
  const perTick = Math.max(1, Math.ceil((rate * slice * 2) / 1000));
  let paced = 0;
  let last = start;
  const tick = () => {
    const now = Date.now();
    paced = Math.min(count, paced + Math.min(perTick, Math.round(((now - last) / 1000) * rate)));
    last = now;
    const due = paced;
    while (sent < due && inflight < RING) {
      const p = ring[sent % RING]!;
      p.buf.write(String(sent).padStart(8, '0'), p.at, 'latin1');
      inflight++;
      sock.send(p.buf, port, '127.0.0.1', () => {
        inflight--;
      });
      sent++;
    }
    if (sent >= count || Date.now() > deadline) {
      const wait = () => (inflight > 0 ? setTimeout(wait, 2) : resolve());
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
