import { createHash } from 'node:crypto';
import { DASHBOARD_STYLE } from './dashboard-style.js';

// The dashboard's page: static HTML and CSS, no build step, nothing from a CDN. Its script is served at
// /dashboard.js (dashboard-script.ts) and renders every piece of user text with textContent.

const styleHash = createHash('sha256').update(DASHBOARD_STYLE).digest('base64');

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

const PRIORITIES = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]
  .map((p) => `<option value="${p}"${p === 3 ? ' selected' : ''}>${p}</option>`)
  .join('');

export const DASHBOARD_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>orc dashboard</title>
<style>${DASHBOARD_STYLE}</style>
</head>
<body>
<header><h1>orc</h1><span id="root"></span><span id="live" class="pill">connecting…</span>
<button type="button" id="theme" aria-label="toggle dark mode">Dark</button></header>
<section id="login" hidden>
  <h2>Token</h2>
  <p>Paste the token <code>orc serve</code> printed (or the value of ORC_TOKEN). It is kept in this tab only.</p>
  <form id="login-form"><input type="password" id="token-input" autocomplete="off" aria-label="token">
  <button type="submit">Open</button></form>
  <p id="login-error" class="error"></p>
</section>
<div id="app" hidden>
  <div class="toolbar" id="filters">
    <input type="search" id="f-text" placeholder="Search title, description, id" aria-label="search tasks">
    <select id="f-ws" aria-label="workstream"><option value="">all workstreams</option></select>
    <select id="f-status" aria-label="status"><option value="">any status</option>
      <option value="active">open, claimed, failed</option><option value="ready">ready</option>
      <option value="blocked">blocked</option><option value="open">open</option><option value="claimed">claimed</option>
      <option value="failed">failed</option><option value="done">done</option><option value="cancelled">cancelled</option></select>
    <select id="f-agent" aria-label="agent"><option value="">any agent</option></select>
    <select id="f-tag" aria-label="tag"><option value="">any tag</option></select>
    <span class="grow"></span>
    <button type="button" id="add-open" class="primary">Add task</button>
    <button type="button" id="run-open">Start run</button>
  </div>
  <form id="add-form" class="form" hidden>
    <strong>Add a task</strong>
    <label>Workstream <input id="add-ws" list="ws-names" required autocomplete="off"></label>
    <label>Title <input id="add-title" required autocomplete="off"></label>
    <label>Description <textarea id="add-description"></textarea></label>
    <label>Priority (0 most urgent) <select id="add-priority">${PRIORITIES}</select></label>
    <label>Depends on (task ids, separated by spaces) <input id="add-deps" autocomplete="off"></label>
    <label>Tags (separated by spaces) <input id="add-tags" autocomplete="off"></label>
    <div class="actions"><button type="submit" class="primary">Add</button><button type="button" id="add-close">Close</button></div>
  </form>
  <form id="run-form" class="form" hidden>
    <strong>Start a run</strong>
    <label>Task <input id="run-task" autocomplete="off"></label>
    <label>Flow (optional) <input id="run-flow" autocomplete="off"></label>
    <div class="actions"><button type="submit" class="primary">Start</button><button type="button" id="run-close">Close</button></div>
  </form>
  <datalist id="ws-names"></datalist><datalist id="agent-names"></datalist>
  <main>
    <div class="col">
      <p id="message" class="error" hidden></p>
      <section><h2>Board <small id="board-count"></small></h2><div id="board"></div></section>
      <section><h2>Dependencies <select id="graph-ws" aria-label="workstream of the graph"></select>
        <small id="graph-count"></small></h2><div id="graph"></div></section>
    </div>
    <div class="col">
      <section><h2>Agents</h2><div id="agents"></div></section>
      <section><h2>Runs <small id="runs-count"></small></h2><div id="runs"></div></section>
      <section><h2>Locks</h2><div id="locks"></div></section>
      <section><h2>Recent events</h2><ol id="events"></ol></section>
    </div>
  </main>
  <aside id="detail" hidden aria-label="task detail"></aside>
</div>
<script src="/dashboard.js"></script>
</body>
</html>
`;
