import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { renderJson } from '../../src/report/json.js';
import { audit, FIXTURES, ROOT } from '../helpers.js';
import { labPrerequisites, SKIP_LAB, withLab } from './helper.js';

/**
 * `hardline review --run-probe` against the real Kamailio of the weak lab, from the outside
 * namespace: the probe runs inside the review, its banner gives the version, and the exposure
 * section is filled. Needs root and .ci/apt-packages; HARDLINE_SKIP_LAB=1 skips.
 */
const missing = SKIP_LAB ? undefined : labPrerequisites();
const opts = SKIP_LAB ? { skip: 'HARDLINE_SKIP_LAB=1' } : {};

describe('lab: hardline review --run-probe against Kamailio', { timeout: 300_000 }, () => {
  it('probes the lab inside the review and judges what it found', opts, async () => {
    assert.equal(missing, undefined, missing);
    await withLab('weak', async (lab) => {
      const policy = lab.policy(
        [
          'version: 1',
          'site: lab review',
          'endpoints:',
          `  - { host: ${lab.sip}, transport: udp, port: 5060 }`,
          'probe: { rate: 10, max_time: 60, extensions: ["1000", "1001"], burst: 10 }',
          '',
        ].join('\n'),
      );
      // The audit part comes from a saved report (the lab's Kamailio config is not the point here).
      const auditFile = path.join(lab.dir, 'audit.json');
      const dir = path.join(FIXTURES, 'policy', 'HL-POL-003', 'good');
      writeFileSync(auditFile, renderJson({ ...(await audit(dir)), root: dir }));
      const r = lab.run(
        process.execPath,
        [
          path.join(ROOT, 'bin', 'hardline.js'),
          'review',
          '--policy',
          policy,
          '--audit',
          auditFile,
          '--run-probe',
          '--no-host',
          '--state-dir',
          path.join(lab.dir, 'reviews'),
          '--format',
          'json',
        ],
        {},
        200_000,
      );
      assert.equal(r.code, 0, r.err);
      const review = JSON.parse(r.out);
      assert.equal(review.inputs.probe.origin, 'run now');
      assert.deepEqual(review.inputs.probe.targets, [`udp:${lab.sip}:5060`]);
      const probeIds = new Set(
        (review.findings as { origin: string; ruleId: string }[])
          .filter((f) => f.origin === 'probe')
          .map((f) => f.ruleId),
      );
      for (const id of ['PRB-AUTH-002', 'PRB-EXP-002', 'PRB-EXP-003'])
        assert.ok(probeIds.has(id), `the weak lab gives ${id}: ${[...probeIds].join(', ')}`);
      const judged = review.versions.judged as { version: string; note?: string }[];
      assert.ok(
        judged.some(
          (j) => /^kamailio \d+\.\d+/.test(j.version) && /no advisory table for kamailio/.test(j.note ?? ''),
        ),
        JSON.stringify(review.versions),
      );
      assert.notEqual(review.exposure, null);
      assert.ok(!review.unseen.some((u: string) => /^no probe results/.test(u)));
    });
  });
});
