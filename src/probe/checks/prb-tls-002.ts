import { tlsHandshake } from '../../sip/transport/index.js';
import { defineCheck, endpointId } from '../check.js';

export default defineCheck({
  id: 'PRB-TLS-002',
  title: 'TLS certificate not trusted or not issued for the endpoint name',
  severity: 'high',
  step: 'transport',
  scope: 'endpoint',
  transports: ['tls', 'wss'],
  order: 71,
  sends:
    "One TLS handshake (no SIP). The chain is verified against the system trust store plus probe.ca_file; separately, the leaf certificate's names are checked against the endpoint (its DNS name, or its IP address for an address).",
  docs: {
    why: 'Phones that accept an untrusted or mismatched certificate (or are told to skip verification because the server never had a valid one) can be intercepted by anyone on the path: SIP passwords, call metadata and the SRTP keys in SDP leak to a man in the middle.',
    fix: 'Install a certificate from a CA the phones trust (a public CA, or your own CA listed in hardline.yaml probe.ca_file) whose subjectAltName holds the name phones use (hardline.yaml endpoints host); include the intermediate certificates in the chain file.',
    refs: ['RFC 5922 (SIP domain certificates)', 'RFC 5280'],
  },
  messages: {
    untrusted: 'the certificate chain does not verify: {error} (subject {subject}, issuer {issuer})',
    hostname: 'the certificate is not valid for {name}: {error}',
  },
  async run(ctx) {
    await ctx.pace();
    let info: Awaited<ReturnType<typeof tlsHandshake>>;
    try {
      info = await tlsHandshake(ctx.target, ctx.connectOptions);
    } catch (e) {
      return ctx.note(`no TLS handshake: ${(e as Error).message}`);
    }
    const leaf = info.chain[0];
    const evidence = [
      `negotiated ${info.protocol}, cipher ${info.cipher}`,
      ...info.chain.map(
        (c, i) =>
          `chain[${i}] subject ${c.subject}; issuer ${c.issuer}; SAN ${c.subjectAltName || '-'}; valid ${c.validFrom} .. ${c.validTo}`,
      ),
    ];
    if (!info.authorized)
      ctx.report({
        messageId: 'untrusted',
        data: {
          error: info.authorizationError ?? 'unknown',
          subject: leaf?.subject ?? '-',
          issuer: leaf?.issuer ?? '-',
        },
        target: `${endpointId(ctx.target)}/certificate`,
        evidence,
      });
    const name = ctx.target.servername ?? ctx.target.host;
    if (info.hostnameError)
      ctx.report({
        messageId: 'hostname',
        data: { name, error: info.hostnameError },
        target: `${endpointId(ctx.target)}/certificate-name`,
        evidence,
      });
  },
});
