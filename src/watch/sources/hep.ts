import { decodeHep, type HepDecodeOptions, type HepDecodeResult, HepStreamDecoder } from '../../hep/codec.js';
import { type Listener, type ListenUrl, listen } from './listen.js';

/** A HEP v3 collector over UDP (one packet per datagram) or TCP (a stream of packets). */
export async function listenHep(
  url: ListenUrl,
  opts: HepDecodeOptions,
  onResult: (r: HepDecodeResult, peer: string, transport: 'udp' | 'tcp') => void,
): Promise<Listener> {
  return listen(url, {
    datagram: (msg, peer) => onResult(decodeHep(msg, opts), peer, 'udp'),
    connection: (peer) => {
      const dec = new HepStreamDecoder(opts, (r) => onResult(r, peer, 'tcp'));
      return (d) => dec.push(d);
    },
  });
}
