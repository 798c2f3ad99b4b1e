import { SCRIPT_BOARD } from './dashboard-script-board.js';
import { SCRIPT_CORE } from './dashboard-script-core.js';
import { SCRIPT_DETAIL } from './dashboard-script-detail.js';
import { SCRIPT_GRAPH } from './dashboard-script-graph.js';

// The dashboard's script, served at /dashboard.js: plain browser JavaScript, no build step, no library,
// in four parts that share one function scope. Every piece of user text goes into the page as a text node
// or textContent, never through innerHTML; attributes are only set to fixed strings or ids. The token lives
// in sessionStorage and goes out as a bearer header only (the event stream is read with fetch for that),
// never in a URL.
// biome-ignore lint/complexity/noUselessStringRaw: raw like the other parts, so an escape reaches the browser as written
const START = String.raw`
  function start() {
    token = readToken();
    if (!token) return logout('');
    $('login').hidden = true;
    $('app').hidden = false;
    connect();
    loadAll();
  }
  $('login-form').addEventListener('submit', function (event) {
    event.preventDefault();
    var value = $('token-input').value.trim();
    if (!value) return;
    sessionStorage.setItem(KEY, value);
    $('token-input').value = '';
    start();
  });
  $('theme').addEventListener('click', function () {
    var next = isDark() ? 'light' : 'dark';
    localStorage.setItem(THEME_KEY, next);
    applyTheme(next);
  });
  matchMedia('(prefers-color-scheme: dark)').addEventListener('change', function () {
    applyTheme(localStorage.getItem(THEME_KEY));
  });
  applyTheme(localStorage.getItem(THEME_KEY));
  bindFilters();
  bindForms();
  bindGraph();
  // Ages, leases and agents' live/stale states change without events: the summary and the page are
  // brought up to date now and then (the tasks are not fetched again).
  setInterval(function () { if (token && state.loaded) refreshStatus().then(render); }, 30000);
  start();
`;

export const DASHBOARD_SCRIPT = `'use strict';
(function () {${SCRIPT_CORE}${SCRIPT_BOARD}${SCRIPT_DETAIL}${SCRIPT_GRAPH}${START}})();
`;
