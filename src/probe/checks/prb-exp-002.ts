import { defineCheck, endpointId } from '../check.js';
import {
  bannerReveals,
  exchangeEvidence,
  randomExtension,
  sendOptions,
  sendRegister,
  withConnection,
} from '../util.js';

export default defineCheck({
  id: 'PRB-EXP-002',
  title: 'Server or User-Agent header reveals software and version',
  severity: 'low',
  step: 'exposure',
  scope: 'endpoint',
  order: 20,
  sends:
    'One OPTIONS and one REGISTER for a random extension, both without credentials; reads the Server and User-Agent headers of every answer and reports a product name (info) or a product with a version number (low).',
  docs: {
    why: 'svmap and Shodan fingerprint SIP servers by their Server and User-Agent headers; a product name with its exact version tells an attacker which published vulnerabilities and default credentials to try, and lets mass scanners pick the box out of millions.',
    fix: 'Set a generic banner: Asterisk pjsip.conf [global] user_agent = PBX (and useragent in sip.conf); FreeSWITCH sofia profile user-agent-string; Kamailio server_header="Server: PBX", user_agent_header="User-Agent: PBX" and server_signature=no.',
    refs: ['https://github.com/EnableSecurity/sipvicious/wiki/SVMap-Usage', 'RFC 3261 section 20.35'],
  },
  messages: {
    version: '{header} header names the software and its version: {value}',
    software: '{header} header names the software: {value}',
  },
  async run(ctx) {
    const r = await withConnection(ctx, async (_conn, client) => [
      await sendOptions(ctx, client),
      await sendRegister(ctx, client, randomExtension()),
    ]);
    if ('error' in r) {
      ctx.note(`no connection: ${r.error.message}`);
      return;
    }
    const seen = new Set<string>();
    for (const ex of r.value) {
      for (const resp of ex.responses) {
        for (const header of ['Server', 'User-Agent']) {
          const value = resp.get(header);
          if (!value || seen.has(`${header}:${value}`)) continue;
          seen.add(`${header}:${value}`);
          const b = bannerReveals(value);
          if (!b.software && !b.version) continue;
          ctx.report({
            messageId: b.version ? 'version' : 'software',
            data: { header, value },
            severity: b.version ? 'low' : 'info',
            target: `${endpointId(ctx.target)}/banner`,
            evidence: exchangeEvidence(ex),
          });
        }
      }
    }
  },
});
