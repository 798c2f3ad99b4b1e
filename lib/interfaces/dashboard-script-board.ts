// The dashboard script's board (browser JavaScript, see dashboard-script.ts): the filters, the cards by
// workstream and status with ready/blocked on each, who works on what, and the locks.
export const SCRIPT_BOARD = String.raw`
  /** A workstream a run made for its steps (lib/runs/run-board.ts): shown with its run, not on the board. */
  function isRunStream(w) { return w.name.slice(0, 4) === 'run-' && /^run \S+: /.test(w.description || ''); }
  function isRunStep(t) { return t.workstream.slice(0, 4) === 'run-' && t.tags.indexOf('run') >= 0; }
  /** The board's tasks (run steps apart), most urgent first, then oldest, as the API lists them. */
  var sortedTasks = null; // boardTasks() of this frame (render() clears it)
  function boardTasks() {
    if (sortedTasks) return sortedTasks;
    var out = [];
    state.tasks.forEach(function (t) { if (!isRunStep(t)) out.push(t); });
    return (sortedTasks = out.sort(function (a, b) {
      return a.priority - b.priority || (a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : a.id < b.id ? -1 : 1);
    }));
  }
  function workstreamNames() {
    var names = [];
    state.status.workstreams.forEach(function (w) { if (!isRunStream(w)) names.push(w.name); });
    state.tasks.forEach(function (t) { if (!isRunStep(t) && names.indexOf(t.workstream) < 0) names.push(t.workstream); });
    return names;
  }
  function workstreamOf(name) {
    return state.status.workstreams.find(function (w) { return w.name === name; });
  }
  /** The dependencies that are not done (a missing one too): what keeps an open task from being ready. */
  function blockersOf(t) {
    return t.deps.filter(function (d) { var dep = state.tasks.get(d); return !dep || dep.status !== 'done'; });
  }
  function dependentsOf(id) {
    var out = [];
    state.tasks.forEach(function (t) { if (t.deps.indexOf(id) >= 0) out.push(t); });
    return out;
  }
  /** ready, blocked, paused (archived workstream) or expired (a claim whose lease ran out); null otherwise. */
  function readiness(t) {
    if (t.status === 'claimed') return t.claim && Date.parse(t.claim.expiresAt) < Date.now() ? 'expired' : null;
    if (t.status !== 'open') return null;
    if (blockersOf(t).length > 0) return 'blocked';
    var w = workstreamOf(t.workstream);
    return w && w.status !== 'active' ? 'paused' : 'ready';
  }
  function readinessChip(t) {
    var r = readiness(t);
    if (!r) return null;
    var text = r === 'blocked' ? 'blocked by ' + blockersOf(t).length : r === 'expired' ? 'lease expired' : r;
    return el('span', { class: 'chip ' + r, text: text });
  }

  function matches(t) {
    if (view.ws && t.workstream !== view.ws) return false;
    if (view.agent && !(t.claim && t.claim.agent === view.agent)) return false;
    if (view.tag && t.tags.indexOf(view.tag) < 0) return false;
    var s = view.status;
    if (s === 'active' && !(t.status === 'open' || t.status === 'claimed' || t.status === 'failed')) return false;
    if ((s === 'ready' || s === 'blocked') && readiness(t) !== s) return false;
    if (STATUSES.indexOf(s) >= 0 && t.status !== s) return false;
    if (view.text) {
      var needle = view.text.toLowerCase();
      if ((t.title + '\n' + (t.description || '') + '\n' + t.id).toLowerCase().indexOf(needle) < 0) return false;
    }
    return true;
  }
  /** Refills a select's options (texts as text), keeping the choice when it is still there. */
  function setOptions(select, first, values, chosen) {
    var key = first + '\n' + values.join('\n');
    if (select.getAttribute('data-key') !== key) {
      select.setAttribute('data-key', key);
      select.replaceChildren(el('option', { value: '', text: first }));
      values.forEach(function (v) { select.append(el('option', { value: v, text: v })); });
    }
    select.value = values.indexOf(chosen) >= 0 ? chosen : '';
  }
  function agentNames() {
    var names = state.status.agents.map(function (a) { return a.id; });
    state.tasks.forEach(function (t) { if (t.claim && names.indexOf(t.claim.agent) < 0) names.push(t.claim.agent); });
    return names.sort();
  }
  function renderFilters() {
    var names = workstreamNames();
    var tags = [];
    boardTasks().forEach(function (t) { t.tags.forEach(function (g) { if (tags.indexOf(g) < 0) tags.push(g); }); });
    setOptions($('f-ws'), 'all workstreams', names, view.ws);
    setOptions($('f-agent'), 'any agent', agentNames(), view.agent);
    setOptions($('f-tag'), 'any tag', tags.sort(), view.tag);
    fill('ws-names', names.map(function (n) { return el('option', { value: n }); }));
    fill('agent-names', agentNames().map(function (n) { return el('option', { value: n }); }));
  }
  function bindFilters() {
    var bind = function (id, field, eventName) {
      $(id).addEventListener(eventName || 'change', function () { view[field] = $(id).value; render(); });
    };
    bind('f-text', 'text', 'input');
    bind('f-ws', 'ws');
    $('f-ws').addEventListener('change', function () { if (view.ws) view.graphWs = view.ws; });
    bind('f-status', 'status');
    bind('f-agent', 'agent');
    bind('f-tag', 'tag');
  }

  function taskCard(t) {
    var meta = t.id + ' · p' + t.priority;
    if (t.claim) meta += ' · ' + t.claim.agent;
    var card = el('button', { type: 'button', class: 'task ' + t.status + (view.selected === t.id ? ' selected' : ''), 'data-task': t.id,
      onclick: function () { openDetail(t.id); } },
      el('span', { class: 'title', text: t.title }), el('span', { class: 'meta', text: meta }), readinessChip(t),
      t.tags.map(function (g) { return el('span', { class: 'chip', text: g }); }));
    return card;
  }
  function renderBoard() {
    var names = workstreamNames();
    if (view.ws) names = names.filter(function (n) { return n === view.ws; });
    var byStream = new Map(names.map(function (n) { return [n, { open: [], claimed: [], failed: [], done: [], cancelled: [] }]; }));
    var shown = 0;
    var readyIn = {};
    var all = boardTasks();
    all.forEach(function (t) {
      var lanes = byStream.get(t.workstream);
      if (!lanes) return;
      if (readiness(t) === 'ready') readyIn[t.workstream] = (readyIn[t.workstream] || 0) + 1;
      if (!matches(t)) return;
      lanes[t.status].push(t);
      shown++;
    });
    var total = all.length;
    $('board-count').textContent = shown === total ? total + ' tasks' : shown + ' of ' + total + ' tasks';
    if (names.length === 0) return fill('board', el('p', { class: 'empty', text: 'No workstreams yet.' }));
    var lanesShown = STATUSES.indexOf(view.status) >= 0 ? [view.status]
      : view.status === 'ready' || view.status === 'blocked' ? ['open']
      : view.status === 'active' ? ['open', 'claimed', 'failed'] : STATUSES;
    var filtering = view.text || view.agent || view.tag || view.status;
    fill('board', names.map(function (name) {
      var lanes = byStream.get(name);
      var count = lanesShown.reduce(function (n, s) { return n + lanes[s].length; }, 0);
      if (filtering && count === 0) return null;
      var w = workstreamOf(name);
      var ready = readyIn[name] || 0;
      return el('div', { class: 'ws-row', 'data-workstream': name },
        el('div', { class: 'ws-head' }, name, el('small', { text: ready + ' ready' + (w && w.status !== 'active' ? ' · ' + w.status : '') })),
        el('div', { class: 'lanes' + (lanesShown.length === 1 ? ' one' : '') }, lanesShown.map(function (s) {
          var here = lanes[s];
          return el('div', { class: 'lane' + (here.length === 0 ? ' empty' : ''), 'data-status': s },
            el('h3', { text: s + ' ' + here.length }),
            here.slice(0, PER_CELL).map(taskCard),
            here.length > PER_CELL ? el('span', { class: 'more', text: '+' + (here.length - PER_CELL) + ' more: narrow with the filters' }) : null);
        })));
    }));
  }

  /** Each agent with what it holds: board claims (run steps' tasks apart), and run steps it is running. */
  function renderAgents() {
    var names = agentNames().filter(function (n) { return n !== 'orc-runner'; });
    var holding = {};
    state.tasks.forEach(function (t) {
      if (t.status === 'claimed' && t.claim && !isRunStep(t)) (holding[t.claim.agent] = holding[t.claim.agent] || []).push(t);
    });
    var running = {};
    state.runs.forEach(function (run) {
      run.steps.forEach(function (s) {
        if (s.status === 'running' || s.status === 'waiting_approval')
          (running[s.agent] = running[s.agent] || []).push({ run: run, step: s });
      });
    });
    Object.keys(running).forEach(function (n) { if (names.indexOf(n) < 0) names.push(n); });
    if (names.length === 0) return fill('agents', el('p', { class: 'empty', text: 'No agents registered.' }));
    fill('agents', names.map(function (name) {
      var a = state.status.agents.find(function (x) { return x.id === name; });
      var tasks = holding[name] || [];
      var steps = running[name] || [];
      return el('div', { class: 'agent', 'data-agent': name },
        el('div', { class: 'who' }, el('strong', { text: name }), a ? el('span', { class: 'meta', text: a.role }) : null,
          a ? badge(a.state) : el('span', { class: 'meta', text: 'run agent' }), a ? el('span', { class: 'meta', text: ago(a.lastSeen) }) : null),
        tasks.length + steps.length === 0 ? el('div', { class: 'empty', text: 'idle' }) : null,
        tasks.map(function (t) {
          return el('div', { 'data-holds': t.id }, 'on ', el('button', { type: 'button', class: 'link', text: t.title, onclick: function () { openDetail(t.id); } }),
            el('span', { class: 'meta', text: t.id + ' · ' + t.workstream + ' · lease ' + ago(t.claim.expiresAt) }));
        }),
        steps.map(function (x) {
          return el('div', { 'data-step': x.run.id + '/' + x.step.id }, 'step ', el('strong', { text: x.step.id }),
            el('span', { class: 'meta', text: 'run ' + x.run.id + ' · ' + x.step.status.replace('_', ' ') }));
        }));
    }));
  }
  function renderLocks() {
    var locks = state.status.locks;
    if (locks.length === 0) return fill('locks', el('p', { class: 'empty', text: 'No locks held.' }));
    fill('locks', el('table', null,
      el('tr', null, el('th', { text: 'resource' }), el('th', { text: 'owner' }), el('th', { text: 'expires' })),
      locks.map(function (l) {
        return el('tr', null, el('td', { text: l.resource }), el('td', { text: l.owner }), el('td', { text: ago(l.expiresAt) }));
      })));
  }
`;
