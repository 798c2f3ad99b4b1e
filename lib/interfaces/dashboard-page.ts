import { createHash } from 'node:crypto';

// The dashboard's page: static HTML and CSS, no build step, nothing from a CDN. Its script is served at
// /dashboard.js (lib/dashboard-script.ts) and renders every piece of user text with textContent.

const STYLE = `
:root { --bg: #f6f7f9; --card: #fff; --line: #dde1e6; --text: #1d2330; --muted: #667085;
  --open: #2f6fdb; --claimed: #0e9384; --done: #3f8f3f; --failed: #c4320a; --cancelled: #98a2b3;
  --waiting: #b54708; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.4 system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif;
  background: var(--bg); color: var(--text); }
header { display: flex; align-items: center; gap: 12px; padding: 10px 20px; background: #1d2330; color: #fff; }
header h1 { font-size: 18px; margin: 0; letter-spacing: .5px; }
#root { color: #c7ccd6; font-family: ui-monospace, monospace; font-size: 12px; flex: 1;
  overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.pill { font-size: 12px; padding: 2px 8px; border-radius: 999px; background: #475467; color: #fff; }
.pill.live { background: var(--done); }
.pill.down { background: var(--failed); }
main { padding: 16px 20px; display: grid; gap: 16px; }
section { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 12px 14px; }
section h2 { font-size: 15px; margin: 0 0 10px; }
.cols { display: grid; grid-template-columns: 1fr 1fr; gap: 16px; }
.cols > section { min-width: 0; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; vertical-align: top; padding: 6px 8px; border-top: 1px solid var(--line); }
th { font-size: 12px; color: var(--muted); font-weight: 600; border-top: 0; }
.board td { width: 18%; }
.board td.ws { width: 10%; font-weight: 600; }
.ws small { display: block; color: var(--muted); font-weight: 400; }
.task { border: 1px solid var(--line); border-left: 4px solid var(--open); border-radius: 6px;
  padding: 4px 6px; margin-bottom: 6px; background: #fff; overflow-wrap: anywhere; }
.task.claimed { border-left-color: var(--claimed); }
.task.done { border-left-color: var(--done); }
.task.failed { border-left-color: var(--failed); }
.task.cancelled { border-left-color: var(--cancelled); color: var(--muted); }
.meta { display: block; color: var(--muted); font-size: 11px; font-family: ui-monospace, monospace; }
.more { color: var(--muted); font-size: 12px; }
.badge { display: inline-block; font-size: 11px; padding: 1px 7px; border-radius: 999px; color: #fff;
  background: var(--cancelled); white-space: nowrap; }
.badge.open, .badge.pending, .badge.running { background: var(--open); }
.badge.claimed { background: var(--claimed); }
.badge.done, .badge.complete, .badge.live { background: var(--done); }
.badge.failed, .badge.rejected { background: var(--failed); }
.badge.waiting_approval { background: var(--waiting); }
.run { border: 1px solid var(--line); border-radius: 6px; padding: 8px 10px; margin-bottom: 10px; }
.run.waiting_approval { border-color: var(--waiting); box-shadow: 0 0 0 1px var(--waiting) inset; }
.run-head { display: flex; gap: 8px; align-items: baseline; flex-wrap: wrap; }
.run-head .id { font-family: ui-monospace, monospace; font-weight: 600; }
.run-task { overflow-wrap: anywhere; }
.steps { margin: 6px 0 0; padding: 0; list-style: none; }
.steps li { padding: 3px 0; border-top: 1px dashed var(--line); overflow-wrap: anywhere; }
.gate { margin: 6px 0 4px 12px; padding: 8px; background: #fffaeb; border: 1px solid #fedf89; border-radius: 6px; }
.gate pre { max-height: 160px; overflow: auto; background: #fff; border: 1px solid var(--line);
  padding: 6px; margin: 6px 0; white-space: pre-wrap; font-size: 12px; }
.gate .actions { display: flex; gap: 6px; flex-wrap: wrap; align-items: center; }
button { font: inherit; padding: 3px 12px; border-radius: 6px; border: 1px solid var(--line); background: #fff;
  cursor: pointer; }
button.approve { background: var(--done); border-color: var(--done); color: #fff; }
button.reject { background: var(--failed); border-color: var(--failed); color: #fff; }
input[type=text], input[type=password] { font: inherit; padding: 3px 8px; border: 1px solid var(--line);
  border-radius: 6px; min-width: 260px; }
.error { color: var(--failed); }
.empty { color: var(--muted); }
#events { list-style: none; margin: 0; padding: 0; font-family: ui-monospace, monospace; font-size: 12px;
  max-height: 240px; overflow: auto; }
#events li { padding: 2px 0; border-top: 1px solid var(--line); overflow-wrap: anywhere; }
#login { max-width: 520px; margin: 40px auto; }
[hidden] { display: none !important; }
@media (max-width: 900px) { .cols { grid-template-columns: 1fr; } }
`;

const styleHash = createHash('sha256').update(STYLE).digest('base64');

/**
 * No inline script and no eval: the script comes from this origin only, the one inline style by its
 * hash; nothing can be framed, posted elsewhere or fetched from another origin.
 */
export const DASHBOARD_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  `style-src 'sha256-${styleHash}'`,
  "connect-src 'self'",
  "img-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

export const DASHBOARD_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>orc dashboard</title>
<style>${STYLE}</style>
</head>
<body>
<header><h1>orc</h1><span id="root"></span><span id="live" class="pill">connecting…</span></header>
<section id="login" hidden>
  <h2>Token</h2>
  <p>Paste the token <code>orc serve</code> printed (or the value of ORC_TOKEN). It is kept in this tab only.</p>
  <form id="login-form"><input type="password" id="token-input" autocomplete="off" aria-label="token">
  <button type="submit">Open</button></form>
  <p id="login-error" class="error"></p>
</section>
<main id="app" hidden>
  <p id="message" class="error" hidden></p>
  <section><h2>Runs</h2><div id="runs"></div></section>
  <section><h2>Board</h2><div id="board"></div></section>
  <div class="cols">
    <section><h2>Agents</h2><div id="agents"></div></section>
    <section><h2>Locks</h2><div id="locks"></div></section>
  </div>
  <section><h2>Recent events</h2><ol id="events"></ol></section>
</main>
<script src="/dashboard.js"></script>
</body>
</html>
`;
