// hardline watch dashboard: renders the JSON API with DOM methods only (text never becomes
// markup), follows live updates over server-sent events, draws rates with uPlot.
(() => {
  const meta = (n) => document.querySelector(`meta[name="${n}"]`)?.getAttribute('content') ?? '';
  const csrf = meta('hl-csrf');
  const root = document.getElementById('app');
  const SEVERITIES = ['critical', 'high', 'medium', 'low', 'info'];
  const COLORS = ['#c62828', '#1565c0', '#2e7d32', '#b26a00', '#6a1b9a', '#00838f', '#5d4037', '#ad1457'];

  /** h('div', {class: 'x', onclick: fn}, 'text', child) */
  function h(tag, attrs, ...children) {
    const el = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs ?? {})) {
      if (v === undefined || v === null || v === false) continue;
      if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
      else if (k === 'class') el.className = v;
      else if (k === 'dataset') Object.assign(el.dataset, v);
      else el.setAttribute(k, v === true ? '' : String(v));
    }
    for (const c of children.flat(3)) {
      if (c === undefined || c === null || c === false) continue;
      el.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return el;
  }

  async function api(path) {
    const r = await fetch(path, { credentials: 'same-origin', headers: { accept: 'application/json' } });
    if (r.status === 401) {
      location.href = '/login?expired';
      throw new Error('logged out');
    }
    const body = await r.json();
    if (!r.ok) throw new Error(body.message ?? `HTTP ${r.status}`);
    return body;
  }

  async function post(path, body) {
    const r = await fetch(path, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'content-type': 'application/json', 'x-csrf-token': csrf, accept: 'application/json' },
      body: JSON.stringify(body ?? {}),
    });
    if (r.status === 401) {
      location.href = '/login?expired';
      throw new Error('logged out');
    }
    const out = await r.json().catch(() => ({}));
    if (!r.ok) throw new Error(out.message ?? `HTTP ${r.status}`);
    return out;
  }

  const pad = (n) => String(n).padStart(2, '0');
  function fmtTime(t) {
    const d = new Date(t);
    return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
  }
  /** Ban-history actions as people read them: detect mode's dry runs are "would ban". */
  function actionLabel(a) {
    return a === 'dry-run' ? 'would ban' : a;
  }

  function fmtDuration(sec) {
    if (sec < 60) return `${Math.max(0, Math.round(sec))}s`;
    const parts = [];
    for (const [u, n] of [
      ['d', 86400],
      ['h', 3600],
      ['m', 60],
    ]) {
      if (sec >= n) {
        parts.push(`${Math.floor(sec / n)}${u}`);
        sec %= n;
      }
    }
    return parts.slice(0, 2).join(' ');
  }
  function ago(t) {
    const s = (Date.now() - t) / 1000;
    return s < 5 ? 'just now' : `${fmtDuration(s)} ago`;
  }
  const sev = (s) => h('span', { class: `sev sev-${s}` }, s);
  function decisionText(d) {
    if (d.action === 'ban') return `ban ${d.source}${d.duration ? ` for ${fmtDuration(d.duration)}` : ''}`;
    if (d.spared) return `alert only (${d.spared.why}${d.spared.name ? ` '${d.spared.name}'` : ''})`;
    return 'alert';
  }
  function geoText(g, c, scope) {
    const parts = [];
    if (['loopback', 'private', 'linkLocal', 'uniqueLocal', 'carrierGradeNat'].includes(scope))
      parts.push(scope);
    if (c) parts.push(`${c.kind === 'trunk' ? 'trunk' : 'trusted network'} ${c.name}`);
    if (g) {
      if (g.country) parts.push(g.countryName ? `${g.countryName} (${g.country})` : g.country);
      if (g.city) parts.push(g.city);
      if (g.asn || g.org) parts.push(`AS${g.asn ?? '?'} ${g.org ?? ''}`.trim());
    }
    return parts.join(' · ');
  }
  function section(title, ...body) {
    return h('section', { class: 'card' }, h('h2', {}, title), ...body);
  }
  const scroll = (table) => h('div', { class: 'scroll' }, table);
  function table(headers, rows, cls) {
    return scroll(
      h(
        'table',
        { class: cls ?? '' },
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            headers.map((x) => h('th', {}, x)),
          ),
        ),
        h('tbody', {}, rows),
      ),
    );
  }
  function toast(text, href) {
    const t = document.getElementById('toast');
    t.replaceChildren(href ? h('a', { href }, text) : text);
    t.hidden = false;
    clearTimeout(toast.timer);
    toast.timer = setTimeout(() => {
      t.hidden = true;
    }, 8000);
  }

  /** Two-step button: the first click arms it, the second (within 5 s) runs the action. */
  function confirmButton(label, armed, action) {
    const b = h('button', { class: 'danger', type: 'button' }, label);
    let timer;
    b.addEventListener('click', async () => {
      if (b.dataset.armed !== '1') {
        b.dataset.armed = '1';
        b.textContent = armed;
        timer = setTimeout(() => {
          b.dataset.armed = '';
          b.textContent = label;
        }, 5000);
        return;
      }
      clearTimeout(timer);
      b.disabled = true;
      try {
        await action();
      } catch (e) {
        b.disabled = false;
        b.dataset.armed = '';
        b.textContent = label;
        toast(`failed: ${e.message}`);
      }
    });
    return b;
  }

  // ---------------------------------------------------------------- views
  let current = { name: '', refresh: null, charts: [] };

  function incidentRows(list) {
    return list.map((i) =>
      h(
        'tr',
        { class: i.ack ? 'acked' : '', dataset: { id: i.id } },
        h('td', { class: 'nowrap' }, fmtTime(i.time)),
        h('td', {}, sev(i.severity)),
        h('td', {}, h('a', { href: `#/incident/${encodeURIComponent(i.id)}` }, i.detector)),
        h('td', { class: 'wide' }, i.summary),
        h('td', {}, decisionText(i.decision)),
        h('td', {}, i.ack ? 'acknowledged' : ''),
      ),
    );
  }

  function tiles(o) {
    const t = (n, label, cls) =>
      h('div', { class: `tile ${cls ?? ''}` }, h('b', {}, String(n)), h('span', {}, label));
    const b = o.bans;
    return h(
      'div',
      { class: 'tiles' },
      t(o.incidentCount, 'incidents (24 h)'),
      SEVERITIES.filter((s) => o.bySeverity[s]).map((s) => t(o.bySeverity[s], s, `sev-border-${s}`)),
      t(o.unacknowledged, 'not acknowledged'),
      b.available ? t(b.active, 'active bans') : null,
      b.available
        ? t(
            b.mode === 'detect' ? b.wouldBan24h : b.banned24h,
            b.mode === 'detect' ? 'would ban (24 h)' : 'banned (24 h)',
          )
        : null,
    );
  }

  async function drawRates(container) {
    const r = await api('/api/rates');
    for (const c of current.charts) c.destroy();
    current.charts = [];
    const kinds = Object.keys(r.kinds)
      .sort((a, b) => r.totals[b] - r.totals[a])
      .slice(0, 6);
    container.replaceChildren();
    if (!kinds.length) {
      container.append(h('p', { class: 'muted' }, 'No events in the last 24 hours.'));
      return;
    }
    container.append(
      h(
        'p',
        { class: 'muted small' },
        `Events per ${r.bucketSec / 60} min. Grey behind each line: the busiest count of that time of day on the previous days (${r.baselineDays ? `learned from ${r.baselineDays} day(s) of history` : 'no history yet: learning'}).`,
      ),
    );
    const xs = Array.from({ length: r.n }, (_, i) => (r.start + i * r.bucketSec * 1000) / 1000);
    const grid = h('div', { class: 'charts' });
    container.append(grid);
    kinds.forEach((k, idx) => {
      const box = h(
        'div',
        { class: 'chart', dataset: { kind: k } },
        h('h3', {}, `${k} `, h('small', {}, `${r.totals[k]} in 24 h`)),
      );
      grid.append(box);
      const width = Math.max(260, box.clientWidth - 8);
      const base = r.baseline[k] ?? xs.map(() => null);
      const color = COLORS[idx % COLORS.length];
      if (typeof window.uPlot !== 'function') {
        box.append(h('p', { class: 'muted' }, 'chart library not loaded'));
        return;
      }
      const u = new window.uPlot(
        {
          width,
          height: 140,
          legend: { show: false },
          cursor: { points: { show: false } },
          scales: { x: { time: true } },
          axes: [{ size: 28 }, { size: 40 }],
          series: [
            {},
            { label: 'baseline', stroke: 'rgba(120,120,120,0.5)', fill: 'rgba(120,120,120,0.18)', width: 1 },
            { label: k, stroke: color, width: 2 },
          ],
        },
        [xs, base, r.kinds[k]],
        box,
      );
      current.charts.push(u);
    });
  }

  async function overview() {
    const o = await api('/api/overview');
    const ratesBox = h('div', { id: 'rates' });
    const b = o.bans;
    const view = h(
      'div',
      {},
      h('h1', {}, o.site ? `${o.site}: last 24 hours` : 'Last 24 hours'),
      tiles(o),
      section(
        'Incidents',
        o.incidents.length
          ? table(
              ['time', 'severity', 'detector', 'what', 'decision', ''],
              incidentRows(o.incidents),
              'incidents',
            )
          : h('p', { class: 'muted', id: 'no-incidents' }, 'No incidents in the last 24 hours.'),
      ),
      section('Event rates by kind', ratesBox),
      section(
        'Top sources',
        o.topSources.length
          ? table(
              ['source', 'events', 'failures', 'kinds', o.geo ? 'country / network' : 'network', 'last'],
              o.topSources.map((s) =>
                h(
                  'tr',
                  {},
                  h('td', { class: 'mono' }, s.ip),
                  h('td', {}, s.events),
                  h('td', {}, s.failures),
                  h('td', {}, s.kinds.join(', ')),
                  h('td', {}, geoText(s.geo, s.classification, s.scope) || (o.geo ? 'unknown' : '')),
                  h('td', { class: 'nowrap' }, ago(s.last)),
                ),
              ),
            )
          : h('p', { class: 'muted' }, 'No attack traffic in the last 24 hours.'),
        o.geo
          ? null
          : h(
              'p',
              { class: 'muted small' },
              'Configure web.geoip (MaxMind .mmdb files) to see countries and networks.',
            ),
      ),
      section(
        'Bans',
        !b.available
          ? h('p', { class: 'muted' }, 'Bans are not managed by this watch (start it with --ban).')
          : h(
              'div',
              {},
              b.mode === 'detect'
                ? h(
                    'p',
                    { class: 'note' },
                    'Detect mode: nothing is banned; incidents say whom they would ban.',
                  )
                : null,
              b.error ? h('p', { class: 'error' }, b.error) : null,
              b.list.length
                ? table(
                    ['address', 'left', 'reason'],
                    b.list.map((x) =>
                      h(
                        'tr',
                        {},
                        h('td', { class: 'mono' }, x.address),
                        h('td', {}, fmtDuration(x.remainingSec)),
                        h('td', {}, x.reason),
                      ),
                    ),
                  )
                : h('p', { class: 'muted' }, 'No active bans.'),
              h('p', {}, h('a', { href: '#/bans' }, 'All bans and history')),
            ),
      ),
    );
    root.replaceChildren(view);
    await drawRates(ratesBox);
  }

  async function incident(id) {
    const d = await api(`/api/incidents/${encodeURIComponent(id)}`);
    const i = d.incident;
    const bans = d.mode !== 'off' && i.decision.source ? await api('/api/bans') : null;
    const active = bans?.bans.find((b) => b.address === i.decision.source);
    const ackBox = h('div', { class: 'ack' });
    function renderAck(a) {
      if (a)
        ackBox.replaceChildren(
          h('p', { class: 'ok' }, `Acknowledged ${fmtTime(a.time)}${a.note ? `: ${a.note}` : ''}`),
        );
      else {
        const note = h('input', {
          type: 'text',
          placeholder: 'note (optional)',
          maxlength: 500,
          id: 'ack-note',
        });
        ackBox.replaceChildren(
          note,
          h(
            'button',
            {
              type: 'button',
              id: 'ack',
              onclick: async () => {
                const r = await post(`/api/incidents/${encodeURIComponent(id)}/ack`, { note: note.value });
                renderAck(r.ack);
              },
            },
            'Acknowledge',
          ),
        );
      }
    }
    renderAck(i.ack);
    const enforcement = d.enforcement.length
      ? table(
          ['time', 'action', 'address', 'duration', 'until', 'detail'],
          d.enforcement.map((e) =>
            h(
              'tr',
              {},
              h('td', { class: 'nowrap' }, fmtTime(e.time)),
              h('td', {}, actionLabel(e.action)),
              h('td', { class: 'mono' }, e.address),
              h('td', {}, e.durationSec ? fmtDuration(e.durationSec) : ''),
              h('td', {}, e.until ? fmtTime(Date.parse(e.until)) : ''),
              h('td', {}, e.detail ?? ''),
            ),
          ),
        )
      : h(
          'p',
          { class: 'muted' },
          d.mode === 'off'
            ? 'Bans are not managed by this watch.'
            : 'No enforcement recorded for this incident.',
        );
    const events = i.events.map((ev, n) =>
      h(
        'article',
        { class: 'event' },
        h(
          'p',
          {},
          h('b', {}, `#${n + 1} ${ev.kind}`),
          ` ${fmtTime(ev.time)} · src ${ev.source ? `${ev.source.ip}${ev.source.port !== undefined ? `:${ev.source.port}` : ''}${ev.source.transport ? `/${ev.source.transport}` : ''}` : '-'}`,
          ev.account !== undefined ? ` · account ${ev.account}` : '',
          ev.sip?.method ? ` · ${ev.sip.method}` : '',
          ev.sip?.code ? ` ${ev.sip.code}` : '',
          ev.userAgent ? ` · UA ${ev.userAgent}` : '',
          ev.reason ? ` · ${ev.reason}` : '',
        ),
        h(
          'p',
          { class: 'muted small' },
          `${ev.evidence.format}/${ev.evidence.decoder}${ev.evidence.origin ? ` from ${ev.evidence.origin}` : ''}${ev.evidence.format === 'hep-sip' ? ' · SIP message captured over HEP' : ''}`,
        ),
        ev.evidence.raw ? h('pre', { class: 'evidence' }, ev.evidence.raw) : null,
      ),
    );
    root.replaceChildren(
      h(
        'div',
        {},
        h('p', {}, h('a', { href: '#/' }, '← Overview')),
        h('h1', {}, sev(i.severity), ' ', i.title),
        h('p', { class: 'lead' }, i.summary),
        h(
          'dl',
          { class: 'facts' },
          h('dt', {}, 'detector'),
          h('dd', {}, i.detector),
          h('dt', {}, 'raised'),
          h('dd', {}, `${fmtTime(i.time)} (first event ${fmtTime(i.firstSeen)})`),
          h('dt', {}, 'subject'),
          h('dd', { class: 'mono' }, i.subject.key),
          h('dt', {}, 'events'),
          h('dd', {}, `${i.count} counted, ${i.events.length} kept as evidence`),
          i.sources ? [h('dt', {}, 'sources'), h('dd', { class: 'mono' }, i.sources.join(', '))] : null,
          d.geo || d.classification
            ? [h('dt', {}, 'origin'), h('dd', {}, geoText(d.geo, d.classification))]
            : null,
          h('dt', {}, 'incident id'),
          h('dd', { class: 'mono small' }, i.id),
        ),
        section(
          'Decision',
          h('p', { id: 'decision' }, decisionText(i.decision), ` — ${i.decision.reason}`),
          enforcement,
          active
            ? h(
                'p',
                { id: 'active-ban' },
                `${active.address} is banned for ${fmtDuration(active.remainingSec)} more. `,
                confirmButton('Unban', 'Confirm unban', async () => {
                  await post(`/api/bans/${encodeURIComponent(active.address)}/unban`);
                  toast(`unbanned ${active.address}`);
                  await incident(id);
                }),
              )
            : null,
          ackBox,
        ),
        section(`Evidence (${i.events.length} events)`, h('div', { class: 'events' }, events)),
      ),
    );
  }

  async function bans() {
    const b = await api('/api/bans');
    const rows = b.bans.map((x) =>
      h(
        'tr',
        { dataset: { address: x.address } },
        h('td', { class: 'mono' }, x.address),
        h('td', { class: 'left', dataset: { until: Date.parse(x.until) } }, fmtDuration(x.remainingSec)),
        h('td', { class: 'nowrap' }, fmtTime(Date.parse(x.until))),
        h('td', {}, x.offence),
        h('td', {}, x.origin),
        h(
          'td',
          {},
          x.incidentId
            ? h('a', { href: `#/incident/${encodeURIComponent(x.incidentId)}` }, x.reason)
            : x.reason,
        ),
        h('td', {}, b.tableLoaded ? (x.live === null ? 'missing in nft' : 'in nft') : 'table not loaded'),
        h(
          'td',
          {},
          confirmButton('Unban', 'Confirm unban', async () => {
            await post(`/api/bans/${encodeURIComponent(x.address)}/unban`);
            toast(`unbanned ${x.address}`);
            await bans();
          }),
        ),
      ),
    );
    root.replaceChildren(
      h(
        'div',
        {},
        h('h1', {}, 'Bans'),
        !b.available ? h('p', { class: 'note' }, b.message) : null,
        b.mode === 'detect'
          ? h(
              'p',
              { class: 'note' },
              'Detect mode (firewall.mode: detect): incidents say whom they would ban; nothing is banned.',
            )
          : null,
        b.error ? h('p', { class: 'error' }, b.error) : null,
        section(
          `Active (${b.bans.length})`,
          b.bans.length
            ? table(['address', 'left', 'until', 'offence', 'origin', 'reason', 'nftables', ''], rows, 'bans')
            : h('p', { class: 'muted', id: 'no-bans' }, 'No active bans.'),
          b.liveOnly?.length
            ? h(
                'p',
                { class: 'muted' },
                `In the nft sets but not in hardline's state: ${b.liveOnly.map((e) => e.value).join(', ')}`,
              )
            : null,
        ),
        section(
          'History',
          b.history.length
            ? table(
                ['time', 'action', 'address', 'duration', 'by', 'detail'],
                b.history.map((e) =>
                  h(
                    'tr',
                    {},
                    h('td', { class: 'nowrap' }, fmtTime(e.time)),
                    h('td', {}, actionLabel(e.action)),
                    h('td', { class: 'mono' }, e.address),
                    h('td', {}, e.durationSec ? fmtDuration(e.durationSec) : ''),
                    h(
                      'td',
                      {},
                      e.incidentId
                        ? h('a', { href: `#/incident/${encodeURIComponent(e.incidentId)}` }, e.actor)
                        : e.actor,
                    ),
                    h('td', {}, e.detail ?? ''),
                  ),
                ),
              )
            : h('p', { class: 'muted' }, 'Nothing yet.'),
        ),
      ),
    );
  }

  async function inventory() {
    const d = await api('/api/inventory');
    const only = h('input', { type: 'checkbox', id: 'only-flagged' });
    const body = h('div', {});
    const render = () => {
      const rows = d.rows.filter((r) => !only.checked || r.flags.length);
      body.replaceChildren(
        rows.length
          ? table(
              [
                'account',
                'source',
                'network',
                'User-Agent',
                'transport',
                'media',
                'first seen',
                'last seen',
                'count',
                'unusual',
              ],
              rows.map((r) =>
                h(
                  'tr',
                  { class: r.flags.some((f) => !f.startsWith('first seen')) ? 'flagged' : '' },
                  h('td', {}, r.pbx ? `${r.account} (${r.pbx})` : r.account),
                  h('td', { class: 'mono' }, r.sourceIp),
                  h('td', {}, r.network),
                  h('td', {}, r.userAgent || '-'),
                  h('td', {}, r.transport || '-'),
                  h('td', {}, r.media || '-'),
                  h('td', { class: 'nowrap' }, fmtTime(r.firstSeen)),
                  h('td', { class: 'nowrap' }, fmtTime(r.lastSeen)),
                  h('td', {}, r.count),
                  h(
                    'td',
                    {},
                    r.flags.length
                      ? h(
                          'ul',
                          { class: 'flags' },
                          r.flags.map((f) => h('li', {}, f)),
                        )
                      : '',
                  ),
                ),
              ),
              'inventory',
            )
          : h('p', { class: 'muted' }, 'No registrations seen yet.'),
      );
    };
    only.addEventListener('change', render);
    render();
    root.replaceChildren(
      h(
        'div',
        {},
        h('h1', {}, 'Inventory'),
        h(
          'p',
          { class: 'muted' },
          'Every account that authenticated or registered, from where, with which device, transport and media protection.',
        ),
        h('label', { class: 'check' }, only, ' only rows flagged as unusual'),
        body,
      ),
    );
  }

  async function findings() {
    const d = await api('/api/findings');
    const reports = d.reports.map((r) =>
      section(
        `${r.kind}${r.generatedAt ? ` · ${fmtTime(Date.parse(r.generatedAt))}` : ''}`,
        h('p', { class: 'muted small mono' }, r.file),
        r.error
          ? h('p', { class: 'error' }, r.error)
          : h(
              'div',
              {},
              h(
                'div',
                { class: 'tiles' },
                SEVERITIES.map((s) =>
                  h(
                    'div',
                    { class: `tile sev-border-${s}` },
                    h('b', {}, String(r.counts[s])),
                    h('span', {}, s),
                  ),
                ),
                h('div', { class: 'tile' }, h('b', {}, String(r.waived)), h('span', {}, 'waived')),
              ),
              r.steps.map((s) =>
                h(
                  'details',
                  { class: 'step', open: s.findings.length > 0 && s.findings.length <= 12 },
                  h(
                    'summary',
                    {},
                    h('span', { class: 'stepnum' }, s.n),
                    ` ${s.title} `,
                    h(
                      'small',
                      {},
                      s.findings.length
                        ? SEVERITIES.filter((x) => s.counts[x])
                            .map((x) => `${s.counts[x]} ${x}`)
                            .join(', ')
                        : 'nothing to fix',
                    ),
                  ),
                  h(
                    'ul',
                    { class: 'findings' },
                    s.findings.map((f) =>
                      h(
                        'li',
                        {},
                        sev(f.severity),
                        ' ',
                        h('b', { class: 'mono' }, f.ruleId),
                        ` ${f.title}: ${f.message}`,
                        f.location
                          ? h(
                              'span',
                              { class: 'muted mono small' },
                              ` ${f.location.file}${f.location.line ? `:${f.location.line}` : ''}`,
                            )
                          : '',
                      ),
                    ),
                  ),
                ),
              ),
            ),
      ),
    );
    root.replaceChildren(
      h(
        'div',
        {},
        h('h1', {}, 'Findings'),
        h(
          'p',
          { class: 'muted' },
          'The latest audit, probe and review reports, in the hardening plan’s five steps.',
        ),
        reports.length
          ? reports
          : h(
              'p',
              { class: 'note' },
              'No reports configured: set web.reports.audit / probe / review to JSON reports.',
            ),
      ),
    );
  }

  async function exceptions() {
    const d = await api('/api/exceptions');
    root.replaceChildren(
      h(
        'div',
        {},
        h('h1', {}, 'Exceptions'),
        h(
          'p',
          { class: 'muted' },
          'Waivers from the policy, with approver and expiry. An expired exception waives nothing.',
        ),
        d.exceptions.length
          ? table(
              ['rule', 'target', 'reason', 'approver', 'expires', 'status'],
              d.exceptions.map((e) =>
                h(
                  'tr',
                  { class: e.status },
                  h('td', { class: 'mono' }, e.rule),
                  h('td', { class: 'mono' }, e.target),
                  h('td', {}, e.reason),
                  h('td', {}, e.approver),
                  h('td', { class: 'nowrap' }, e.expires.slice(0, 10)),
                  h(
                    'td',
                    {},
                    h(
                      'span',
                      { class: `status status-${e.status}` },
                      e.status === 'expired'
                        ? `expired ${-e.days} days ago`
                        : e.status === 'expiring'
                          ? `expires in ${e.days} days`
                          : `${e.days} days left`,
                    ),
                  ),
                ),
              ),
            )
          : h('p', { class: 'muted' }, 'The policy declares no exceptions.'),
      ),
    );
  }

  const ROUTES = {
    '': { fn: overview, refreshOn: ['incident', 'enforcement', 'unban', 'ack'], tick: true },
    bans: { fn: bans, refreshOn: ['enforcement', 'unban'] },
    inventory: { fn: inventory, refreshOn: [] },
    findings: { fn: findings, refreshOn: [] },
    exceptions: { fn: exceptions, refreshOn: [] },
  };

  async function render() {
    const hash = location.hash.replace(/^#\/?/, '');
    for (const c of current.charts) c.destroy();
    current = { name: hash, charts: [] };
    for (const a of document.querySelectorAll('#nav a'))
      a.classList.toggle('active', a.getAttribute('href') === `#/${hash.split('/')[0]}`);
    try {
      if (hash.startsWith('incident/')) {
        current.route = { refreshOn: ['enforcement', 'unban', 'ack'] };
        await incident(decodeURIComponent(hash.slice('incident/'.length)));
      } else {
        const r = ROUTES[hash] ?? ROUTES[''];
        current.route = r;
        await r.fn();
      }
    } catch (e) {
      root.replaceChildren(h('p', { class: 'error' }, `Cannot load this page: ${e.message}`));
    }
  }

  let pending;
  function refreshSoon() {
    clearTimeout(pending);
    pending = setTimeout(() => {
      const y = window.scrollY;
      render().then(() => window.scrollTo(0, y));
    }, 300);
  }

  // ---------------------------------------------------------------- live updates
  const live = document.getElementById('live');
  function connect() {
    const es = new EventSource('/api/stream');
    es.addEventListener('open', () => {
      live.textContent = 'live';
      live.className = 'live on';
    });
    es.addEventListener('error', () => {
      live.textContent = 'reconnecting';
      live.className = 'live';
    });
    for (const type of ['incident', 'enforcement', 'unban', 'ack']) {
      es.addEventListener(type, (e) => {
        const d = JSON.parse(e.data);
        if (type === 'incident')
          toast(`New ${d.severity} incident: ${d.summary}`, `#/incident/${encodeURIComponent(d.id)}`);
        if (current.route?.refreshOn?.includes(type)) refreshSoon();
      });
    }
    es.addEventListener('tick', () => {
      if (current.route?.tick) {
        const box = document.getElementById('rates');
        if (box) drawRates(box).catch(() => undefined);
      }
    });
  }

  // remaining-time countdown on the bans page
  setInterval(() => {
    for (const td of document.querySelectorAll('td.left[data-until]'))
      td.textContent = fmtDuration((Number(td.dataset.until) - Date.now()) / 1000);
  }, 1000);

  document.getElementById('logout')?.addEventListener('submit', async (e) => {
    e.preventDefault();
    await post('/logout').catch(() => undefined);
    location.href = '/login';
  });
  let resizeTimer;
  window.addEventListener('resize', () => {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(() => {
      const box = document.getElementById('rates');
      if (box) drawRates(box).catch(() => undefined);
    }, 250);
  });
  window.addEventListener('hashchange', render);
  render();
  connect();
})();
