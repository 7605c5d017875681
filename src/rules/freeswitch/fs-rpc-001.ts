import { assessPassword } from '../../credentials/strength.js';
import { defineFreeswitchRule } from '../../pbx/freeswitch/rule.js';
import { spanOf } from '../../pbx/freeswitch/xml.js';

export default defineFreeswitchRule({
  id: 'FS-RPC-001',
  title: 'mod_xml_rpc with default, weak or no credentials',
  severity: 'critical',
  step: 'exposure',
  policy: { uses: ['credentials'], without: 'defaults' },
  docs: {
    why: 'mod_xml_rpc serves the FreeSWITCH API over HTTP on every interface (port 8080): any API command, including originate and system. The stock xml_rpc.conf uses auth-user `freeswitch` / auth-pass `works`; without auth-realm/auth-user the API needs no authentication at all.',
    fix: 'Unload mod_xml_rpc if nothing uses it (modules.conf). Otherwise set a unique `auth-user` and a long random `auth-pass`, and firewall its port to the management network.',
    refs: ['FreeSWITCH conf/vanilla/autoload_configs/xml_rpc.conf.xml', 'FreeSWITCH mod_xml_rpc'],
  },
  messages: {
    none: 'mod_xml_rpc is loaded without auth-user/auth-pass: the HTTP API on port {port} needs no authentication',
    weak: 'mod_xml_rpc password is weak ({reasons})',
  },
  check(m, ctx) {
    const rpc = m.configs.get('xml_rpc.conf');
    if (!rpc || !m.moduleLoaded('mod_xml_rpc')) return;
    const user = rpc.settings.get('auth-user');
    const pass = rpc.settings.get('auth-pass');
    const port = rpc.settings.value('http-port') ?? '8080';
    if (!user?.value || !pass?.value) {
      ctx.report({
        messageId: 'none',
        data: { port },
        at: spanOf(pass ?? user ?? rpc.settingsAt),
        target: 'freeswitch:xml_rpc',
      });
      return;
    }
    const a = assessPassword(pass.value, [user.value, 'freeswitch'], ctx.policy.credentials);
    if (!a.weak) return;
    ctx.report({
      messageId: 'weak',
      data: { reasons: a.reasons.join('; ') },
      at: { file: pass.file, line: pass.line },
      target: 'freeswitch:xml_rpc',
    });
  },
});
