import net from 'node:net';
import { defineCheck } from '../check.js';

/** How the default management ports (policy firewall.management.ports) are named in messages. */
const SERVICES: Record<string, string> = {
  ssh: 'SSH',
  http: 'HTTP (web GUI, provisioning)',
  https: 'HTTPS (web GUI, provisioning)',
  ami: 'Asterisk AMI',
  esl: 'FreeSWITCH event socket (ESL)',
  'asterisk-http': 'Asterisk HTTP/ARI',
  'asterisk-https': 'Asterisk HTTPS/ARI',
};
/** Shell and web administration: serious, but often deliberately reachable behind strong auth. */
const ADMIN = new Set(['ssh', 'http', 'https']);

/** TCP connect within the timeout: 'open' | 'closed' (refused) | 'filtered' (silent). */
export function tcpState(
  host: string,
  port: number,
  timeoutMs: number,
  localAddress?: string,
): Promise<'open' | 'closed' | 'filtered'> {
  return new Promise((resolve) => {
    const s = net.connect({ host, port, ...(localAddress ? { localAddress } : {}) });
    const done = (v: 'open' | 'closed' | 'filtered') => {
      clearTimeout(t);
      s.destroy();
      resolve(v);
    };
    const t = setTimeout(() => done('filtered'), timeoutMs);
    s.once('connect', () => done('open'));
    s.once('error', (e: NodeJS.ErrnoException) => done(e.code === 'ECONNREFUSED' ? 'closed' : 'filtered'));
  });
}

export default defineCheck({
  id: 'PRB-EXP-004',
  title: 'Management port reachable from where the probe runs',
  severity: 'high',
  step: 'exposure',
  scope: 'host',
  order: 40,
  sends:
    'A TCP connect (no data is sent) to each TCP port of firewall.management.ports (default SSH 22, HTTP 80 and 443, AMI 5038, ESL 8021, ARI 8088 and 8089) that is neither a declared SIP endpoint nor listed in probe.public_ports. Open means connected within 1.5 s; refused and silent ports are not reported.',
  docs: {
    why: 'AMI, ARI, the FreeSWITCH event socket, web GUIs and SSH control the whole PBX: originate calls, change dialplans, run commands. Scanners sweep these ports constantly; reachable from the Internet they are one weak password or one unpatched bug away from takeover and toll fraud.',
    fix: 'Bind management services to loopback or a management VLAN (Asterisk manager.conf/http.conf bindaddr, FreeSWITCH event_socket.conf.xml listen-ip 127.0.0.1) and admit the ports at the firewall only from the networks in hardline.yaml networks.mgmt. If a port must be public (a provisioning server on 443), declare it in probe.public_ports.',
    refs: [
      'https://docs.asterisk.org/Configuration/Interfaces/Asterisk-Manager-Interface-AMI/',
      'https://developer.signalwire.com/freeswitch/FreeSWITCH-Explained/Modules/mod_event_socket_1048924/',
    ],
  },
  messages: {
    open: '{service} port {port} accepts TCP connections from the probe',
  },
  async run(ctx) {
    const host = ctx.target.host;
    const declared = new Set([
      ...ctx.policy.probe.public_ports,
      ...ctx.declaredForHost.filter((d) => d.transport !== 'udp').map((d) => d.port),
    ]);
    // The site's management ports: the same list the firewall closes (default SSH 22, HTTP 80/443,
    // AMI 5038, ESL 8021, ARI 8088/8089); TCP ones only (a UDP port cannot be probed by connect).
    const todo = ctx.policy.firewall.management.ports
      .filter((p) => p.protocol === 'tcp' && !declared.has(p.port))
      .map((p) => ({ port: p.port, name: p.name, service: SERVICES[p.name] ?? `${p.name} (management)` }));
    const states = await Promise.all(
      todo.map(async (p) => {
        await ctx.pace();
        return { ...p, state: await tcpState(host, p.port, 1500, ctx.connectOptions.localAddress) };
      }),
    );
    for (const p of states) {
      if (p.state !== 'open') continue;
      ctx.report({
        messageId: 'open',
        data: { service: p.service, port: p.port },
        severity: ADMIN.has(p.name) ? 'medium' : 'high',
        target: `tcp/${host}:${p.port}`,
        evidence: [
          `TCP connect to ${host}:${p.port}: open (${states.map((s) => `${s.port} ${s.state}`).join(', ')})`,
        ],
      });
    }
  },
});
