import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { kamailioCommon } from '../../src/pbx/kamailio/common.js';
import { loadKamailio } from '../../src/pbx/kamailio/model.js';

function cfg(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'hl-kamm-'));
  for (const [rel, text] of Object.entries(files)) {
    const p = path.join(dir, rel);
    mkdirSync(path.dirname(p), { recursive: true });
    writeFileSync(p, text);
  }
  return dir;
}

const ROUTES = `
loadmodule "tm.so"
loadmodule "registrar.so"
modparam("registrar|usrloc", "max_contacts", 2)
request_route {
	route(CHECK);
	if (is_method("REGISTER")) {
		if (!www_authorize("", "subscriber")) {
			www_challenge("", "0");
			exit;
		}
		save("location");
		exit;
	}
	if (uri != myself) {
		sl_send_reply("403", "Not relaying");
		exit;
	}
	route(RELAY);
}
route[CHECK] {
	if (!is_method("ACK")) return;
	route(CHECK);
}
route[RELAY] {
	t_relay();
}
failure_route[FAIL] {
	route(RELAY);
}
`;

describe('Kamailio model', () => {
  it('parses loadmodule, modparam (module lists), routes and the route call graph', () => {
    const m = loadKamailio(cfg({ 'kamailio.cfg': ROUTES }));
    assert.deepEqual(
      m.modules.map((x) => x.name),
      ['tm', 'registrar'],
    );
    assert.equal(m.modparam('usrloc', 'max_contacts')?.value, '2');
    assert.deepEqual(
      m.routes.map((r) => `${r.kind}:${r.name}`),
      ['request:', 'route:CHECK', 'route:RELAY', 'failure:FAIL'],
    );
    assert.deepEqual([...m.callGraph.get('request_route')!], ['CHECK', 'RELAY']);
    assert.deepEqual([...m.callGraph.get('CHECK')!], ['CHECK']);
  });

  it('lays routes out in execution order with route() inlined once per call chain (recursion stops)', () => {
    const m = loadKamailio(cfg({ 'kamailio.cfg': ROUTES }));
    const calls = m
      .flow(m.route('request')!)
      .flatMap((e) => (e.kind === 'call' ? [`${e.call.name}@${e.route}`] : []));
    assert.deepEqual(calls, [
      'route@request_route',
      'is_method@CHECK',
      'route@CHECK',
      'is_method@request_route',
      'www_authorize@request_route',
      'www_challenge@request_route',
      'save@request_route',
      'sl_send_reply@request_route',
      'route@request_route',
      't_relay@RELAY',
    ]);
  });

  it('marks a step guarded only when every path to it passed a check', () => {
    const m = loadKamailio(cfg({ 'kamailio.cfg': ROUTES }));
    const flow = m.flow(m.route('request')!);
    const at = (name: string) => flow.find((e) => e.kind === 'call' && e.call.name === name)!;
    assert.equal(at('www_challenge').guarded, false, 'inside the failed-auth branch nothing is guarded');
    assert.equal(at('save').guarded, true, 'after if (!www_authorize) { exit }');
    assert.equal(at('t_relay').guarded, true, 'after if (uri != myself) { 403; exit }');
    const open = loadKamailio(
      cfg({
        'kamailio.cfg':
          'request_route {\n if (is_method("INVITE")) { lookup("location"); }\n t_relay();\n}\n',
      }),
    );
    const relay = open
      .flow(open.route('request')!)
      .find((e) => e.kind === 'call' && e.call.name === 't_relay')!;
    assert.equal(relay.guarded, false, 'a lookup on one branch only does not guard the merge');
  });

  it('reads the permissions address file (mask 0 is a host route) and tls.cfg profiles', () => {
    const m = loadKamailio(
      cfg({
        'kamailio.cfg':
          'enable_tls=yes\nloadmodule "tls.so"\nloadmodule "permissions.so"\nmodparam("tls", "config", "/etc/kamailio/tls.cfg")\nmodparam("permissions", "address_file", "address.list")\n',
        'tls.cfg': '[server:default]\nmethod = TLSv1.2+\n\n[client:default]\nverify_certificate = no\n',
        'address.list': '# comment\n1 10.0.0.0 8\n1 0.0.0.0 0 0 tag\n2 [2001:db8::1]\n',
      }),
    );
    assert.deepEqual(
      m.addressFile?.rows.map((r) => `${r.group} ${r.cidr.text}`),
      ['1 10.0.0.0/8', '1 0.0.0.0/32', '2 2001:db8::1/128'],
    );
    assert.deepEqual(
      m.tls?.profiles.map((p) => `${p.role}:${p.domain}`),
      ['server:default', 'client:default'],
    );
    const tls = kamailioCommon(m).tls;
    assert.deepEqual(
      tls.map((t) => `${t.owner} ${t.minVersion} verify=${t.verifyPeer}`),
      ['kamailio:tls/server:default 1.2 verify=false', 'kamailio:tls/client:default 1 verify=false'],
    );
    assert.deepEqual(m.files, ['kamailio.cfg', 'tls.cfg', 'address.list']);
  });

  it('finds the cfg under another name and says when routing is in a KEMI script', () => {
    const m = loadKamailio(
      cfg({
        'edge.cfg': '#!KAMAILIO\nloadmodule "app_jsdt.so"\ncfgengine "jsdt"\n',
        'tls.cfg': '[server:default]\n',
      }),
    );
    assert.equal(m.mainFile, 'edge.cfg');
    assert.equal(m.kemi?.engine, 'jsdt');
    assert.ok(m.blindSpots.some((b) => b.includes('KEMI')));
  });

  it('parses the stock kamailio.cfg of the installed package with every feature switched on', {
    skip: !existsSync('/etc/kamailio/kamailio.cfg') && 'kamailio is not installed',
  }, () => {
    const m = loadKamailio('/etc/kamailio', {
      defines: [
        'WITH_AUTH',
        'WITH_MYSQL',
        'WITH_IPAUTH',
        'WITH_NAT',
        'WITH_TLS',
        'WITH_ANTIFLOOD',
        'WITH_JSONRPC',
        'WITH_PRESENCE',
        'WITH_USRLOCDB',
      ],
    });
    assert.deepEqual(m.diagnostics, []);
    assert.ok(m.route('event', 'xhttp:request'));
    assert.ok(m.hasModule('pike') && m.hasModule('permissions') && m.hasModule('tls'));
    const flow = m.flow(m.route('request')!);
    assert.ok(flow.some((e) => e.kind === 'call' && e.call.name === 'auth_check'));
  });
});
