import { RELAY_FUNCS, requestFlow } from '../../pbx/kamailio/checks.js';
import { defineKamailioRule } from '../../pbx/kamailio/rule.js';

export default defineKamailioRule({
  id: 'KAM-AUTH-002',
  title: 'Requests relayed without authentication or a fixed destination (open relay)',
  severity: 'critical',
  step: 'authentication',
  docs: {
    why: 'A `t_relay()` that forwards a request to whatever the Request-URI names, with no caller authentication, no source check and no `uri!=myself` refusal on its path, is an open SIP relay: a stranger sends INVITE sip:+44...@your-carrier and your proxy forwards it from its own address, which the carrier trusts. The stock cfg guards this in route[AUTH] ("Not relaying"); custom edge configs often drop the guard.',
    fix: 'Before relaying, either authenticate local callers (`auth_check`), accept only known sources (`ds_is_from_list()`, `allow_source_address()` with a tight table), or pin the destination (`ds_select_dst()` to the PBX, `lookup("location")` for local users) and reply 403 to requests for foreign domains (`if (uri!=myself) { sl_send_reply("403", "Not relaying"); exit; }`).',
    refs: [
      'Kamailio etc/kamailio.cfg (route[AUTH], "Not relaying")',
      'RFC 3261 section 16 (proxy behaviour)',
    ],
  },
  messages: {
    relay:
      '{call}() in {route} can forward a request that was neither authenticated, nor source-checked, nor given a destination by the proxy on its way from request_route',
  },
  check(m, ctx) {
    const flow = requestFlow(m);
    const seen = new Set<string>();
    for (const e of flow) {
      if (e.kind !== 'call' || !RELAY_FUNCS.has(e.call.name) || e.guarded) continue;
      // t_relay_to_udp("host", "port") and friends with an explicit target are not open.
      if (e.call.args.length > 0 && e.call.name !== 't_relay') continue;
      const key = `${e.call.file}:${e.call.line}`;
      if (seen.has(key)) continue;
      seen.add(key);
      ctx.report({
        messageId: 'relay',
        data: {
          call: e.call.name,
          route: e.route === 'request_route' ? 'request_route' : `route[${e.route}]`,
        },
        at: { file: e.call.file, line: e.call.line },
        target: `kamailio:route/${e.route}/${e.call.name}`,
      });
    }
  },
});
