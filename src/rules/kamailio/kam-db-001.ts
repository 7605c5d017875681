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
    stock: 'database URL (used by {modules}) has the stock password of user {user}',
    weak: 'database URL (used by {modules}) has a weak password ({reasons})',
  },
  check(m, ctx) {
    // One finding per place the URL is written (a define used by several modules counts once).
    const byPlace = new Map<string, ReturnType<typeof dbUrls>>();
    for (const u of dbUrls(m)) {
      const key = `${u.file}:${u.line}`;
      byPlace.set(key, [...(byPlace.get(key) ?? []), u]);
    }
    for (const [key, uses] of byPlace) {
      const u = uses[0]!;
      const stock = STOCK.has(u.password.toLowerCase());
      const a = stock ? undefined : assessPassword(u.password, [u.user, 'kamailio'], ctx.policy.credentials);
      if (!stock && !a?.weak) continue;
      const modules = [...new Set(uses.map((x) => x.module))].join(', ');
      ctx.report({
        messageId: stock ? 'stock' : 'weak',
        data: { modules, user: u.user, reasons: a?.reasons.join('; ') ?? '' },
        at: { file: u.file, line: u.line },
        target: `kamailio:db/${u.user}@${u.host || 'localhost'}`,
        related: uses.map((x) => x.use).filter((s) => `${s.file}:${s.line}` !== key),
        ...(stock ? {} : { severity: 'medium' as const }),
      });
    }
  },
});
