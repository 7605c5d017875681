import { spawnSync } from 'node:child_process';
import path from 'node:path';
import type { Severity } from '../../src/core/severity.js';
import type { Incident } from '../../src/watch/incident.js';

let n = 0;
/** A realistic incident (brute force from one source) with one evidence event. */
export function incident(over: Partial<Incident> & { source?: string } = {}): Incident {
  const source = over.source ?? '203.0.113.77';
  const t = over.time ?? Date.parse('2026-11-24T10:00:52.700Z') + n++;
  const severity: Severity = over.severity ?? 'high';
  return {
    id: `brute-force:${source}:${t}`,
    detector: 'brute-force',
    title: 'Password guessing from one source',
    severity,
    time: t,
    firstSeen: t - 4000,
    subject: { kind: 'source', source, key: source },
    summary: `10 failed logins from ${source}:5080/udp within 300 s (accounts: 101)`,
    count: 10,
    events: [
      {
        kind: 'auth-failure',
        time: t - 4000,
        source: { ip: source, port: 5080, transport: 'udp' },
        account: '101',
        service: 'PJSIP',
        reason: 'InvalidPassword',
        evidence: {
          raw: `[2026-11-24 10:00:48] SECURITY[4583] res_security_log.c: SecurityEvent="ChallengeResponseFailed",AccountID="101",RemoteAddress="IPV4/UDP/${source}/5080"`,
          format: 'asterisk',
          decoder: 'asterisk-security',
        },
      },
    ],
    decision: { action: 'ban', source, reason: 'password guessing', duration: 3600 },
    ...over,
  };
}

/** A self-signed certificate for 127.0.0.1/localhost (openssl, Debian package openssl). */
export function selfSigned(dir: string): { cert: string; key: string } {
  const cert = path.join(dir, 'cert.pem');
  const key = path.join(dir, 'key.pem');
  const r = spawnSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      key,
      '-out',
      cert,
      '-days',
      '2',
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=IP:127.0.0.1,DNS:localhost',
    ],
    { encoding: 'utf8' },
  );
  if (r.status !== 0) throw new Error(`openssl failed (install the Debian package openssl): ${r.stderr}`);
  return { cert, key };
}
