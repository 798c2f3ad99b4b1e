// The dashboard script's graphs and runs (browser JavaScript, see dashboard-script.ts): a layered layout
// (each node in the layer of its longest path from a node without dependencies, layers ordered by the mean
// position of their dependencies), drawn as inline SVG for a workstream's tasks and for each run's steps;
// runs with their gates, finished ones collapsed.
export const SCRIPT_GRAPH = String.raw`
  var GRAPH_MAX = 150;
  var NODE_W = 170, NODE_H = 38, GAP_X = 46, GAP_Y = 12;
  var graphCount = 0;

  /** Layers of a DAG: ids (in order), depsOf(id) the ids it depends on among them. A cycle is cut. */
  function layerGraph(ids, depsOf) {
    var layer = {};
    var onPath = {};
    var depth = function (id) {
      if (layer[id] !== undefined) return layer[id];
      if (onPath[id]) return 0;
      onPath[id] = true;
      var d = 0;
      depsOf(id).forEach(function (dep) { d = Math.max(d, depth(dep) + 1); });
      onPath[id] = false;
      return (layer[id] = d);
    };
    ids.forEach(depth);
    var layers = [];
    ids.forEach(function (id) { (layers[layer[id]] = layers[layer[id]] || []).push(id); });
    var row = {};
    layers.forEach(function (ids, i) {
      if (i > 0) {
        var mean = {};
        ids.forEach(function (id) {
          var deps = depsOf(id);
          mean[id] = deps.reduce(function (s, d) { return s + row[d]; }, 0) / Math.max(1, deps.length);
        });
        ids.sort(function (a, b) { return mean[a] - mean[b]; });
      }
      ids.forEach(function (id, j) { row[id] = j; });
    });
    return { layers: layers, layer: layer, row: row };
  }
  function cut(text, n) { return text.length > n ? text.slice(0, n - 1) + '…' : text; }

  /** An SVG of nodes {id, label, sub, cls, title} with edges dep → node, left to right by layer. */
  function drawGraph(nodes, depsOf, onPick) {
    var byId = {};
    nodes.forEach(function (n) { byId[n.id] = n; });
    var inGraph = function (id) { return depsOf(id).filter(function (d) { return byId[d]; }); };
    var g = layerGraph(nodes.map(function (n) { return n.id; }), inGraph);
    var tallest = g.layers.reduce(function (m, l) { return Math.max(m, l.length); }, 0);
    var width = g.layers.length * (NODE_W + GAP_X) - GAP_X + 16;
    var height = tallest * (NODE_H + GAP_Y) - GAP_Y + 16;
    var x = function (id) { return 8 + g.layer[id] * (NODE_W + GAP_X); };
    var y = function (id) { return 8 + g.row[id] * (NODE_H + GAP_Y); };
    // Each drawing has its own arrowhead: ids are page-wide and several graphs are on the page.
    var arrow = 'arrow-' + ++graphCount;
    var edges = [svg('defs', null, svg('marker', { id: arrow, viewBox: '0 0 8 8', refX: 8, refY: 4, markerWidth: 7, markerHeight: 7, orient: 'auto' },
      svg('path', { d: 'M0 0 L8 4 L0 8 z', class: 'arrow' })))];
    nodes.forEach(function (n) {
      inGraph(n.id).forEach(function (d) {
        var x1 = x(d) + NODE_W, y1 = y(d) + NODE_H / 2, x2 = x(n.id), y2 = y(n.id) + NODE_H / 2;
        var mid = (x1 + x2) / 2;
        edges.push(svg('path', { class: 'edge', 'data-from': d, 'data-to': n.id, 'marker-end': 'url(#' + arrow + ')',
          d: 'M' + x1 + ' ' + y1 + ' C' + mid + ' ' + y1 + ' ' + mid + ' ' + y2 + ' ' + x2 + ' ' + y2 }));
      });
    });
    var drawn = nodes.map(function (n) {
      var node = svg('g', { class: 'node ' + n.cls, 'data-node': n.id, transform: 'translate(' + x(n.id) + ' ' + y(n.id) + ')',
        tabindex: onPick ? '0' : null, role: onPick ? 'button' : null },
        svg('title', { text: n.title }),
        svg('rect', { width: NODE_W, height: NODE_H, rx: 5 }),
        svg('text', { x: 7, y: 15, text: cut(n.label, 27) }),
        svg('text', { x: 7, y: 30, class: 'sub', text: cut(n.sub, 30) }));
      if (onPick) {
        node.addEventListener('click', function () { onPick(n.id); });
        node.addEventListener('keydown', function (e) { if (e.key === 'Enter') onPick(n.id); });
      }
      return node;
    });
    return svg('svg', { width: width, height: height, viewBox: '0 0 ' + width + ' ' + height, role: 'img' }, edges, drawn);
  }

  /** The dependency graph of one workstream: its tasks and the tasks elsewhere they wait for. */
  function renderGraph() {
    var names = workstreamNames();
    if (!view.graphWs || names.indexOf(view.graphWs) < 0) {
      view.graphWs = view.ws || names.find(function (n) { return boardTasks().some(function (t) { return t.workstream === n && t.deps.length; }); }) || names[0] || '';
    }
    var select = $('graph-ws');
    if (select.getAttribute('data-key') !== names.join('\n')) {
      select.setAttribute('data-key', names.join('\n'));
      select.replaceChildren();
      names.forEach(function (n) { select.append(el('option', { value: n, text: n })); });
    }
    select.value = view.graphWs;
    var tasks = boardTasks().filter(function (t) { return t.workstream === view.graphWs; });
    var shown = tasks.slice(0, GRAPH_MAX);
    var here = new Set(shown.map(function (t) { return t.id; }));
    var outside = [];
    shown.forEach(function (t) {
      t.deps.forEach(function (d) { if (!here.has(d)) { here.add(d); outside.push(d); } });
    });
    $('graph-count').textContent = tasks.length > GRAPH_MAX ? 'the first ' + GRAPH_MAX + ' of ' + tasks.length + ' tasks' : tasks.length + ' tasks';
    if (tasks.length === 0) return fill('graph', el('p', { class: 'empty', text: 'No tasks in this workstream.' }));
    var nodes = shown.map(function (t) {
      return { id: t.id, label: t.title, sub: t.id + ' · ' + t.status + (t.claim ? ' · ' + t.claim.agent : ''), cls: t.status, title: t.title };
    }).concat(outside.map(function (id) {
      var t = state.tasks.get(id);
      return { id: id, label: t ? t.title : id, sub: t ? t.workstream + ' · ' + t.status : 'missing', cls: 'external ' + (t ? t.status : ''), title: t ? t.title : id };
    }));
    var depsOf = function (id) { var t = state.tasks.get(id); return t ? t.deps : []; };
    fill('graph', el('div', { class: 'graph', 'data-graph': view.graphWs }, drawGraph(nodes, depsOf, function (id) { if (state.tasks.has(id)) openDetail(id); })));
  }
  function bindGraph() {
    $('graph-ws').addEventListener('change', function () { view.graphWs = $('graph-ws').value; render(); });
  }

  function runDag(run) {
    var nodes = run.steps.map(function (s) {
      return { id: s.id, label: s.id, sub: s.agent + ' · ' + s.status, cls: s.status, title: s.task };
    });
    var deps = {};
    run.steps.forEach(function (s) { deps[s.id] = s.deps; });
    return el('div', { class: 'graph', 'data-dag': run.id }, drawGraph(nodes, function (id) { return deps[id] || []; }, null));
  }

  function decide(run, step, approved, reason) {
    var path = '/api/runs/' + encodeURIComponent(run) + '/' + (approved ? 'approve' : 'reject');
    var body = approved ? { step: step } : { step: step, reason: reason };
    showMessage('');
    return api(path, body).then(function () {
      delete drafts[run + '/' + step];
      queued.runs.add(run);
      flushSoon(0);
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
  /** Runs in progress open, finished ones collapsed (unless opened by hand); each with its DAG and steps. */
  var runsDrawn = null;
  function renderRuns() {
    // Drawn again only when a run, a draft or the minute changed: a gate's buttons and input are not
    // replaced under the pointer by an event about something else.
    var drawing = JSON.stringify([state.runs, drafts, Math.floor(Date.now() / 60000)]);
    if (drawing === runsDrawn) return;
    runsDrawn = drawing;
    var runs = state.runs.slice().sort(function (a, b) {
      return (FINISHED_RUN[a.status] ? 1 : 0) - (FINISHED_RUN[b.status] ? 1 : 0) || (a.createdAt < b.createdAt ? 1 : -1);
    });
    var active = runs.filter(function (r) { return !FINISHED_RUN[r.status]; }).length;
    $('runs-count').textContent = runs.length ? active + ' in progress, ' + (runs.length - active) + ' finished' : '';
    if (runs.length === 0) return fill('runs', el('p', { class: 'empty', text: 'No runs yet.' }));
    var focused = document.activeElement && document.activeElement.closest && document.activeElement.closest('[data-gate]');
    var focusKey = focused ? focused.getAttribute('data-gate') : null;
    fill('runs', runs.slice(0, 20).map(function (run) {
      var open = view.runOpen[run.id] !== undefined ? view.runOpen[run.id] : !FINISHED_RUN[run.status];
      var steps = el('ul', { class: 'steps' }, run.steps.map(function (s) {
        var li = el('li', { 'data-step': s.id }, el('strong', { text: s.id }), ' ', badge(s.status), ' ',
          el('span', { class: 'meta', text: s.agent + (s.gate ? ' · gate ' + s.gate.mode : '') + (s.afterGate ? ' · gate after' : '') + (s.deps.length ? ' · after ' + s.deps.join(', ') : '') }),
          el('div', { text: s.task }));
        if (s.error) li.append(el('div', { class: 'error', text: s.error }));
        if (s.decision && s.decision.note) li.append(el('div', { class: 'meta', text: s.decision.decision + ': ' + s.decision.note }));
        if (s.status === 'waiting_approval') li.append(gateBox(run, s));
        return li;
      }));
      var box = el('details', { class: 'run ' + run.status, 'data-run': run.id, open: open },
        el('summary', { class: 'run-head' }, el('span', { class: 'id', text: run.id }), badge(run.status),
          el('span', { class: 'meta', text: 'started ' + ago(run.createdAt) + ' · ' + run.plan.source + (run.plan.flow ? ' ' + run.plan.flow : '') })),
        el('div', { class: 'run-task', text: run.task }), runDag(run), steps);
      // Opening it at creation fires a toggle too: only a change from what its status implies is kept.
      box.addEventListener('toggle', function () {
        if (box.open !== !FINISHED_RUN[run.status] || view.runOpen[run.id] !== undefined) view.runOpen[run.id] = box.open;
      });
      return box;
    }), runs.length > 20 ? el('p', { class: 'more', text: '+' + (runs.length - 20) + ' older runs (orc run list)' }) : null);
    if (focusKey) {
      var input = document.querySelector('[data-gate="' + CSS.escape(focusKey) + '"] input');
      if (input) input.focus();
    }
  }
`;
