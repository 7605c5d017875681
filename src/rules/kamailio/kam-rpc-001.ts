import { cidrCovers, parseCidr } from '../../net/address.js';
import { bindScopeOf, trustedCidrs } from '../../pbx/common.js';
import { isCall, SOURCE_FUNCS } from '../../pbx/kamailio/checks.js';
import { defineKamailioRule } from '../../pbx/kamailio/rule.js';

const DISPATCH = new Set(['jsonrpc_dispatch', 'xhttp_rpc_dispatch', 'dispatch_rpc']);

export default defineKamailioRule({
  id: 'KAM-RPC-001',
  title: 'JSON-RPC over HTTP not limited to loopback',
  severity: 'high',
  step: 'exposure',
  policy: { uses: ['networks'], without: 'defaults' },
  docs: {
    why: 'With xhttp, `event_route[xhttp:request]` answers HTTP on the SIP listeners (TCP 5060 included). If it calls `jsonrpc_dispatch()` without checking the source, anyone who reaches the SIP port runs RPC commands: reload dispatcher or permissions tables, list registered users, change configuration, kill dialogs. The stock cfg guards it with `if(src_ip!=127.0.0.1)`.',
    fix: 'Start event_route[xhttp:request] with `if (src_ip!=127.0.0.1) { xhttp_reply("403", "Forbidden", "", ""); exit; }` (or a check against your management network), or drop xhttp/JSON-RPC over HTTP and use the local FIFO or unix socket (kamcmd, kamctl).',
    refs: [
      'Kamailio etc/kamailio.cfg (WITH_JSONRPC, event_route[xhttp:request])',
      'Kamailio jsonrpcs module README',
    ],
  },
  messages: {
    open: '{call}() answers HTTP requests from any source (no src_ip check in event_route[xhttp:request] before it)',
    wide: '{call}() is reachable from sources beyond loopback and the trusted networks ({guard})',
  },
  check(m, ctx) {
    if (!m.hasModule('xhttp')) return;
    const r = m.route('event', 'xhttp:request');
    if (!r) return;
    const listens = m.globals.filter((g) => g.name.toLowerCase() === 'listen');
    if (
      listens.length > 0 &&
      listens.every((l) => {
        const host = /^(?:[a-z]+:)?(\[[^\]]+\]|[^:\s]+)/i.exec(l.value)?.[1] ?? '';
        return bindScopeOf(host) === 'loopback';
      })
    )
      return;
    const flow = m.flow(r);
    const trusted = trustedCidrs(ctx.policy);
    const guards: string[] = [];
    let ok = false;
    for (const e of flow) {
      if (isCall(e, SOURCE_FUNCS)) ok = true;
      if (e.kind === 'cond' && /(src_ip|\$si)\s*(==|!=|=~)/.test(e.cond.text)) {
        const addrs = (e.cond.text.match(/[0-9a-f.:]+(?:\/\d+)?/gi) ?? [])
          .map((t) => parseCidr(t))
          .filter((c) => c !== undefined);
        if (addrs.length && addrs.every((c) => trusted.some((t) => cidrCovers(t, c)))) ok = true;
        else guards.push(e.cond.text);
      }
      if (e.kind !== 'call' || !DISPATCH.has(e.call.name) || ok) continue;
      ctx.report({
        messageId: guards.length ? 'wide' : 'open',
        data: { call: e.call.name, guard: guards.join(', ') },
        at: { file: e.call.file, line: e.call.line },
        target: 'kamailio:xhttp/rpc',
        ...(guards.length ? { severity: 'medium' as const } : {}),
      });
      return;
    }
  },
});
