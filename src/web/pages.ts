import { esc } from '../report/html.js';
import { VERSION } from '../report/json.js';

/**
 * The two server-rendered pages: the login form and the app shell. Neither has an inline
 * script or style (the CSP allows only same-origin files); the app renders itself from the
 * JSON API with DOM methods (no innerHTML), so data from logs can never become markup.
 */

export function loginPage(o: { message?: string; site?: string }): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="same-origin">
<title>hardline: log in</title><link rel="stylesheet" href="/assets/app.css"></head>
<body class="login"><main class="login-box">
<h1>hardline</h1>
<p class="muted">${o.site ? `${esc(o.site)}: ` : ''}watch dashboard</p>
${o.message ? `<p class="error" role="alert">${esc(o.message)}</p>` : ''}
<form method="post" action="/login" autocomplete="off">
<label for="token">Access token</label>
<input id="token" name="token" type="password" required minlength="8" maxlength="256" autofocus>
<button type="submit">Log in</button>
</form>
<p class="muted small">The token was printed once when the dashboard first started. Lost it? Delete
<code>web-token.json</code> in the state folder and restart watch for a new one.</p>
</main></body></html>
`;
}

export function appPage(o: { csrf: string; site?: string; mode: string }): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="same-origin">
<meta name="hl-csrf" content="${esc(o.csrf)}">
<meta name="hl-site" content="${esc(o.site ?? '')}">
<meta name="hl-mode" content="${esc(o.mode)}">
<title>hardline${o.site ? `: ${esc(o.site)}` : ''}</title>
<link rel="stylesheet" href="/assets/uplot.css"><link rel="stylesheet" href="/assets/app.css">
<script src="/assets/uplot.js" defer></script><script src="/assets/app.js" defer></script>
</head><body>
<header class="top"><a class="brand" href="#/">hardline</a>
<nav id="nav"><a href="#/">Overview</a><a href="#/bans">Bans</a><a href="#/inventory">Inventory</a><a href="#/findings">Findings</a><a href="#/exceptions">Exceptions</a></nav>
<span id="live" class="live" title="live updates">offline</span>
<form id="logout" method="post" action="/logout"><button type="submit" class="link">Log out</button></form>
</header>
<main id="app"><p class="muted">Loading…</p></main>
<div id="toast" class="toast" hidden></div>
<footer class="muted small">hardline ${esc(VERSION)} · watch dashboard</footer>
</body></html>
`;
}
