import { z } from 'zod';
import { SEVERITIES } from '../core/severity.js';
import { isHostname, parseIp } from '../net/address.js';

/**
 * Policy sections of the dashboard (`web:`) and the alert channels (`alerts:`). Kept apart from
 * schema.ts, which only mounts them; like the rest of the policy every object is strict.
 */

/** Seconds as a number, or text such as 90s, 10m, 6h, 1d, 2w. */
const duration = z.union([z.number().int().positive(), z.string()]).transform((v, ctx) => {
  if (typeof v === 'number') return v;
  const m = /^(\d+)\s*(s|m|h|d|w)$/.exec(v.trim());
  if (!m || Number(m[1]) <= 0) {
    ctx.addIssue({ code: 'custom', message: 'expected a duration such as 90s, 10m, 6h, 1d or 2w' });
    return z.NEVER;
  }
  return Number(m[1]) * { s: 1, m: 60, h: 3600, d: 86400, w: 604800 }[m[2] as 's' | 'm' | 'h' | 'd' | 'w'];
});
/** A duration, or 0 (off). */
const durationOrOff = z.union([z.literal(0), duration]);

/** `HOST:PORT`, `[IPv6]:PORT`. */
export const hostPort = z
  .string()
  .regex(
    /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):\d{1,5}$/,
    'expected HOST:PORT such as 127.0.0.1:8090 or [::1]:8090',
  )
  .refine((s) => Number(s.slice(s.lastIndexOf(':') + 1)) <= 65535, { message: 'port above 65535' });

export const webSchema = z.strictObject({
  /** Where the dashboard listens when `hardline watch --web` is given (default loopback). */
  listen: hostPort.default('127.0.0.1:8090'),
  /** PEM certificate and key (paths relative to the policy file): the dashboard speaks HTTPS. */
  tls: z.strictObject({ cert: z.string().min(1), key: z.string().min(1) }).optional(),
  /**
   * Serve plain HTTP on a non-loopback address. Refused unless set: the session cookie and the
   * token would cross the network in clear. Prefer tls, or an SSH tunnel to the loopback default.
   */
  insecure_remote: z.boolean().default(false),
  /** Host names the dashboard answers to besides IP literals and localhost (DNS rebinding guard). */
  hosts: z
    .array(z.string().refine(isHostname, { message: 'expected a host name such as pbx.example.com' }))
    .default([]),
  /** How long a login lasts. */
  session: duration.default(43200),
  /** Failed logins allowed per source address per minute before it is refused (429). */
  login_attempts: z.number().int().min(1).max(100).default(5),
  /** MaxMind-format databases (.mmdb: country, city or ASN) for the top sources' country and network. */
  geoip: z.array(z.string().min(1)).default([]),
  /** Latest JSON reports to show on the findings page (paths relative to the policy file). */
  reports: z
    .strictObject({
      audit: z.string().min(1).optional(),
      probe: z.string().min(1).optional(),
      review: z.string().min(1).optional(),
    })
    .prefault({}),
});
export type WebPolicy = z.output<typeof webSchema>;

const channelName = z
  .string()
  .regex(/^[A-Za-z0-9_.-]{1,40}$/, 'expected a short name (letters, digits, _ . -)')
  .optional();
const common = {
  name: channelName,
  /** Incidents below this severity are not sent. */
  min_severity: z.enum(SEVERITIES).default('medium'),
  /** The same incident key (detector and subject) is sent at most once per this window (0: off). */
  dedup: durationOrOff.default(3600),
  /** Digest mode: one message per this period listing what happened (unset: one per incident). */
  digest: duration.optional(),
};

const envName = z.string().regex(/^[A-Z_][A-Z0-9_]*$/, 'expected an environment variable name');

export const emailChannelSchema = z
  .strictObject({
    type: z.literal('email'),
    ...common,
    smtp: z.strictObject({
      host: z.string().min(1),
      port: z.number().int().min(1).max(65535).optional(),
      /** starttls: plain connection upgraded with STARTTLS (required, port 587); tls: implicit TLS (465); none: no TLS. */
      security: z.enum(['starttls', 'tls', 'none']).default('starttls'),
      user: z.string().min(1).optional(),
      /** Environment variable holding the SMTP password (never the password itself). */
      password_env: envName.optional(),
      /** CA bundle (PEM, relative to the policy file) of a private PKI that signs the server certificate. */
      ca_file: z.string().min(1).optional(),
    }),
    from: z.string().min(3),
    to: z.array(z.string().min(3)).min(1),
    /** Subject prefix. */
    subject: z.string().max(100).default('[hardline]'),
  })
  .refine((c) => !(c.smtp.user && !c.smtp.password_env) && !(c.smtp.password_env && !c.smtp.user), {
    message: 'smtp.user and smtp.password_env go together',
    path: ['smtp'],
  })
  .refine((c) => c.smtp.security !== 'none' || !c.smtp.user || isLoopbackHost(c.smtp.host), {
    message:
      'SMTP authentication without TLS would send the password in clear: use security: starttls or tls',
    path: ['smtp', 'security'],
  });

export const syslogChannelSchema = z.strictObject({
  type: z.literal('syslog'),
  ...common,
  /** udp://HOST:PORT or tcp://HOST:PORT (TCP uses RFC 6587 octet counting). */
  target: z
    .string()
    .regex(
      /^(udp|tcp):\/\/(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):\d{1,5}$/,
      'expected udp://HOST:PORT or tcp://HOST:PORT',
    ),
  facility: z
    .enum([
      'kern',
      'user',
      'daemon',
      'auth',
      'authpriv',
      'security',
      'local0',
      'local1',
      'local2',
      'local3',
      'local4',
      'local5',
      'local6',
      'local7',
    ])
    .default('auth'),
  app_name: z
    .string()
    .regex(/^[\x21-\x7e]{1,48}$/, 'expected printable ASCII without spaces, at most 48 characters')
    .default('hardline'),
});

export const webhookChannelSchema = z.strictObject({
  type: z.literal('webhook'),
  ...common,
  url: z.string().regex(/^https?:\/\/\S+$/, 'expected an http:// or https:// URL'),
  format: z.enum(['json', 'slack']).default('json'),
});

export const alertChannelSchema = z.discriminatedUnion('type', [
  emailChannelSchema,
  syslogChannelSchema,
  webhookChannelSchema,
]);
export type AlertChannelConfig = z.output<typeof alertChannelSchema>;

export const alertsSchema = z.strictObject({
  channels: z.array(alertChannelSchema).default([]),
});
export type AlertsPolicy = z.output<typeof alertsSchema>;

function isLoopbackHost(h: string): boolean {
  if (h === 'localhost') return true;
  const ip = parseIp(h.replace(/^\[|\]$/g, ''));
  return ip !== undefined && ip.range() === 'loopback';
}
