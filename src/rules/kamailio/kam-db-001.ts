import { assessPassword } from '../../credentials/strength.js';
import { dbUrls } from '../../pbx/kamailio/common.js';
import { defineKamailioRule } from '../../pbx/kamailio/rule.js';

/** Credentials shipped in Kamailio's stock cfg and kamctlrc. */
const STOCK = new Set(['kamailiorw', 'kamailioro', 'openserrw', 'openserro']);

export default defineKamailioRule({
  id: 'KAM-DB-001',
  title: 'Database URL with the stock or a weak password',
  severity: 'high',
  step: 'authentication',
  policy: { uses: ['credentials'], without: 'defaults' },
  docs: {
    why: 'The stock cfg and kamctlrc use `mysql://kamailio:kamailiorw@localhost/kamailio`. That database holds subscriber passwords (often in clear or as HA1), the permissions address table and the location table: whoever reaches the database with the known password adds himself a trusted address or an account.',
    fix: 'Create the database user with a long random password (kamdbctl create asks for it; also set DBRWPW in kamctlrc) and put it in DBURL; restrict the database to localhost or the proxy addresses.',
    refs: ['Kamailio etc/kamailio.cfg (DBURL)', 'Kamailio utils/kamctl/kamctlrc (DBRWPW)'],
  },
  messages: {
    stock: 'database URL for {module} uses the stock password of user {user}',
    weak: 'database URL for {module} has a weak password ({reasons})',
  },
  check(m, ctx) {
    const seen = new Set<string>();
    for (const u of dbUrls(m)) {
      const key = `${u.file}:${u.line}`;
      if (seen.has(key)) continue;
      const stock = STOCK.has(u.password.toLowerCase());
      const a = stock ? undefined : assessPassword(u.password, [u.user, 'kamailio'], ctx.policy.credentials);
      if (!stock && !a?.weak) continue;
      seen.add(key);
      ctx.report({
        messageId: stock ? 'stock' : 'weak',
        data: { module: u.module, user: u.user, reasons: a?.reasons.join('; ') ?? '' },
        at: { file: u.file, line: u.line },
        target: `kamailio:db/${u.user}@${u.host || 'localhost'}`,
        ...(key !== `${u.use.file}:${u.use.line}` ? { related: [u.use] } : {}),
        ...(stock ? {} : { severity: 'medium' as const }),
      });
    }
  },
});
