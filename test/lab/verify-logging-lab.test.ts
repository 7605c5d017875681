import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { ROOT } from '../helpers.js';
import { bg, type Lab, labPrerequisites, SKIP_LAB, withLab } from './helper.js';

/**
 * `hardline probe --verify-logging` (PRB-LOG-001) against real components: the hardened lab
 * Kamailio (digest auth on REGISTER and INVITE) mirrors every SIP message as HEP v3 (siptrace) to
 * `hardline watch --hep` in the sip namespace, whose SQLite store is on disk; the probe runs from
 * `outside` and reads that store (--watch-db).
 *
 * 1. Feed intact: every failing REGISTER/INVITE is found as an auth-failure from the probe's
 *    address: no finding, exit 0.
 * 2. Feed cut: watch is moved to another HEP port (a collector that moved, or a new watch unit
 *    with a different --hep) while Kamailio's siptrace still mirrors to the old one, where nothing
 *    listens. Everything is "up": Kamailio answers, watch runs and its store is fresh; only the
 *    path between them is broken, which is how monitoring silently breaks in practice. Every
 *    attempt is a finding (invisible), exit 1.
 * 3. Wrong address: a HEP relay on the old port forwards to watch but stamps its own address
 *    in place of the probe's (like a relay or a front proxy): the events arrive, but name an
 *    address nobody could ban, and PRB-LOG-001 says so.
 * Needs root and .ci/apt-packages; HARDLINE_SKIP_LAB=1 skips.
 */
const missing = SKIP_LAB ? undefined : labPrerequisites();
const opts = SKIP_LAB ? { skip: 'HARDLINE_SKIP_LAB=1' } : {};

const BIN = path.join(ROOT, 'bin', 'hardline.js');
const RELAY = path.join(ROOT, 'test', 'lab', 'hep-relay.mjs');
const OUTSIDE = '198.18.1.2';
const HEP_ADDR = '198.18.2.1';
const HEP_PORT = 9060;
const MOVED_PORT = 9061;

interface JsonReport {
  findings: { ruleId: string; target: string; message: string; evidence?: string[] }[];
  rulesRun: string[];
  sources: { blindSpots: string[] }[];
}

function verify(lab: Lab, policy: string, db: string, attempts: number, wait: number) {
  const r = lab.run(
    process.execPath,
    [
      BIN,
      'probe',
      '--policy',
      policy,
      '--verify-logging',
      '--watch-db',
      db,
      '--verify-attempts',
      String(attempts),
      '--verify-wait',
      String(wait),
      '--fail-on',
      'high',
      '--format',
      'json',
    ],
    {},
    90_000,
  );
  assert.ok(r.code === 0 || r.code === 1, `probe exit ${r.code}: ${r.err}${r.out.slice(0, 2000)}`);
  const report = JSON.parse(r.out) as JsonReport;
  assert.deepEqual(report.rulesRun, ['PRB-LOG-001'], 'only the logging verification runs');
  return { code: r.code, report, notes: report.sources.flatMap((x) => x.blindSpots).join('\n') };
}

const verdicts = (rep: JsonReport) =>
  rep.findings.map((f) => [f.ruleId, f.target.replace(/^.*\/logging\//, '')]).sort();

/** The probe's markers in a report: the made-up users hlv + hex. */
const markers = (text: string) => [...new Set(text.match(/\bhlv[0-9a-f]{6}\d+\b/g) ?? [])].sort();

function storedEvents(db: string, marker: string) {
  const d = new Database(db, { readonly: true });
  try {
    return d
      .prepare('SELECT kind, source_ip AS ip, data FROM events WHERE data LIKE ? ORDER BY id')
      .all(`%${marker}%`) as { kind: string; ip: string | null; data: string }[];
  } finally {
    d.close();
  }
}

describe('lab: probe --verify-logging against Kamailio siptrace -> HEP -> hardline watch', {
  timeout: 300_000,
}, () => {
  it('prerequisites: root and the lab packages (or HARDLINE_SKIP_LAB=1)', opts, () => {
    assert.equal(missing, undefined, missing);
  });

  it(
    'passes while the HEP feed reaches watch; every attempt is a finding once Kamailio mirrors to a port nobody listens on; a relay that rewrites the address is caught',
    opts,
    async () => {
      assert.equal(missing, undefined, missing);
      await withLab(
        'hardened',
        async (lab) => {
          const sipNs = `hls-${lab.id}`;
          const db = path.join(lab.dir, 'watch.db');
          const policy = lab.policy(
            [
              'version: 1',
              'site: lab-verify-logging',
              'endpoints:',
              `  - { host: ${lab.sip}, transport: udp, port: 5060 }`,
              'probe: { rate: 10, timeout_ms: 1500 }',
              '',
            ].join('\n'),
          );
          const watchOn = (port: number) =>
            bg(
              sipNs,
              process.execPath,
              [
                BIN,
                'watch',
                '--policy',
                policy,
                '--hep',
                `udp://${HEP_ADDR}:${port}`,
                '--db',
                db,
                '--pbx',
                'lab-kamailio',
              ],
              lab.dir,
            );
          const procs: ReturnType<typeof bg>[] = [];
          try {
            // --- 1. the feed is intact
            const watch = watchOn(HEP_PORT);
            procs.push(watch);
            await watch.ready(/HEP listener ready/);
            const ok = verify(lab, policy, db, 4, 10);
            assert.equal(ok.code, 0, JSON.stringify(ok.report.findings, null, 1));
            assert.deepEqual(ok.report.findings, []);
            const okRe = new RegExp(
              `4 of 4 failing requests recorded by watch store ${db.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: (?:(?:REGISTER|INVITE) hlv[0-9a-f]+ \\((?:401|407)\\) as auth-failure from ${OUTSIDE.replace(/\./g, '\\.')} within \\d+\\.\\d s(?:, |$))+`,
            );
            assert.match(ok.notes, okRe);
            const okMarkers = markers(ok.notes);
            assert.equal(okMarkers.length, 4, ok.notes);
            for (const m of okMarkers) {
              const evs = storedEvents(db, m);
              assert.ok(
                evs.some((e) => e.kind === 'auth-failure' && e.ip === OUTSIDE),
                `${m} is in the store as an auth failure from ${OUTSIDE}: ${JSON.stringify(evs.map((e) => [e.kind, e.ip]))}`,
              );
              assert.ok(evs.every((e) => JSON.parse(e.data).evidence.format === 'hep-sip'));
            }

            // --- 2. the feed is cut: watch listens elsewhere, Kamailio still mirrors to :9060
            assert.equal(await watch.stop(), 0, watch.out.slice(-2000));
            const moved = watchOn(MOVED_PORT);
            procs.push(moved);
            await moved.ready(/HEP listener ready/);
            const cut = verify(lab, policy, db, 2, 3);
            assert.equal(cut.code, 1, 'the probe fails on the finding');
            assert.deepEqual(verdicts(cut.report), [
              ['PRB-LOG-001', 'invite/invisible'],
              ['PRB-LOG-001', 'register/invisible'],
            ]);
            const reg = cut.report.findings.find((f) => f.target.endsWith('/register/invisible'))!;
            assert.match(
              reg.message,
              new RegExp(
                `^1 of 1 failing REGISTERs from ${OUTSIDE.replace(/\./g, '\\.')} left no event in watch store .*watch\\.db within 3 s: failures are invisible to monitoring$`,
              ),
            );
            assert.match(
              reg.evidence!.join('\n'),
              /^attempt 1: REGISTER hlv[0-9a-f]+1 answered 401 Unauthorized; the PBX saw 198\.18\.1\.2; monitoring: no event$/m,
              'Kamailio did answer: the PBX works, its monitoring does not',
            );
            const inv = cut.report.findings.find((f) => f.target.endsWith('/invite/invisible'))!;
            assert.match(inv.evidence!.join('\n'), /^attempt 2: INVITE hlv[0-9a-f]+2 answered 407 /m);
            assert.ok(
              reg.evidence!.some((l) => /^newest event in watch store .*: \d{4}-\d\d-\d\dT/.test(l)),
              'the store is not empty: it is the path that broke',
            );
            for (const m of markers(JSON.stringify(cut.report.findings)))
              assert.deepEqual(storedEvents(db, m), [], `${m} never reached the store`);
            assert.equal(moved.p.exitCode, null, 'watch itself kept running');

            // --- 3. a relay forwards the old port to watch but stamps its own address
            const relay = bg(
              sipNs,
              process.execPath,
              [RELAY, `${HEP_ADDR}:${HEP_PORT}`, `${HEP_ADDR}:${MOVED_PORT}`, `${OUTSIDE}=${HEP_ADDR}`],
              lab.dir,
            );
            procs.push(relay);
            await relay.ready(/ready/);
            const wrong = verify(lab, policy, db, 2, 5);
            assert.equal(wrong.code, 1);
            assert.deepEqual(verdicts(wrong.report), [
              ['PRB-LOG-001', 'invite/address'],
              ['PRB-LOG-001', 'register/address'],
            ]);
            for (const f of wrong.report.findings)
              assert.match(
                f.message,
                /^1 of 1 failing (REGISTER|INVITE)s from 198\.18\.1\.2 were recorded without that address \(events name 198\.18\.2\.1\): detectors cannot name or ban the source$/,
              );
            for (const m of markers(JSON.stringify(wrong.report.findings))) {
              const evs = storedEvents(db, m);
              assert.ok(
                evs.some((e) => e.kind === 'auth-failure' && e.ip === HEP_ADDR),
                `${m} arrived, with the relay's address: ${JSON.stringify(evs.map((e) => [e.kind, e.ip]))}`,
              );
              assert.ok(evs.every((e) => e.ip !== OUTSIDE));
            }
          } finally {
            for (const p of procs) await p.stop('SIGKILL', 2000).catch(() => undefined);
          }
        },
        { env: { LAB_HEP: `sip:${HEP_ADDR}:${HEP_PORT}` } },
      );
    },
  );
});
