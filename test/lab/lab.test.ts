import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { ROOT } from '../helpers.js';
import { type Lab, labPrerequisites, SKIP_LAB, withLab } from './helper.js';

/**
 * The probe against real Kamailio in a network namespace, from the `outside` namespace, plus
 * sipvicious as the attacker's view. Needs root and .ci/apt-packages; HARDLINE_SKIP_LAB=1 skips.
 */
const missing = SKIP_LAB ? undefined : labPrerequisites();
const opts = SKIP_LAB ? { skip: 'HARDLINE_SKIP_LAB=1' } : {};
const EXTS = [
  '1000',
  '1001',
  '1002',
  '1003',
  '1004',
  '1005',
  '1006',
  '1007',
  '1008',
  '1009',
  '1010',
  '1011',
  '1012',
];

const policyYaml = (lab: Lab) => `version: 1
site: lab-${lab.profile}
endpoints:
  - { host: ${lab.sip}, transport: udp, port: 5060 }
${lab.profile === 'hardened' ? `  - { host: ${lab.sip}, transport: tls, port: 5061 }\n` : ''}security: { sip_tls: preferred, srtp: required, min_tls: "1.2" }
probe:
  rate: 5
  max_time: 120
  known_extension: "1001"
  extensions: [${EXTS.map((e) => `"${e}"`).join(', ')}]
  account: { username: "1001", password_env: LAB_PW, destination: "1002" }
${lab.profile === 'hardened' ? '  ca_file: cert.pem\n' : ''}`;

interface JsonFinding {
  ruleId: string;
  target: string;
  message: string;
  evidence: string[];
}

function probe(lab: Lab): { findings: JsonFinding[]; raw: string } {
  const file = lab.policy(policyYaml(lab));
  const r = lab.run(
    process.execPath,
    [path.join(ROOT, 'bin', 'hardline.js'), 'probe', '--policy', file, '--format', 'json'],
    {
      LAB_PW: lab.password,
    },
  );
  assert.equal(r.code, 0, r.err);
  const doc = JSON.parse(r.out);
  assert.ok(
    !r.out.includes(lab.password) && !r.err.includes(lab.password),
    'the test account password never appears',
  );
  return { findings: doc.findings, raw: r.out };
}

const ids = (fs: JsonFinding[]) => [...new Set(fs.map((f) => f.ruleId))].sort();

describe('lab: hardline probe against Kamailio from outside', { timeout: 600_000 }, () => {
  it('prerequisites: root and the lab packages (or HARDLINE_SKIP_LAB=1)', opts, () => {
    assert.equal(missing, undefined, missing);
  });

  it(
    'weak profile: open registration, toll-fraud path, enumeration, banner, OPTIONS, no SRTP, no rate limit; svwar agrees',
    opts,
    async () => {
      assert.equal(missing, undefined, missing);
      await withLab('weak', async (lab) => {
        // The attacker's view first (svwar is what attackers run), then the probe.
        const svmap = lab.run('svmap', [lab.sip], {}, 60_000);
        assert.match(svmap.out, /198\.18\.1\.1:5060.*kamailio/i, svmap.out + svmap.err);
        const svwar = lab.run('svwar', ['-e1000-1012', '-m', 'REGISTER', lab.sip], {}, 120_000);
        const found = [...svwar.out.matchAll(/^\|\s*(\d+)\s*\|/gm)].map((m) => m[1]!);
        assert.ok(found.length >= 5, `svwar found extensions: ${svwar.out}${svwar.err}`);

        const { findings } = probe(lab);
        const got = ids(findings);
        for (const id of [
          'PRB-AUTH-001',
          'PRB-AUTH-002',
          'PRB-ENUM-001',
          'PRB-EXP-002',
          'PRB-EXP-003',
          'PRB-RATE-001',
          'PRB-SRTP-001',
        ])
          assert.ok(got.includes(id), `weak lab must report ${id}; got ${got.join(', ')}`);
        const enumerable = findings
          .filter((f) => f.ruleId === 'PRB-ENUM-001')
          .map((f) => f.target.split('/ext/')[1]);
        for (const ext of found)
          assert.ok(
            enumerable.includes(ext),
            `svwar found ${ext}; the probe must report it as enumerable (${enumerable.join(',')})`,
          );
        const banner = findings.find((f) => f.ruleId === 'PRB-EXP-002')!;
        assert.match(banner.message, /kamailio \(5\.6/);
        const fraud = findings.find((f) => f.ruleId === 'PRB-AUTH-002')!;
        assert.ok(
          fraud.evidence.some((l) => /^INVITE sip:\+442079460000@/.test(l)),
          'the exact request is the evidence',
        );
        assert.ok(
          fraud.evidence.some((l) => /^SIP\/2\.0 (180|183|200)/.test(l)),
          'and the answer',
        );
      });
    },
  );

  it('hardened profile: none of the weak findings; TLS 1.2+ with a trusted certificate', opts, async () => {
    assert.equal(missing, undefined, missing);
    await withLab('hardened', async (lab) => {
      const { findings, raw } = probe(lab);
      const got = ids(findings);
      for (const id of [
        'PRB-AUTH-001',
        'PRB-AUTH-002',
        'PRB-ENUM-001',
        'PRB-EXP-002',
        'PRB-EXP-003',
        'PRB-RATE-001',
        'PRB-SRTP-001',
        'PRB-TLS-001',
        'PRB-TLS-002',
        'PRB-TLS-003',
      ])
        assert.ok(
          !got.includes(id),
          `hardened lab must not report ${id}: ${JSON.stringify(findings.filter((f) => f.ruleId === id).map((f) => f.message))}`,
        );
      const doc = JSON.parse(raw);
      const notes = doc.sources.flatMap((s: { blindSpots: string[] }) => s.blindSpots).join('\n');
      assert.match(notes, /PRB-RATE-001: cut off after \d+ of \d+/, 'the burst was cut off by pike');
      assert.doesNotMatch(notes, /PRB-SRTP-001/, 'the SRTP check ran with the test account');
    });
  });
});
