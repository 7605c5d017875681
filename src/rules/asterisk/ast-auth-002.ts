import { createHash } from 'node:crypto';
import { spanOf } from '../../pbx/asterisk/helpers.js';
import type { SecretRef } from '../../pbx/asterisk/model.js';
import { defineAsteriskRule } from '../../pbx/asterisk/rule.js';

export default defineAsteriskRule({
  id: 'AST-AUTH-002',
  title: 'One secret used by several accounts',
  severity: 'high',
  step: 'authentication',
  docs: {
    why: "When several SIP accounts, AMI or ARI users share one secret, cracking one (or reading it off one phone's provisioning file) opens all of them, and no log can tell which device a login really came from.",
    fix: 'Give every account its own random secret; rotate the ones that were shared.',
    refs: ['https://docs.asterisk.org/Configuration/Channel-Drivers/SIP/Configuring-res_pjsip/'],
  },
  messages: {
    shared: '{owner} shares its secret with {count} other account(s): {others}',
  },
  check(m, ctx) {
    const groups = new Map<string, SecretRef[]>();
    for (const s of m.secrets) {
      if (s.kind === 'voicemail-pin' || s.kind === 'other') continue;
      const h = createHash('sha256').update(s.value).digest('hex');
      const list = groups.get(h) ?? [];
      list.push(s);
      groups.set(h, list);
    }
    for (const list of groups.values()) {
      const owners = [...new Set(list.map((s) => s.owner))];
      if (owners.length < 2) continue;
      for (const s of list) {
        const others = owners.filter((o) => o !== s.owner);
        ctx.report({
          messageId: 'shared',
          data: { owner: s.owner, count: others.length, others: others.join(', ') },
          at: spanOf(s),
          target: s.owner,
          related: list.filter((x) => x !== s).map(spanOf),
        });
      }
    }
  },
});
