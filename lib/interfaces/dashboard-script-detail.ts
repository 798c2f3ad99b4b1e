// The dashboard script's task detail panel and its actions (browser JavaScript, see dashboard-script.ts):
// a task's description, dependencies both ways, result, notes, history and brief; claim, release, cancel,
// reopen, re-prioritise and note it; the add-task and start-run forms. All through the HTTP API.
// biome-ignore lint/complexity/noUselessStringRaw: raw like the other parts, so an escape reaches the browser as written
export const SCRIPT_DETAIL = String.raw`
  var detailKey = null; // the task and state the action forms were drawn for: typing survives updates

  function openDetail(id) {
    var aside = $('detail');
    if (view.selected !== id) {
      view.selected = id;
      detailKey = null;
      fill(aside,
        el('button', { type: 'button', class: 'close', 'aria-label': 'close the detail', onclick: closeDetail }, 'Close'),
        el('div', { id: 'detail-info' }),
        el('p', { id: 'detail-error', class: 'error', hidden: true }),
        el('div', { id: 'detail-actions' }),
        el('h3', { text: 'History' }), el('ol', { id: 'detail-history', class: 'meta' }),
        el('details', { id: 'detail-brief', ontoggle: function (e) { if (e.target.open) loadBrief(id); } },
          el('summary', { text: 'Brief (what an agent taking it reads)' }), el('pre', { id: 'detail-brief-text', text: '…' })));
      loadHistory(id);
    }
    aside.hidden = false;
    render();
  }
  function closeDetail() {
    view.selected = null;
    $('detail').hidden = true;
    render();
  }
  function loadHistory(id) {
    api('/api/events?subject=' + encodeURIComponent(id) + '&last=100').then(function (read) {
      if (view.selected !== id) return;
      fill('detail-history', read.events.slice().reverse().map(function (e) {
        var said = e.data && (e.data.reason || e.data.result || e.data.text);
        return el('li', null, ago(e.ts) + ' · ' + e.type + ' by ' + e.actor + (e.data && e.data.agent ? ' (' + e.data.agent + ')' : '') +
          (typeof said === 'string' ? ': ' + said : ''));
      }));
    }, function (error) { if (view.selected === id) fill('detail-history', el('li', { class: 'error', text: error.message })); });
  }
  function loadBrief(id) {
    api(taskPath(id, 'brief')).then(function (b) {
      if (view.selected === id) $('detail-brief-text').textContent = b.brief;
    }, function (error) { if (view.selected === id) $('detail-brief-text').textContent = error.message; });
  }
  function taskLink(id) {
    var t = state.tasks.get(id);
    return el('li', { 'data-link': id }, t ? badge(t.status) : el('span', { class: 'badge', text: 'missing' }), ' ',
      el('button', { type: 'button', class: 'link', text: t ? t.title : id, onclick: function () { if (t) openDetail(id); } }),
      el('span', { class: 'meta', text: id + (t ? ' · ' + t.workstream : '') }));
  }
  function renderDetail() {
    var aside = $('detail');
    if (!view.selected) return void (aside.hidden = true);
    var t = state.tasks.get(view.selected);
    if (!t) {
      fill('detail-info', el('p', { class: 'empty', text: 'Task ' + view.selected + ' is not on the board.' }));
      return;
    }
    var dependents = dependentsOf(t.id);
    var meta = t.id + ' · ' + t.workstream + ' · priority ' + t.priority + (t.claim ? ' · claimed by ' + t.claim.agent + ', lease ' + ago(t.claim.expiresAt) : '') +
      ' · added ' + ago(t.createdAt) + ' by ' + t.createdBy;
    fill('detail-info',
      el('h2', { text: t.title }),
      el('div', null, badge(t.status), ' ', readinessChip(t), t.tags.map(function (g) { return el('span', { class: 'chip', text: g }); })),
      el('span', { class: 'meta', text: meta }),
      el('h3', { text: 'Description' }),
      el('div', { class: 'text' + (t.description ? '' : ' empty'), 'data-field': 'description', text: t.description || 'none' }),
      el('h3', { text: 'Depends on (' + t.deps.length + ')' }),
      t.deps.length ? el('ul', { 'data-field': 'deps' }, t.deps.map(taskLink)) : el('div', { class: 'empty', text: 'nothing' }),
      el('h3', { text: 'Blocks (' + dependents.length + ')' }),
      dependents.length ? el('ul', { 'data-field': 'dependents' }, dependents.map(function (d) { return taskLink(d.id); })) : el('div', { class: 'empty', text: 'nothing' }),
      t.result !== null ? [el('h3', { text: 'Result' }), el('div', { class: 'text', 'data-field': 'result', text: t.result })] : null,
      t.reason !== null ? [el('h3', { text: 'Reason' }), el('div', { class: 'text', 'data-field': 'reason', text: t.reason })] : null,
      el('h3', { text: 'Notes (' + (t.notes ? t.notes.length : 0) + ')' }),
      t.notes && t.notes.length ? el('ul', { 'data-field': 'notes' }, t.notes.map(function (n) {
        return el('li', null, el('span', { class: 'meta', text: n.by + ' · ' + ago(n.at) }), el('div', { class: 'text', text: n.text }));
      })) : el('div', { class: 'empty', text: 'none' }));
    var key = t.id + '|' + t.status + '|' + (t.claim ? t.claim.agent : '') + '|' + t.priority;
    if (key !== detailKey) {
      detailKey = key;
      fill('detail-actions', actionsFor(t));
    }
  }

  /** Runs an action of the panel: the answer (the task) goes into the page at once, the event confirms it. */
  function act(promise) {
    var error = $('detail-error');
    error.hidden = true;
    return promise.then(function (t) {
      if (t && t.id && state.tasks.has(t.id)) state.tasks.set(t.id, t);
      render();
      if (view.selected) loadHistory(view.selected);
      return t;
    }, function (e) {
      error.textContent = e.message;
      error.hidden = false;
    });
  }
  function actionsFor(t) {
    var out = [el('h3', { text: 'Actions' })];
    var expired = readiness(t) === 'expired';
    if (t.status === 'open' || expired) {
      var agent = el('input', { list: 'agent-names', placeholder: 'agent', 'aria-label': 'agent to claim for' });
      out.push(el('div', { class: 'actions' }, agent, el('button', { type: 'button', onclick: function () {
        if (!agent.value.trim()) return void agent.focus();
        act(api(taskPath(t.id, 'claim'), { agent: agent.value.trim() }));
      } }, 'Claim')));
    }
    if (t.status === 'claimed')
      out.push(el('div', { class: 'actions' }, el('button', { type: 'button', onclick: function () {
        act(api(taskPath(t.id, 'release'), { force: true }));
      } }, 'Release'), el('span', { class: 'meta', text: 'back to the queue (recorded as yours)' })));
    if (t.status === 'open' || t.status === 'claimed' || t.status === 'failed') {
      var reason = el('input', { placeholder: 'reason (optional)', 'aria-label': 'reason for cancelling' });
      out.push(el('div', { class: 'actions' }, reason, el('button', { type: 'button', class: 'danger', onclick: function () {
        act(api(taskPath(t.id, 'cancel'), reason.value.trim() ? { reason: reason.value.trim() } : {}));
      } }, 'Cancel task')));
    }
    if (t.status === 'done' || t.status === 'failed' || t.status === 'cancelled')
      out.push(el('div', { class: 'actions' }, el('button', { type: 'button', onclick: function () {
        act(api(taskPath(t.id, 'reopen'), {}));
      } }, 'Reopen')));
    var priority = el('select', { 'aria-label': 'priority' }, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9].map(function (p) {
      return el('option', { value: String(p), text: String(p), selected: p === t.priority });
    }));
    out.push(el('div', { class: 'actions' }, 'Priority ', priority, el('button', { type: 'button', onclick: function () {
      act(api(taskPath(t.id, 'update'), { priority: Number(priority.value) }));
    } }, 'Set priority')));
    var note = el('textarea', { placeholder: 'a note for whoever works on it', 'aria-label': 'note' });
    out.push(note, el('div', { class: 'actions' }, el('button', { type: 'button', onclick: function () {
      if (!note.value.trim()) return void note.focus();
      act(api(taskPath(t.id, 'notes'), { text: note.value })).then(function (done) { if (done) note.value = ''; });
    } }, 'Add note')));
    return out;
  }

  function bindForms() {
    var toggle = function (form, open) {
      $(form).hidden = !open;
      if (open) $(form).querySelector('input').focus();
    };
    $('add-open').addEventListener('click', function () { toggle('add-form', $('add-form').hidden); });
    $('add-close').addEventListener('click', function () { toggle('add-form', false); });
    $('run-open').addEventListener('click', function () { toggle('run-form', $('run-form').hidden); });
    $('run-close').addEventListener('click', function () { toggle('run-form', false); });
    $('add-form').addEventListener('submit', function (event) {
      event.preventDefault();
      var body = { workstream: $('add-ws').value.trim(), title: $('add-title').value, priority: Number($('add-priority').value) };
      if ($('add-description').value.trim()) body.description = $('add-description').value;
      if (words($('add-deps').value).length) body.deps = words($('add-deps').value);
      if (words($('add-tags').value).length) body.tags = words($('add-tags').value);
      showMessage('');
      api('/api/tasks', body).then(function (t) {
        state.tasks.set(t.id, t);
        ['add-title', 'add-description', 'add-deps', 'add-tags'].forEach(function (id) { $(id).value = ''; });
        toggle('add-form', false);
        openDetail(t.id);
      }, function (error) { showMessage(error.message); });
    });
    $('run-form').addEventListener('submit', function (event) {
      event.preventDefault();
      var body = {};
      if ($('run-task').value.trim()) body.task = $('run-task').value;
      if ($('run-flow').value.trim()) body.flow = $('run-flow').value.trim();
      showMessage('');
      api('/api/runs', body).then(function (started) {
        $('run-task').value = '';
        $('run-flow').value = '';
        toggle('run-form', false);
        queued.runs.add(started.id);
        flushSoon(0);
      }, function (error) { showMessage(error.message); });
    });
    document.addEventListener('keydown', function (event) { if (event.key === 'Escape' && view.selected) closeDetail(); });
  }
`;
