import { createHash } from 'node:crypto';
import path from 'node:path';
import type { Span } from '../../core/span.js';
import { type CommonSource, defineCommonRule, type SharedSecret } from '../../pbx/common.js';

interface Holder {
  source: CommonSource;
  secret: SharedSecret;
}

const hash = (v: string) => createHash('sha256').update(v).digest('hex');

export default defineCommonRule({
  id: 'HL-CRED-001',
  title: 'One secret reused across accounts or PBXs',
  severity: 'high',
  step: 'authentication',
  docs: {
    why: 'A secret used by several SIP accounts, management interfaces, databases or PBXs falls everywhere at once: cracking one phone account, reading one provisioning file or one leaked database URL opens all the others, and no log can tell which device a login really came from. On FreeSWITCH every stock user shares vars.xml default_password.',
    fix: 'Give every account, interface and database user its own random secret, and rotate the ones that were shared. Across PBXs (Kamailio database, FreeSWITCH ESL, Asterisk AMI) never reuse one password.',
    refs: ['NIST SP 800-63B section 5.1.1', 'OWASP Credential Stuffing Prevention'],
  },
  messages: {
    shared: '{owner} shares its secret with {count} other account(s): {others}',
  },
  check(v, ctx) {
    const relevant = (s: SharedSecret) => s.purpose !== 'voicemail' && s.purpose !== 'other';
    const groups = new Map<string, Holder[]>();
    for (const src of [v, ...v.others]) {
      for (const s of src.secrets) {
        if (!relevant(s)) continue;
        const h = hash(s.value);
        const list = groups.get(h) ?? [];
        list.push({ source: src, secret: s });
        groups.set(h, list);
      }
    }
    const reported = new Set<string>();
    for (const s of v.secrets) {
      if (!relevant(s) || reported.has(s.owner)) continue;
      const all = groups.get(hash(s.value)) ?? [];
      // Within one Asterisk, AST-AUTH-002 reports reuse; here only reuse with another PBX counts.
      const others = all.filter(
        (h) => !(h.source === v && h.secret.owner === s.owner) && (v.kind !== 'asterisk' || h.source !== v),
      );
      const owners = [
        ...new Set(
          others.map((h) => (h.source === v ? h.secret.owner : `${h.source.source}:${h.secret.owner}`)),
        ),
      ];
      if (owners.length === 0) continue;
      reported.add(s.owner);
      const related: Span[] = others.map((h) =>
        h.source === v
          ? { file: h.secret.file, line: h.secret.line }
          : { file: path.join(h.source.root, h.secret.file), line: h.secret.line },
      );
      ctx.report({
        messageId: 'shared',
        data: {
          owner: s.owner,
          count: owners.length,
          others:
            owners.length > 5
              ? `${owners.slice(0, 5).join(', ')} and ${owners.length - 5} more`
              : owners.join(', '),
        },
        at: { file: s.file, line: s.line },
        target: s.owner,
        related,
      });
    }
  },
});
