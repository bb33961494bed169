/* "Test with a record" (the rule editor's last tab): pick a stored record by searching, or type
   sample values (they override the record's), choose the event, and see through the dry run
   (POST .../dry-run, which writes nothing) which rules match and why, the points each gives,
   the point-ledger lines each scoring model would book (builder-rules-preview.js), the score and
   stage after them, and where the record would be routed. The draft is saved first, so what is
   tested is what is on the page. */
(function () {
  'use strict';

  var R = window.TrellisRules;
  if (!R || !R.root) { return; }
  var el = R.el, t = R.t;
  var box = document.getElementById('rules-test');
  var picked = null, sample = {}, results = el('div', { class: 'rt-results', 'data-test-results': true, 'aria-live': 'polite' });
  var EVENTS = ['created', 'updated', 'manual', 'schedule'];

  function title(record) {
    var parts = R.cfg.fields.filter(function (f) { return f.kind === 'text' || f.kind === 'choice'; }).slice(0, 3)
      .map(function (f) { var v = record[f.key]; return v === null || v === undefined || v === '' ? '' : R.choiceLabel(f, v); })
      .filter(Boolean);
    return '#' + record.id + (parts.length ? ' · ' + parts.join(' · ') : '');
  }

  // -- picking a record ---------------------------------------------------------------------
  function search(q, found) {
    var url = R.urls.records + '?per_page=8&total=0' + (q ? '&q=' + encodeURIComponent(q) : '');
    fetch(url, { credentials: 'same-origin', headers: { Accept: 'application/json' } })
      .then(function (r) { return r.ok ? r.json() : { records: [] }; })
      .then(function (data) {
        found.textContent = '';
        (data.records || []).forEach(function (rec) {
          found.appendChild(el('li', {}, [el('button', { type: 'button', class: 'linklike', 'data-pick-record': rec.id, text: title(rec),
            onclick: function () { picked = rec; found.textContent = ''; draw(); } })]));
        });
        if (!(data.records || []).length) { found.appendChild(el('li', { class: 'muted', text: t.noRecord })); }
      }).catch(function () {});
  }

  function sampleInput(f) {
    var now = sample[f.key];
    var store = function (v) { if (v === '' || v === null) { delete sample[f.key]; } else { sample[f.key] = v; } };
    if (f.kind === 'choice' || f.kind === 'boolean') {
      var opts = f.kind === 'boolean' ? [['true', '✓'], ['false', '✗']] : f.choices.map(function (c) { return [c.value, c.label]; });
      var s = R.select(opts, now === undefined ? '' : String(now), { 'data-sample': f.key, 'aria-label': f.label }, '');
      s.addEventListener('change', function () { store(f.kind === 'boolean' ? (s.value === '' ? '' : s.value === 'true') : s.value); });
      return s;
    }
    var type = f.kind === 'number' ? 'number' : (f.kind === 'date' ? 'date' : 'text');
    return el('input', { class: 'input', type: type, 'data-sample': f.key, 'aria-label': f.label, value: now === undefined ? '' : now,
      placeholder: picked && picked[f.key] !== undefined && picked[f.key] !== null ? String(picked[f.key]) : '',
      oninput: function (e) { store(type === 'number' ? R.number(e.target.value) : e.target.value); } });
  }

  // -- the answer ---------------------------------------------------------------------------
  var ruleName = R.ruleName;
  function doWords(a) {
    var d = a.details || {};
    if (a.type === 'add_points') { return R.fmt(t.pointsTo, { p: (d.points > 0 ? '+' : '') + d.points, r: d.reason || '' }); }
    if (a.type === 'assign') { return R.fmt(t.assignTo, { f: R.fieldName(d.field || 'owner'), s: R.strategyName(d.strategy), t: d.team || '?' }); }
    if (a.type === 'set_fields' || a.type === 'create_record') {
      var vals = d.values || {};
      return (t.actions[a.type] || a.type) + (d.form ? ' ' + d.form : '') + ': ' + Object.keys(vals).map(function (k) {
        return R.fieldName(k, d.form) + ' = ' + JSON.stringify(vals[k]); }).join(t.sep);
    }
    if (a.type === 'notify') { return (t.actions.notify) + ': ' + R.label(d.title); }
    return (t.actions[a.type] || a.type) + (d.url ? ': ' + d.url : '');
  }
  function show(rules, scoring) {
    results.textContent = '';
    var matched = rules.filter(function (r) { return r.status === 'matched'; });
    var routes = [];
    matched.forEach(function (r) {
      r.actions.forEach(function (a) { if (a.type === 'assign') { routes.push([r.rule, a.details]); } });
    });
    results.appendChild(el('h3', { text: t.results + ' · ' + t.matchedCount.replace('{n}', matched.length) }));
    results.appendChild(el('table', { class: 'table rt-rules' }, [el('thead', {}, [el('tr', {}, [t.rule, '', t.would, t.points].map(function (h) {
      return el('th', { text: h }); }))]), el('tbody', {}, rules.map(function (r) {
      var points = r.actions.filter(function (a) { return a.type === 'add_points'; })
        .reduce(function (sum, a) { return sum + (a.details.points || 0); }, 0);
      return el('tr', { 'data-test-rule': r.rule, 'data-status': r.status, class: 'rt-' + r.status }, [
        el('td', { text: ruleName(r.rule) }),
        el('td', {}, [el('span', { class: 'pill rt-pill', text: t.statuses[r.status] || r.status, title: r.reason })]),
        el('td', {}, r.status === 'matched' ? r.actions.map(function (a) { return el('div', { text: doWords(a) }); }) : [el('span', { class: 'muted', text: r.reason })]),
        el('td', { class: 'num', text: points ? (points > 0 ? '+' : '') + points : '' })]);
    }))]));
    results.appendChild(el('h3', { text: t.ledger }));
    results.appendChild(scoring.length ? el('div', { 'data-test-ledger': true }, scoring.map(R.scorePreview))
      : el('p', { class: 'muted', text: t.noLedger }));
    results.appendChild(el('h3', { text: t.routing }));
    results.appendChild(routes.length ? el('ul', { class: 'rt-routes', 'data-test-routing': true }, routes.map(function (x) {
      return el('li', {}, [el('b', { text: ruleName(x[0]) + ': ' }), R.fmt(t.assignTo, { f: R.fieldName(x[1].field || 'owner'), s: R.strategyName(x[1].strategy), t: x[1].team || '?' })]);
    })) : el('p', { class: 'muted', text: t.noRouting }));
    results.appendChild(el('p', { class: 'muted small', text: t.nothingWritten }));
  }

  function run(event, button) {
    button.disabled = true;
    var body = { event: event, record: Object.assign({}, sample) };
    if (picked) { body.record_id = picked.id; }
    if (event === 'updated') { body.changed = Object.keys(sample); }
    R.save(false).then(function () {
      return R.request('POST', R.urls.dryRun, body);
    }).then(function (answer) {
      if (answer.status === 200) { show(answer.data.rules || [], answer.data.scoring || []); }
      else {
        results.textContent = '';
        (answer.data.errors || []).forEach(function (e) {
          results.appendChild(el('p', { class: 'alert alert-error', text: (e.path ? e.path + ': ' : '') + e.message }));
        });
      }
    }).then(function () { button.disabled = false; }, function () { button.disabled = false; });
  }

  function draw() {
    box.textContent = '';
    var q = el('input', { class: 'input', type: 'search', placeholder: t.searchRecord, 'data-record-search': true, 'aria-label': t.searchRecord });
    var found = el('ul', { class: 'rt-found' });
    var timer = null;
    q.addEventListener('input', function () { clearTimeout(timer); timer = setTimeout(function () { search(q.value.trim(), found); }, 250); });
    q.addEventListener('focus', function () { if (!found.children.length) { search(q.value.trim(), found); } });
    var event = R.select(EVENTS.map(function (k) { return [k, t.triggers[k] || k]; }), 'created', { 'data-test-event': true, 'aria-label': t.eventKind });
    var button = el('button', { type: 'button', class: 'btn primary', 'data-run-test': true, text: t.run, onclick: function () { run(event.value, button); } });
    box.appendChild(el('div', { class: 'card rt-pick' }, [
      el('h2', { text: t.testTitle }),
      el('div', { class: 'rl-row-opts' }, [R.labelled(t.record, el('div', { class: 'rt-search' }, [q, found])),
        el('div', { class: 'rt-picked', 'data-picked': picked ? picked.id : '' }, picked ? [el('b', { text: title(picked) }), ' ',
          el('button', { type: 'button', class: 'icon-btn small', text: '×', 'aria-label': t.remove, onclick: function () { picked = null; draw(); } })] : [
          el('span', { class: 'muted', text: t.noRecord })]),
        R.labelled(t.eventKind, event)]),
      el('details', { class: 'rt-sample', open: !picked }, [el('summary', { text: t.sample }), el('div', { class: 'rt-sample-grid' },
        R.cfg.fields.filter(function (f) { return f.kind && f.kind !== 'list'; }).map(function (f) {
          return R.labelled(f.label, sampleInput(f));
        }))]),
      el('p', {}, [button])]));
    box.appendChild(results);
  }

  R.parts.push({ render: draw });
})();
