// The dashboard script's core (browser JavaScript, concatenated into /dashboard.js by dashboard-script.ts):
// building nodes, the API with the bearer token, the page's state and how events change it. Text from the
// workspace only ever becomes a text node or textContent; attributes are set to fixed names or ids.
export const SCRIPT_CORE = String.raw`
  var STATUSES = ['open', 'claimed', 'failed', 'done', 'cancelled'];
  var FINISHED_RUN = { complete: 1, failed: 1, cancelled: 1 };
  var PER_CELL = 30;
  var KEY = 'orc-token';
  var THEME_KEY = 'orc-theme';
  var SVGNS = 'http://www.w3.org/2000/svg';
  var token = null;
  var stream = null;
  // What the page knows: every task by id, the status summary (workstreams, agents, locks), the runs.
  var state = { status: null, tasks: new Map(), runs: [], loaded: false, lastEventId: null };
  // What the person chose: filters, the task in the detail panel, runs opened or closed by hand.
  var view = { text: '', ws: '', status: '', agent: '', tag: '', selected: null, graphWs: '', runOpen: {} };
  var drafts = {}; // text being typed into forms that re-render (rejection reasons), by key
  var $ = function (id) { return document.getElementById(id); };

  function el(tag, props) {
    var node = document.createElement(tag);
    setProps(node, props);
    for (var i = 2; i < arguments.length; i++) add(node, arguments[i]);
    return node;
  }
  function svg(tag, props) {
    var node = document.createElementNS(SVGNS, tag);
    setProps(node, props);
    for (var i = 2; i < arguments.length; i++) add(node, arguments[i]);
    return node;
  }
  function setProps(node, props) {
    if (props) Object.keys(props).forEach(function (k) {
      var v = props[k];
      if (v === undefined || v === null || v === false) return;
      if (k === 'class') node.setAttribute('class', v);
      else if (k === 'text') node.textContent = v;
      else if (k === 'value') node.value = v;
      else if (k.slice(0, 2) === 'on') node.addEventListener(k.slice(2), v);
      else node.setAttribute(k, v === true ? '' : String(v));
    });
  }
  function add(node, child) {
    if (child === null || child === undefined || child === false) return;
    if (Array.isArray(child)) return child.forEach(function (c) { add(node, c); });
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  function fill(id) {
    var node = typeof id === 'string' ? $(id) : id;
    node.replaceChildren();
    for (var i = 1; i < arguments.length; i++) add(node, arguments[i]);
  }
  function badge(status) { return el('span', { class: 'badge ' + status, text: status }); }
  function ago(iso) {
    var s = Math.round((Date.now() - Date.parse(iso)) / 1000);
    var a = Math.abs(s);
    var t = a < 60 ? a + 's' : a < 3600 ? Math.round(a / 60) + 'm' : a < 86400 ? Math.round(a / 3600) + 'h' : Math.round(a / 86400) + 'd';
    return s >= 0 ? t + ' ago' : 'in ' + t;
  }
  function showMessage(text) {
    var m = $('message');
    m.textContent = text || '';
    m.hidden = !text;
  }
  function words(text) { return text.split(/[\s,]+/).filter(Boolean); }

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
    if (stream) stream.abort();
    stream = null;
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

  /** GET (no body) or POST (a JSON body) with the bearer token; rejects with the API's one-line message. */
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
        if (!res.ok) {
          var error = new Error((data.error && data.error.message) || 'HTTP ' + res.status);
          error.status = res.status;
          throw error;
        }
        return data;
      });
    });
  }
  function taskPath(id, action) {
    return '/api/tasks/' + encodeURIComponent(id) + (action ? '/' + action : '');
  }

  /**
   * The event stream, read with fetch so the token goes in the Authorization header and never in a
   * URL. The first load goes out with it, not after it (the first paint waits for one round trip less).
   * Each time the stream opens, the events since the last one the page saw (between the board's reading
   * and the stream's start, or while it was away) are caught up from the log. Each event changes only
   * what it names.
   */
  function connect() {
    if (stream) stream.abort();
    var controller = new AbortController();
    stream = controller;
    fetch('/api/events/stream', { headers: { authorization: 'Bearer ' + token }, signal: controller.signal })
      .then(function (res) {
        if (res.status === 401) return logout('The token was not accepted.');
        if (!res.ok || !res.body) throw new Error('HTTP ' + res.status);
        setLive('live', 'live');
        catchUp();
        var reader = res.body.getReader();
        var decoder = new TextDecoder();
        var buffer = '';
        var pump = function () {
          return reader.read().then(function (chunk) {
            if (chunk.done) throw new Error('the stream ended');
            buffer += decoder.decode(chunk.value, { stream: true });
            var frames = buffer.split('\n\n');
            buffer = frames.pop();
            frames.forEach(readFrame);
            return pump();
          });
        };
        return pump();
      })
      .catch(function () {
        if (stream !== controller || controller.signal.aborted) return;
        setLive('down', 'reconnecting…');
        if (!state.loaded) loadAll();
        setTimeout(function () { if (token && stream === controller) connect(); }, 2000);
      });
  }
  function readFrame(frame) {
    var data = [];
    frame.split('\n').forEach(function (line) {
      if (line.slice(0, 5) === 'data:') data.push(line.slice(line.charAt(5) === ' ' ? 6 : 5));
    });
    if (data.length === 0) return;
    var event;
    try { event = JSON.parse(data.join('\n')); } catch (e) { return; }
    if (event && typeof event.type === 'string' && typeof event.subject === 'string') onEvent(event);
  }

  /** After the first load: the events of the log since the last one it saw, applied as if streamed. */
  function catchUp() {
    Promise.resolve(loading).then(function () {
      if (!state.loaded) return loadAll();
      return api('/api/events?last=200').then(function (read) {
        var at = read.events.findIndex(function (e) { return e.id === state.lastEventId; });
        // Its last event out of reach (or none seen, and the log long): the board is read again.
        if (at < 0 && (state.lastEventId !== null || read.events.length === 200)) return loadAll();
        read.events.slice(at + 1).forEach(onEvent);
      });
    }).catch(function (error) { if (token) showMessage(error.message); });
  }

  var loading = null;
  function loadAll() {
    if (loading) return loading;
    loading = Promise.all([api('/api/status?recent=30'), api('/api/tasks'), api('/api/runs?limit=50')]).then(function (r) {
      state.status = r[0];
      state.tasks = new Map(r[1].map(function (t) { return [t.id, t]; }));
      state.runs = r[2];
      state.loaded = true;
      var recent = r[0].recentEvents;
      state.lastEventId = recent.length ? recent[recent.length - 1].id : null;
      shownEvents = new Set(recent.map(function (e) { return e.id; }));
      fill('events', recent.slice().reverse().map(eventLine));
      showMessage('');
      render();
    }, function (error) { if (token) showMessage(error.message); }).then(function () {
      loading = null;
      flushSoon(0); // what events named while the board was loading is fetched again, newer than the list
    });
    return loading;
  }

  // What events named since the last flush: tasks and runs to fetch one by one, the summary once.
  var queued = { tasks: new Set(), runs: new Set(), status: false };
  var flushTimer = null;
  var shownEvents = new Set();
  function onEvent(e) {
    // Caught up and streamed both, an event shows once (refetching what it names twice does no harm).
    state.lastEventId = e.id;
    if (!shownEvents.has(e.id)) {
      shownEvents.add(e.id);
      var list = $('events');
      list.insertBefore(eventLine(e), list.firstChild);
      while (list.childNodes.length > 50) list.removeChild(list.lastChild);
    }
    var kind = e.type.split('.')[0];
    if (kind === 'task') queued.tasks.add(e.subject);
    else if (kind === 'run') queued.runs.add(e.subject.split('/')[0]);
    if (kind !== 'task' || e.type === 'task.claimed' || e.type === 'task.released') queued.status = true;
    flushSoon(100);
  }
  function flushSoon(ms) {
    clearTimeout(flushTimer);
    flushTimer = setTimeout(flush, ms);
  }
  function flush() {
    if (loading || !state.loaded) return;
    var tasks = Array.from(queued.tasks);
    var runs = Array.from(queued.runs);
    var status = queued.status;
    queued = { tasks: new Set(), runs: new Set(), status: false };
    if (tasks.length === 0 && runs.length === 0 && !status) return;
    // A burst (an import, a merge) is cheaper as one list than as hundreds of requests.
    if (tasks.length > 100) return void loadAll();
    var work = tasks.map(function (id) {
      return api(taskPath(id)).then(function (t) { state.tasks.set(t.id, t); }, function (error) {
        if (error.status === 404) state.tasks.delete(id);
      });
    });
    runs.forEach(function (id) {
      work.push(api('/api/runs/' + encodeURIComponent(id)).then(function (run) {
        var at = state.runs.findIndex(function (r) { return r.id === run.id; });
        if (at >= 0) state.runs[at] = run;
        else state.runs.unshift(run);
      }, function () {}));
    });
    if (status) work.push(refreshStatus());
    Promise.all(work).then(function () {
      render();
      if (view.selected && tasks.indexOf(view.selected) >= 0) loadHistory(view.selected);
    });
  }
  function refreshStatus() {
    return api('/api/status?recent=0').then(function (s) { state.status = s; }, function () {});
  }

  var renderQueued = false;
  function render() {
    if (renderQueued) return;
    renderQueued = true;
    requestAnimationFrame(function () {
      renderQueued = false;
      if (!state.loaded) return;
      sortedTasks = null;
      $('root').textContent = state.status.root;
      renderFilters();
      renderBoard();
      renderAgents();
      renderRuns();
      renderLocks();
      renderDetail();
      // The graph (up to 150 nodes) after the board is on screen: the first paint does not wait for it.
      setTimeout(renderGraph, 0);
    });
  }
  function eventLine(e) {
    return el('li', null, e.ts.slice(11, 19) + ' ' + e.type + ' ' + e.subject + ' (' + e.actor + ')');
  }

  function applyTheme(theme) {
    if (theme) document.documentElement.setAttribute('data-theme', theme);
    else document.documentElement.removeAttribute('data-theme');
    $('theme').textContent = isDark() ? 'Light' : 'Dark';
  }
  function isDark() {
    var chosen = document.documentElement.getAttribute('data-theme');
    return chosen ? chosen === 'dark' : matchMedia('(prefers-color-scheme: dark)').matches;
  }
`;
