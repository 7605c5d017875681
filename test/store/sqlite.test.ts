import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { SqliteStore, type SqliteStoreOptions } from '../../src/store/sqlite.js';
import type { SecurityEvent } from '../../src/watch/event.js';
import type { Incident } from '../../src/watch/incident.js';

const dir = mkdtempSync(path.join(tmpdir(), 'hl-store-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const DAY = 86400_000;
const T = Date.UTC(2026, 10, 24);

const ev = (kind: SecurityEvent['kind'], t: number, extra: Partial<SecurityEvent> = {}): SecurityEvent => ({
  kind,
  time: t,
  source: { ip: '198.51.100.1', port: 5060, transport: 'tls' },
  account: '101',
  evidence: { raw: 'x', format: 'test', decoder: 'test' },
  ...extra,
});

for (const writer of ['inline', 'thread'] as const)
  describe(`SQLite store (writer: ${writer})`, () => {
    const open = (name: string, o: SqliteStoreOptions = {}) =>
      new SqliteStore(path.join(dir, `${writer}-${name}`), { writer, ...o });

    it('uses WAL on disk and commits events, incidents and checkpoints together', () => {
      const file = path.join(dir, `${writer}-a.db`);
      const s = new SqliteStore(file, { writer });
      s.addEvent(ev('auth-failure', T));
      const inc: Incident = {
        id: 'brute-force:198.51.100.1:1',
        detector: 'brute-force',
        title: 't',
        severity: 'high',
        time: T,
        firstSeen: T,
        subject: { kind: 'source', source: '198.51.100.1', key: '198.51.100.1' },
        summary: 's',
        count: 1,
        events: [ev('auth-failure', T)],
        decision: { action: 'ban', source: '198.51.100.1', reason: 'r', duration: 60 },
      };
      s.addIncident(inc);
      // nothing is visible before commit
      const reader = new Database(file, { readonly: true });
      assert.equal((reader.prepare('SELECT count(*) n FROM events').get() as { n: number }).n, 0);
      s.commit([{ key: '/var/log/x', dev: 1, ino: 2, offset: 300 }]);
      assert.equal((reader.prepare('SELECT count(*) n FROM events').get() as { n: number }).n, 1);
      assert.equal((reader.pragma('journal_mode', { simple: true }) as string).toLowerCase(), 'wal');
      reader.close();
      assert.deepEqual(s.checkpoint('/var/log/x'), { key: '/var/log/x', dev: 1, ino: 2, offset: 300 });
      assert.deepEqual(s.incidents()[0], inc);
      s.close();
      const again = new SqliteStore(file, { writer });
      assert.deepEqual(again.counts(), { events: 1, incidents: 1, endpoints: 0 });
      again.close();
    });

    it('keeps an endpoint inventory with first/last seen, User-Agent, transport and media', () => {
      const s = open('b.db');
      s.addEvent(ev('registration', T, { userAgent: 'Yealink T46S 66.86.0.15' }));
      s.addEvent(ev('auth-success', T + 5000, { userAgent: 'Yealink T46S 66.86.0.15' }));
      s.addEvent(ev('media-negotiated', T + 6000, { media: { protection: 'sdes-srtp' } }));
      s.addEvent(ev('auth-failure', T + 7000));
      s.commit();
      const eps = s.endpoints();
      assert.equal(eps.length, 1);
      assert.deepEqual(eps[0], {
        pbx: '',
        account: '101',
        sourceIp: '198.51.100.1',
        transport: 'tls',
        userAgent: 'Yealink T46S 66.86.0.15',
        media: 'sdes-srtp',
        firstSeen: T,
        lastSeen: T + 5000,
        count: 2,
      });
      s.close();
    });

    it('prunes events and incidents beyond the retention', () => {
      const s = open('c.db');
      for (let d = 0; d < 10; d++) s.addEvent(ev('request', T - d * DAY));
      s.commit();
      const r = s.prune(T, { events: 3 * 86400 + 1, incidents: 86400 });
      assert.equal(r.events, 6);
      assert.equal(s.counts().events, 4);
      assert.equal(s.recentEvents(T - DAY).length, 2);
      assert.equal(s.newestEventTime(), T);
      s.close();
    });

    it('a failed commit with checkpoints throws (nothing written); a failed background batch is reported', () => {
      const errors: string[] = [];
      const s = open('d.db', { onAsyncError: (m) => errors.push(m) });
      // an incident without a detector violates NOT NULL: the whole batch is refused
      const bad = { id: 'x', subject: { key: 'k' }, decision: { action: 'alert' } } as unknown as Incident;
      s.addEvent(ev('request', T));
      s.addIncident(bad);
      assert.throws(() => s.commit([{ key: '/var/log/y', dev: 1, ino: 2, offset: 10 }]), /NOT NULL/);
      assert.equal(s.checkpoint('/var/log/y'), undefined);
      assert.equal(s.counts().events, 0);
      s.addEvent(ev('request', T));
      s.addIncident(bad);
      if (writer === 'inline') assert.throws(() => s.commit(), /NOT NULL/);
      else {
        s.commit(); // handed over: the error comes back later
        assert.equal(s.counts().events, 0); // reads wait for the writer
        s.addEvent(ev('request', T));
        s.commit();
        s.counts();
        assert.equal(errors.length, 1);
        assert.match(errors[0]!, /NOT NULL/);
      }
      s.close();
    });
  });
