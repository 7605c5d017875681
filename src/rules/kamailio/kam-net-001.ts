import { defineKamailioRule } from '../../pbx/kamailio/rule.js';

export default defineKamailioRule({
  id: 'KAM-NET-001',
  title: 'No listen= socket: Kamailio binds every local address',
  severity: 'medium',
  step: 'exposure',
  docs: {
    why: 'Without `listen=` Kamailio binds UDP, TCP (and TLS) on every local address, including management, backup and container interfaces that were never meant to accept SIP, and answers scanners on all of them.',
    fix: 'Declare each socket: `listen=udp:203.0.113.5:5060`, `listen=tls:203.0.113.5:5061`, plus internal ones towards the PBX, with `advertise` where NAT applies.',
    refs: ['Kamailio core cookbook (listen)', 'Kamailio etc/kamailio.cfg (listen sockets)'],
  },
  messages: {
    none: 'no listen= parameter: Kamailio listens on every local address',
  },
  check(m, ctx) {
    if (m.globals.some((g) => g.name.toLowerCase() === 'listen')) return;
    ctx.report({ messageId: 'none', at: { file: m.mainFile, line: 1 }, target: 'kamailio:listen' });
  },
});
