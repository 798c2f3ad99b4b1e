// The dashboard's script, served at /dashboard.js (plain browser JavaScript, no build step). Every piece
// of user text goes into the page as a text node or textContent, never through innerHTML; attributes are
// only set to fixed strings or ids. The token lives in sessionStorage and goes out as a bearer header
// (and as ?token= on the event stream alone, since EventSource cannot send headers).
export const DASHBOARD_SCRIPT = `'use strict';
(function () {
  var STATUSES = ['open', 'claimed', 'done', 'failed', 'cancelled'];
  var PER_CELL = 30;
  var KEY = 'orc-token';
  var token = null;
  var source = null;
  var refreshTimer = null;
  var refreshing = false;
  var again = false;
  var drafts = {}; // rejection reasons being typed, by run/step, kept across re-renders
  var $ = function (id) { return document.getElementById(id); };

  function el(tag, props) {
    var node = document.createElement(tag);
    if (props) Object.keys(props).forEach(function (k) {
      var v = props[k];
      if (v === undefined || v === null) return;
      if (k === 'class') node.className = v;
      else if (k === 'text') node.textContent = v;
      else if (k.slice(0, 2) === 'on') node.addEventListener(k.slice(2), v);
      else node.setAttribute(k, v);
    });
    for (var i = 2; i < arguments.length; i++) add(node, arguments[i]);
    return node;
  }
  function add(node, child) {
    if (child === null || child === undefined || child === false) return;
    if (Array.isArray(child)) return child.forEach(function (c) { add(node, c); });
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  function badge(status) { return el('span', { class: 'badge ' + status, text: status }); }
  function ago(iso) {
    var s = Math.round((Date.now() - Date.parse(iso)) / 1000);
    var a = Math.abs(s);
    var t = a < 60 ? a + 's' : a < 3600 ? Math.round(a / 60) + 'm' : a < 86400 ? Math.round(a / 3600) + 'h' : Math.round(a / 86400) + 'd';
    return s >= 0 ? t + ' ago' : 'in ' + t;
  }
  function fill(id) {
    var node = $(id);
    node.replaceChildren();
    for (var i = 1; i < arguments.length; i++) add(node, arguments[i]);
  }
  function showMessage(text) {
    var m = $('message');
    m.textContent = text || '';
    m.hidden = !text;
  }

  function readToken() {
    var match = /^#token=([^&]+)/.exec(location.hash);
    if (match) {
      sessionStorage.setItem(KEY, decodeURIComponent(match[1]));
      history.replaceState(null, '', location.pathname + location.search);
    }
    return sessionStorage.getItem(KEY);
  }
  function logout(reason) {
    sessionStorage.removeItem(KEY);
    token = null;
    if (source) source.close();
    source = null;
    $('app').hidden = true;
    $('login').hidden = false;
    $('login-error').textContent = reason || '';
    setLive('down', 'signed out');
  }
  function setLive(cls, text) {
    var pill = $('live');
    pill.className = 'pill ' + cls;
    pill.textContent = text;
  }

  function api(path, body) {
    var init = { headers: { authorization: 'Bearer ' + token } };
    if (body !== undefined) {
      init.method = 'POST';
      init.headers['content-type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    return fetch(path, init).then(function (res) {
      return res.json().catch(function () { return {}; }).then(function (data) {
        if (res.status === 401) {
          logout('The token was not accepted.');
          throw new Error('unauthorized');
        }
        if (!res.ok) throw new Error((data.error && data.error.message) || 'HTTP ' + res.status);
        return data;
      });
    });
  }

  function taskCard(task) {
    var meta = task.id + ' · p' + task.priority;
    if (task.claim) meta += ' · ' + task.claim.agent;
    return el('div', { class: 'task ' + task.status, 'data-task': task.id },
      el('span', { class: 'title', text: task.title }), el('span', { class: 'meta', text: meta }));
  }
  function renderBoard(status, tasks) {
    var names = status.workstreams.map(function (w) { return w.name; });
    tasks.forEach(function (t) { if (names.indexOf(t.workstream) < 0) names.push(t.workstream); });
    if (names.length === 0) return fill('board', el('p', { class: 'empty', text: 'No workstreams yet.' }));
    var head = el('tr', null, el('th', { text: 'workstream' }));
    STATUSES.forEach(function (s) { head.append(el('th', { text: s })); });
    var rows = names.map(function (name) {
      var w = status.workstreams.find(function (x) { return x.name === name; });
      var row = el('tr', { 'data-workstream': name }, el('td', { class: 'ws' }, name,
        w && w.status === 'archived' ? el('small', { text: 'archived' }) : null,
        w && w.counts ? el('small', { text: w.counts.ready + ' ready' }) : null));
      STATUSES.forEach(function (s) {
        var here = tasks.filter(function (t) { return t.workstream === name && t.status === s; });
        var cell = el('td', { 'data-status': s });
        here.slice(0, PER_CELL).forEach(function (t) { cell.append(taskCard(t)); });
        if (here.length > PER_CELL) cell.append(el('span', { class: 'more', text: '+' + (here.length - PER_CELL) + ' more' }));
        row.append(cell);
      });
      return row;
    });
    fill('board', el('table', { class: 'board' }, el('thead', null, head), el('tbody', null, rows)));
  }
  function renderAgents(agents) {
    if (agents.length === 0) return fill('agents', el('p', { class: 'empty', text: 'No agents registered.' }));
    fill('agents', el('table', null,
      el('tr', null, el('th', { text: 'agent' }), el('th', { text: 'role' }), el('th', { text: 'state' }), el('th', { text: 'last seen' })),
      agents.map(function (a) {
        return el('tr', { 'data-agent': a.id }, el('td', { text: a.id }), el('td', { text: a.role }),
          el('td', null, badge(a.state)), el('td', { text: ago(a.lastSeen) }));
      })));
  }
  function renderLocks(locks) {
    if (locks.length === 0) return fill('locks', el('p', { class: 'empty', text: 'No locks held.' }));
    fill('locks', el('table', null,
      el('tr', null, el('th', { text: 'resource' }), el('th', { text: 'owner' }), el('th', { text: 'expires' })),
      locks.map(function (l) {
        return el('tr', null, el('td', { text: l.resource }), el('td', { text: l.owner }), el('td', { text: ago(l.expiresAt) }));
      })));
  }

  function decide(run, step, approved, reason) {
    var path = '/api/runs/' + encodeURIComponent(run) + '/' + (approved ? 'approve' : 'reject');
    var body = approved ? { step: step } : { step: step, reason: reason };
    showMessage('');
    return api(path, body).then(function () {
      delete drafts[run + '/' + step];
      scheduleRefresh(0);
    }, function (error) { showMessage(error.message); });
  }
  function gateBox(run, step) {
    var key = run.id + '/' + step.id;
    var box = el('div', { class: 'gate', 'data-gate': key });
    // A step with two gates waits at the one it has reached: before it runs (no output yet), or after.
    var waiting = step.output === null && step.gate && step.gate.mode === 'before' ? step.gate : step.afterGate || step.gate;
    if (waiting && waiting.criteria) box.append(el('div', null, 'Criteria: ', waiting.criteria));
    if (step.output) box.append(el('pre', { text: step.output.length > 4000 ? step.output.slice(0, 4000) + '…' : step.output }));
    var actions = el('div', { class: 'actions' });
    if (drafts[key] === undefined) {
      actions.append(
        el('button', { class: 'approve', type: 'button', onclick: function () { decide(run.id, step.id, true); } }, 'Approve'),
        el('button', { class: 'reject', type: 'button', onclick: function () { drafts[key] = ''; render(); } }, 'Reject…'));
    } else {
      var input = el('input', { type: 'text', placeholder: 'why (required)', 'aria-label': 'reason for rejecting ' + key });
      input.value = drafts[key];
      input.addEventListener('input', function () { drafts[key] = input.value; });
      var confirm = el('button', { class: 'reject', type: 'button' }, 'Reject');
      confirm.addEventListener('click', function () {
        if (!input.value.trim()) return showMessage('Say why the step is rejected.');
        decide(run.id, step.id, false, input.value);
      });
      actions.append(input, confirm, el('button', { type: 'button', onclick: function () { delete drafts[key]; render(); } }, 'Cancel'));
    }
    box.append(actions);
    return box;
  }
  function renderRuns(runs) {
    if (runs.length === 0) return fill('runs', el('p', { class: 'empty', text: 'No runs yet.' }));
    var focused = document.activeElement && document.activeElement.closest && document.activeElement.closest('[data-gate]');
    var focusKey = focused ? focused.getAttribute('data-gate') : null;
    fill('runs', runs.slice(0, 20).map(function (run) {
      var steps = el('ul', { class: 'steps' }, run.steps.map(function (s) {
        var li = el('li', { 'data-step': s.id }, el('strong', { text: s.id }), ' ', badge(s.status), ' ',
          el('span', { class: 'meta', text: s.agent + (s.gate ? ' · gate ' + s.gate.mode : '') + (s.afterGate ? ' · gate after' : '') + (s.deps.length ? ' · after ' + s.deps.join(', ') : '') }),
          el('div', { text: s.task }));
        if (s.error) li.append(el('div', { class: 'error', text: s.error }));
        if (s.status === 'waiting_approval') li.append(gateBox(run, s));
        return li;
      }));
      return el('div', { class: 'run ' + run.status, 'data-run': run.id },
        el('div', { class: 'run-head' }, el('span', { class: 'id', text: run.id }), badge(run.status),
          el('span', { class: 'meta', text: 'started ' + ago(run.createdAt) + ' · ' + run.plan.source + (run.plan.flow ? ' ' + run.plan.flow : '') })),
        el('div', { class: 'run-task', text: run.task }), steps);
    }));
    if (focusKey) {
      var input = document.querySelector('[data-gate="' + CSS.escape(focusKey) + '"] input');
      if (input) input.focus();
    }
  }
  function eventLine(e) {
    return el('li', null, e.ts.slice(11, 19) + ' ' + e.type + ' ' + e.subject + ' (' + e.actor + ')');
  }

  var data = null;
  function render() {
    if (!data) return;
    $('root').textContent = data.status.root;
    renderRuns(data.runs);
    renderBoard(data.status, data.tasks);
    renderAgents(data.status.agents);
    renderLocks(data.status.locks);
  }
  function refresh() {
    if (refreshing) { again = true; return; }
    refreshing = true;
    Promise.all([api('/api/status?recent=30'), api('/api/tasks'), api('/api/runs?limit=20')]).then(function (r) {
      data = { status: r[0], tasks: r[1], runs: r[2] };
      if (!$('events').firstChild) fill('events', r[0].recentEvents.slice().reverse().map(eventLine));
      render();
    }, function (error) { if (token) showMessage(error.message); }).then(function () {
      refreshing = false;
      if (again) { again = false; scheduleRefresh(0); }
    });
  }
  function scheduleRefresh(ms) {
    clearTimeout(refreshTimer);
    refreshTimer = setTimeout(refresh, ms === undefined ? 150 : ms);
  }

  function connect() {
    if (source) source.close();
    source = new EventSource('/api/events/stream?token=' + encodeURIComponent(token));
    source.onopen = function () { setLive('live', 'live'); scheduleRefresh(0); };
    source.onmessage = function (message) {
      var e = JSON.parse(message.data);
      var list = $('events');
      list.insertBefore(eventLine(e), list.firstChild);
      while (list.childNodes.length > 50) list.removeChild(list.lastChild);
      scheduleRefresh();
    };
    source.onerror = function () {
      setLive('down', 'reconnecting…');
      // A refused stream (a wrong token) is not retried by the browser: check the token, then retry.
      if (source && source.readyState === EventSource.CLOSED)
        api('/api/status?recent=0').then(function () { setTimeout(function () { if (token) connect(); }, 2000); }, function () {});
    };
  }

  function start() {
    token = readToken();
    if (!token) return logout('');
    $('login').hidden = true;
    $('app').hidden = false;
    refresh();
    connect();
  }
  $('login-form').addEventListener('submit', function (event) {
    event.preventDefault();
    var value = $('token-input').value.trim();
    if (!value) return;
    sessionStorage.setItem(KEY, value);
    $('token-input').value = '';
    start();
  });
  // Ages and live/stale states change without events: a slow refresh keeps them true.
  setInterval(function () { if (token) scheduleRefresh(0); }, 30000);
  start();
})();
`;
