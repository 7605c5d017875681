import { z } from 'zod';
import { isHostname, parseCidr, parseIp } from '../net/address.js';
import { alertsSchema, webSchema } from './sections.js';

/**
 * The site policy (hardline.yaml): the declared intent that audit, probe, watch and enforce hold
 * reality against. Every object is strict: an unknown key is an error, not ignored.
 */

const cidr = z.string().refine((s) => parseCidr(s) !== undefined, {
  message: 'expected an IPv4/IPv6 address or CIDR such as 192.168.1.0/24 or 2001:db8::/48',
});
const addressOrHost = z.string().refine((s) => parseCidr(s) !== undefined || isHostname(s), {
  message: 'expected an IP address, a CIDR or a hostname',
});
const port = z.number().int().min(1).max(65535);
const isoDate = z.union([z.string(), z.date()]).transform((v, ctx) => {
  const d = v instanceof Date ? v : new Date(/^\d{4}-\d{2}-\d{2}$/.test(v) ? `${v}T23:59:59Z` : v);
  if (Number.isNaN(d.getTime())) {
    ctx.addIssue({ code: 'custom', message: 'expected a date such as 2026-12-31 or 2026-12-31T18:00:00Z' });
    return z.NEVER;
  }
  return d.toISOString();
});

export const TRANSPORTS = ['udp', 'tcp', 'tls', 'ws', 'wss'] as const;
export const PBX_KINDS = ['asterisk', 'freeswitch', 'kamailio'] as const;

export const pbxSchema = z
  .strictObject({
    name: z.string().regex(/^[A-Za-z0-9_.-]+$/, 'expected a short name (letters, digits, _ . -)'),
    kind: z.enum(PBX_KINDS),
    /** Configuration folder, relative to the policy file. */
    config: z.string().min(1),
    /** Kamailio only: defines as if given on the command line (`kamailio -A NAME[=value]`). */
    defines: z
      .array(
        z
          .string()
          .regex(
            /^[A-Za-z_][A-Za-z0-9_]*(=.*)?$/,
            'expected a define such as WITH_AUTH or DBURL="mysql://..."',
          ),
      )
      .optional(),
  })
  .refine((p) => p.defines === undefined || p.kind === 'kamailio', {
    message: 'defines apply to kamailio only (they are kamailio -A command-line defines)',
    path: ['defines'],
  });

export const endpointSchema = z.strictObject({
  name: z.string().optional(),
  host: addressOrHost,
  transport: z.enum(TRANSPORTS),
  port: port.optional(),
  /** true: anyone on the Internet may reach it (phones roaming); false: only trunks and networks. */
  public: z.boolean().default(true),
});

export const trunkSchema = z.strictObject({
  name: z.string().min(1),
  addresses: z.array(addressOrHost).min(1),
});

export const credentialsSchema = z.strictObject({
  min_length: z.number().int().min(1).max(128).default(12),
  min_classes: z.number().int().min(1).max(4).default(3),
  /** At or above this length the character-class rule is waived (passphrases). */
  passphrase_length: z.number().int().min(1).max(256).default(20),
  common_check: z.boolean().default(true),
  /** Minimum zxcvbn score (0-4). */
  min_score: z.number().int().min(0).max(4).default(3),
  pin: z
    .strictObject({
      min_length: z.number().int().min(1).max(32).default(6),
      forbid_trivial: z.boolean().default(true),
      forbid_mailbox: z.boolean().default(true),
    })
    .prefault({}),
});

export const securitySchema = z.strictObject({
  /** SIP over TLS for signalling from outside the trusted networks. */
  sip_tls: z.enum(['required', 'preferred', 'off']).default('preferred'),
  /** SRTP for media. */
  srtp: z.enum(['required', 'preferred', 'off']).default('preferred'),
  min_tls: z.enum(['1.0', '1.1', '1.2', '1.3']).default('1.2'),
});

export const exceptionSchema = z.strictObject({
  rule: z.string().regex(/^[A-Z]+-[A-Z0-9]+-\d{3}$/, 'expected a rule id such as AST-AMI-001'),
  /** The finding's target (exact, or with * wildcards), e.g. pjsip:endpoint/fax. */
  target: z.string().min(1),
  /** Limit to one PBX or probe source by name. */
  source: z.string().optional(),
  reason: z.string().min(3),
  approver: z.string().min(1),
  expires: isoDate,
});

const extension = z.string().regex(/^[A-Za-z0-9_.+*#-]{1,32}$/, 'expected an extension such as 1001');

/** Settings of `hardline probe` (all optional). */
export const probeSchema = z.strictObject({
  /** Most SIP requests or connection attempts per second (default 5, below Kamailio's stock pike limit of 16 per 2 s). */
  rate: z.number().min(1).max(200).default(5),
  /** Total time budget of one run, seconds (default 120). */
  max_time: z.number().int().min(5).max(3600).default(120),
  /** Per-request timeout, ms (default 2000; UDP retransmits at T1=500 ms within it). */
  timeout_ms: z.number().int().min(200).max(32000).default(2000),
  /** An extension known to exist: enumeration compares its answers with random ones. */
  known_extension: extension.optional(),
  /** Likely extensions to try (default 100, 101, 200, 1000, 1001, 2000, 6001). */
  extensions: z.array(extension).max(50).optional(),
  /** Number dialled by the unauthenticated-INVITE check (default a fictitious UK number). */
  external_number: z
    .string()
    .regex(/^\+?[0-9]{3,20}$/, 'expected a phone number such as +442079460000')
    .default('+442079460000'),
  /** A test account for checks that need one (SRTP enforcement). The password comes from the environment. */
  account: z
    .strictObject({
      username: z.string().min(1),
      /** Name of the environment variable holding the password (never the password itself). */
      password_env: z.string().regex(/^[A-Z_][A-Z0-9_]*$/, 'expected an environment variable name'),
      /** Whom the test account calls (an extension or number that answers). */
      destination: z.string().min(1),
    })
    .optional(),
  /** TCP ports (besides the SIP endpoints) that are meant to be public, e.g. 443 for a web UI. */
  public_ports: z.array(port).default([]),
  /** CA bundle (PEM, relative to the policy) that signs the SIP TLS certificates of a private PKI. */
  ca_file: z.string().optional(),
  /** Failing REGISTERs sent by the rate-limit check (default 40). */
  burst: z.number().int().min(5).max(500).default(40),
  /**
   * Hosts, addresses or networks that --target may name besides the endpoints' hosts (a staging
   * server, the lab). A --target outside the endpoints and this list is refused.
   */
  scope: z.array(addressOrHost).max(256).default([]),
});

/** Minimum firmware for one phone model, recognised by the start of its User-Agent. */
export const firmwareSchema = z.strictObject({
  /** The User-Agent starts with this text (case-insensitive), e.g. "Yealink SIP-T54W". */
  user_agent: z.string().min(2),
  /** Lowest acceptable firmware version, e.g. 96.86.0.100. */
  min: z
    .union([z.string(), z.number()])
    .transform((v, ctx) => {
      if (typeof v === 'number') {
        ctx.addIssue({
          code: 'custom',
          message: `write the version in quotes ("${v}"): YAML reads an unquoted 7.10 as the number 7.1`,
        });
        return z.NEVER;
      }
      return v;
    })
    .pipe(
      z
        .string()
        .regex(/^\d+(\.\d+)*[A-Za-z0-9.-]*$/, 'expected a firmware version such as 96.86.0.100 or 7.6.2c'),
    ),
  /** Why (advisory, known bug); shown in the finding. */
  reason: z.string().optional(),
});

export const rtpSchema = z
  .strictObject({ start: port, end: port })
  .refine((r) => r.start <= r.end, { message: 'rtp.start must not be above rtp.end' });

/** A duration: seconds as a number, or text such as 90s, 10m, 6h, 1d, 2w. Parsed to seconds. */
export const durationSchema = z.union([z.number().int().positive(), z.string()]).transform((v, ctx) => {
  if (typeof v === 'number') return v;
  const m = /^(\d+)\s*(s|m|h|d|w)$/.exec(v.trim());
  if (!m || Number(m[1]) <= 0) {
    ctx.addIssue({ code: 'custom', message: 'expected a duration such as 90s, 10m, 6h, 1d or 2w' });
    return z.NEVER;
  }
  return Number(m[1]) * DURATION_UNITS[m[2] as keyof typeof DURATION_UNITS];
});
export const DURATION_UNITS = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 } as const;

/** Management ports closed to everyone but the management networks, unless the policy lists its own. */
export const DEFAULT_MANAGEMENT_PORTS = [
  { name: 'ssh', port: 22, protocol: 'tcp' },
  { name: 'http', port: 80, protocol: 'tcp' },
  { name: 'https', port: 443, protocol: 'tcp' },
  { name: 'ami', port: 5038, protocol: 'tcp' },
  { name: 'esl', port: 8021, protocol: 'tcp' },
  { name: 'asterisk-http', port: 8088, protocol: 'tcp' },
  { name: 'asterisk-https', port: 8089, protocol: 'tcp' },
] as const;

const networkName = z
  .string()
  .regex(/^[a-z][a-z0-9_-]*$/, 'network names are lower-case words such as lan, voice, vpn, mgmt');

/** An update or provisioning server voice devices may reach: a name/address, or with ports. */
const updateServer = z.union([
  addressOrHost,
  z.strictObject({
    host: addressOrHost,
    /** Ports the devices may reach on it (default 80 and 443). */
    ports: z.array(port).min(1).default([80, 443]),
    protocol: z.enum(['tcp', 'udp']).default('tcp'),
  }),
]);

/**
 * Outbound traffic from the voice networks (forward chain): only to the PBX, the provider's
 * trunks, DNS, NTP and declared update servers. Absent: no egress rules (HL-POL-003 reports it).
 */
export const egressSchema = z.strictObject({
  /** Policy networks whose outbound traffic is limited (default: voice). */
  from: z.array(networkName).min(1).default(['voice']),
  /** Addresses (or names) of the PBX as the voice devices reach it: every port is allowed. */
  pbx: z.array(addressOrHost).min(1),
  /** Allow the provider's trunk addresses (every port), for phones that talk to it directly. */
  trunks: z.boolean().default(true),
  /** DNS resolvers (addresses): UDP and TCP 53. */
  dns: z.array(cidr).default([]),
  /** NTP servers (addresses or names): UDP 123. */
  ntp: z.array(addressOrHost).default([]),
  /** Firmware/provisioning servers: a name or address (TCP 80, 443), or {host, ports, protocol}. */
  update_servers: z.array(updateServer).default([]),
  /** Log dropped attempts (rate-limited) with the prefix "hardline egress drop". */
  log: z.boolean().default(true),
});

export const firewallSchema = z.strictObject({
  /** nftables table (family inet) that hardline owns; nothing else in the ruleset is touched. */
  table: z
    .string()
    .regex(/^[a-z][a-z0-9_]{0,30}$/, 'expected a short lower-case name (letters, digits, _)')
    .default('hardline'),
  /** Base chain priority on the input hook (filter is 0; lower runs earlier). */
  priority: z.number().int().min(-300).max(300).default(-10),
  /** Only traffic arriving on these interfaces is filtered; empty means every interface but lo. */
  interfaces: z
    .array(z.string().regex(/^[A-Za-z0-9_.:@-]{1,15}$/, 'expected an interface name such as eth0'))
    .default([]),
  /** detect: incidents only say whom they would ban; enforce: they ban. */
  mode: z.enum(['detect', 'enforce']).default('detect'),
  management: z
    .strictObject({
      /** Policy networks that may reach the management ports (default: mgmt and vpn, where declared). */
      networks: z.array(networkName).optional(),
      ports: z
        .array(
          z.strictObject({
            name: z.string().regex(/^[a-z][a-z0-9_-]*$/, 'expected a short lower-case name'),
            port,
            protocol: z.enum(['tcp', 'udp']).default('tcp'),
          }),
        )
        .default(DEFAULT_MANAGEMENT_PORTS.map((p) => ({ ...p }))),
    })
    .prefault({}),
  /** Per-source limits for public SIP endpoints (trunks and trusted networks are not limited). */
  rate_limit: z
    .strictObject({
      /** SIP packets per second per source address (UDP). */
      packets_per_second: z.number().int().min(1).max(100000).default(20),
      burst: z.number().int().min(1).max(100000).default(40),
      /** New TCP/TLS/WS connections per minute per source address. */
      connections_per_minute: z.number().int().min(1).max(100000).default(60),
      connection_burst: z.number().int().min(1).max(100000).default(20),
    })
    .prefault({}),
  /** UDP ports where RTP could land (PBX defaults); the part outside `rtp` is dropped. false: off. */
  rtp_guard: z
    .union([
      z.literal(false),
      z
        .strictObject({ start: port, end: port })
        .refine((r) => r.start <= r.end, { message: 'rtp_guard.start must not be above rtp_guard.end' }),
    ])
    .default({ start: 10000, end: 32767 }),
  /** Extra addresses/CIDRs that are never banned and pass the ban check (monitoring, a partner). */
  allow: z.array(cidr).default([]),
  /** Outbound rules for the voice networks (forward chain); see egressSchema. */
  egress: egressSchema.optional(),
  /** Folder for ban state, the firewall backup and the pending-apply file. */
  state_dir: z.string().min(1).default('/var/lib/hardline'),
  bans: z
    .strictObject({
      /** Ban durations for the 1st, 2nd, 3rd... offence within repeat_window; the last one repeats. */
      ladder: z.array(durationSchema).min(1).default([600, 3600, 21600, 86400, 604800]),
      /** Offences older than this are forgotten. */
      repeat_window: durationSchema.default(2592000),
      /** Maximum elements per ban set (IPv4 and IPv6 each). */
      max_elements: z.number().int().min(1).max(1000000).default(65536),
      /** When a set is full: evict the ban that expires soonest, or refuse the new ban. */
      when_full: z.enum(['evict', 'refuse']).default('evict'),
    })
    .prefault({}),
});

/** Durations: seconds as a number, or text such as `90s`, `5m`, `1h`, `7d`. */
export const duration = z
  .union([
    z.number().nonnegative(),
    z.string().regex(/^\d+(\.\d+)?(ms|s|m|h|d)$/, 'expected a duration such as 30s, 5m, 1h or 7d'),
  ])
  .transform((v) => (typeof v === 'number' ? v : parseDuration(v)));

export function parseDuration(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(text);
  if (!m) return Number.NaN;
  const mult = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400 }[m[2] as 'ms' | 's' | 'm' | 'h' | 'd'];
  return Number(m[1]) * mult;
}

const regexText = z.string().refine(
  (s) => {
    try {
      new RegExp(s);
      return true;
    } catch {
      return false;
    }
  },
  { message: 'expected a regular expression such as ^(00|011)' },
);
const count = z.number().int().min(1);
const cidrOrNetwork = z.string().refine((s) => parseCidr(s) !== undefined || /^[a-z][a-z0-9_-]*$/.test(s), {
  message: 'expected a network name from `networks` or a CIDR',
});
const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'expected a time such as 08:00');
const timezone = z.string().refine(
  (tz) => {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: tz });
      return true;
    } catch {
      return false;
    }
  },
  { message: 'expected an IANA time zone such as Europe/Berlin or UTC' },
);
export const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;

/**
 * `detection:` thresholds of `hardline watch` / `backtest`. Defaults follow the peers' starting
 * points (fail2ban, CrowdSec, Kamailio pike, Elastic); `hardline baseline` proposes site values.
 */
export const detectionSchema = z.strictObject({
  /** Keys kept per detector (sources, accounts); least recently used keys are evicted beyond it. */
  state_cap: z.number().int().min(100).max(10_000_000).default(20_000),
  /** Suggested ban duration when a detector does not set its own. */
  ban: duration.default(3600),
  /** A source that authenticated successfully within this time gets an alert, not a ban (0: off). */
  spare_authenticated: duration.default(3600),
  retention: z
    .strictObject({ events: duration.default(30 * 86400), incidents: duration.default(400 * 86400) })
    .prefault({}),
  brute_force: z
    .strictObject({
      enabled: z.boolean().default(true),
      failures: count.default(10),
      window: duration.default(300),
      ban: duration.optional(),
    })
    .prefault({}),
  distributed_brute_force: z
    .strictObject({
      enabled: z.boolean().default(true),
      failures: count.default(25),
      sources: count.default(5),
      window: duration.default(600),
    })
    .prefault({}),
  enumeration: z
    .strictObject({
      enabled: z.boolean().default(true),
      accounts: count.default(10),
      window: duration.default(120),
      ban: duration.optional(),
    })
    .prefault({}),
  scanner: z
    .strictObject({
      enabled: z.boolean().default(true),
      /** Extra User-Agent substrings (case-insensitive) on top of the built-in scanner list. */
      user_agents: z.array(z.string().min(2)).default([]),
      /** Consecutive numeric accounts probed by one source that mark a sweep. */
      sequential: count.default(5),
      window: duration.default(120),
      ban: duration.default(86400),
    })
    .prefault({}),
  request_flood: z
    .strictObject({
      enabled: z.boolean().default(true),
      per_source: z.strictObject({ max: count.default(50), window: duration.default(10) }).prefault({}),
      global: z.strictObject({ max: count.default(2000), window: duration.default(10) }).prefault({}),
      ban: duration.default(600),
    })
    .prefault({}),
  registration_network: z
    .strictObject({
      enabled: z.boolean().default(true),
      /** Alert when an account registers from a network it was never seen in. */
      first_seen: z.boolean().default(true),
      /** IPv4 / IPv6 prefix lengths that make one "network" for first-seen tracking. */
      prefix_v4: z.number().int().min(8).max(32).default(24),
      prefix_v6: z.number().int().min(16).max(128).default(48),
      /** Expected networks per account (`*` wildcards): names from `networks` or CIDRs. */
      accounts: z
        .array(z.strictObject({ account: z.string().min(1), networks: z.array(cidrOrNetwork).min(1) }))
        .default([]),
    })
    .prefault({}),
  toll_fraud: z
    .strictObject({
      enabled: z.boolean().default(true),
      international: z.array(regexText).default(['^(\\+|00|011)']),
      premium: z.array(regexText).default(['^(\\+|00|011)(870|881|882|883|979)', '^0?900', '^1900']),
      business_hours: z
        .strictObject({
          days: z.array(z.enum(WEEKDAYS)).min(1).default(['mon', 'tue', 'wed', 'thu', 'fri']),
          start: hhmm.default('08:00'),
          end: hhmm.default('18:00'),
          timezone: timezone.default('UTC'),
        })
        .optional(),
      /** Calls an account may have in progress at once. */
      concurrent_calls: count.default(10),
      /** How long a call counts as in progress when no end is seen. */
      call_duration: duration.default(600),
    })
    .prefault({}),
  cleartext: z.strictObject({ enabled: z.boolean().default(true) }).prefault({}),
  call_failures: z
    .strictObject({
      enabled: z.boolean().default(true),
      max: count.default(20),
      window: duration.default(60),
    })
    .prefault({}),
  new_user_agent: z.strictObject({ enabled: z.boolean().default(true) }).prefault({}),
});
export type Detection = z.output<typeof detectionSchema>;

const policyObject = z.strictObject({
  version: z.literal(1),
  site: z.string().optional(),
  pbxs: z.array(pbxSchema).default([]),
  endpoints: z.array(endpointSchema).default([]),
  trunks: z.array(trunkSchema).default([]),
  networks: z
    .record(
      z
        .string()
        .regex(/^[a-z][a-z0-9_-]*$/, 'network names are lower-case words such as lan, voice, vpn, mgmt'),
      z.array(cidr),
    )
    .default({}),
  rtp: rtpSchema.optional(),
  security: securitySchema.prefault({}),
  credentials: credentialsSchema.prefault({}),
  exceptions: z.array(exceptionSchema).default([]),
  probe: probeSchema.prefault({}),
  firewall: firewallSchema.prefault({}),
  detection: detectionSchema.prefault({}),
  /** Minimum firmware per phone model (User-Agent family); `hardline review` checks what watch saw. */
  firmware: z.array(firmwareSchema).default([]),
  web: webSchema.prefault({}),
  alerts: alertsSchema.prefault({}),
});

/** The policy schema: the object above plus checks across sections. */
export const policySchema = policyObject.superRefine((p, ctx) => {
  const declared = () => Object.keys(p.networks).join(', ') || 'none';
  p.firewall.management.networks?.forEach((n, i) => {
    if (!(n in p.networks))
      ctx.addIssue({
        code: 'custom',
        path: ['firewall', 'management', 'networks', i],
        message: `network '${n}' is not declared under networks (declared: ${declared()})`,
      });
  });
  p.firewall.egress?.from.forEach((n, i) => {
    if (!(n in p.networks))
      ctx.addIssue({
        code: 'custom',
        path: ['firewall', 'egress', 'from', i],
        message: `network '${n}' is not declared under networks (declared: ${declared()})`,
      });
  });
});

export type Policy = z.output<typeof policySchema>;
export type PolicyInput = z.input<typeof policySchema>;
export type Exception = Policy['exceptions'][number];
export type FirewallPolicy = Policy['firewall'];
export type EgressPolicy = NonNullable<Policy['firewall']['egress']>;
export type FirmwareMinimum = Policy['firmware'][number];

/** Is `text` a literal IP (not a hostname)? */
export function isLiteralAddress(text: string): boolean {
  return parseIp(text) !== undefined;
}
