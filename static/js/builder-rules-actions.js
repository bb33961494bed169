/* The actions of a rule (builder-rules-list.js places them): each action type with its own
   options — set fields to formula values, add points with a reason, assign by a routing
   strategy within a team or through a decision table, create a related record, notify
   people, call a webhook, start or stop a workflow — and each action told in words. */
(function () {
  'use strict';

  var R = window.TrellisRules;
  if (!R || !R.root) { return; }
  var el = R.el, t = R.t;

  function set(obj, name, value) {
    if (value === '' || value === null || value === undefined) { delete obj[name]; } else { obj[name] = value; }
  }
  function team(key) { return key || '?'; }

  /* An action in words, for the rule's one-line summary. */
  R.actionWords = function (a) {
    var name = t.actions[a.type] || a.type;
    if (a.type === 'add_points') { return R.fmt(t.pointsTo, { p: (a.points > 0 ? '+' : '') + a.points, r: a.reason || '' }); }
    if (a.type === 'set_fields') {
      return name + ': ' + Object.keys(a.values || {}).map(function (k) { return R.fieldName(k) + ' = ' + a.values[k]; }).join(t.sep);
    }
    if (a.type === 'assign') {
      return R.fmt(t.assignTo, { f: R.fieldName(a.field || 'owner'), s: R.strategyName(a.strategy), t: a.table ? a.table : team(a.team) });
    }
    if (a.type === 'create_record') { return name + ': ' + (a.form || '?'); }
    if (a.type === 'notify') { return name + ': ' + R.label(a.title); }
    if (a.type === 'webhook') { return name + ': ' + (a.url || ''); }
    return name;
  };

  // -- shared controls ----------------------------------------------------------------------
  function input(obj, name, attrs, parse, redraw) {
    return el('input', Object.assign({ class: 'input', value: obj[name] === undefined ? '' : obj[name],
      oninput: function (e) { set(obj, name, parse ? parse(e.target.value) : e.target.value.trim()); R.changed(); if (redraw) { redraw(); } } }, attrs || {}));
  }
  function select(obj, name, options, blank, after) {
    var s = R.select(options, obj[name], {}, blank);
    s.addEventListener('change', function () { set(obj, name, s.value); R.changed(0); if (after) { after(); } });
    return s;
  }
  function fieldOptions(fields, test) {
    return fields.filter(test).map(function (f) { return [f.key, f.label]; });
  }
  /* Rows of key → formula (set fields, a new record's values, a webhook's body). */
  function formulaRows(a, prop, path, keys, form, done, optional) {
    var box = el('div', { class: 'rl-values', 'data-path': path + '/' + prop });
    function own() { a[prop] = a[prop] || {}; return a[prop]; }
    function tidy() { if (optional && a[prop] && !Object.keys(a[prop]).length) { delete a[prop]; } }
    function draw() {
      box.textContent = '';
      tidy();
      Object.keys(a[prop] || {}).forEach(function (key) {
        var keyCtl = keys ? R.select(keys, key, { 'data-value-key': true, 'aria-label': t.field })
          : el('input', { class: 'input', value: key, 'data-value-key': true, 'aria-label': t.key });
        keyCtl.addEventListener('change', function () { rename(key, keyCtl.value.trim()); });
        var area = R.formulaArea(a[prop][key], 'value', form, { 'data-value-formula': true, 'aria-label': t.value });
        area.addEventListener('input', function () { a[prop][key] = area.value; R.changed(); done(); });
        box.appendChild(el('div', { class: 'rl-value-row', 'data-path': path + '/' + prop + '/' + key }, [keyCtl, el('span', { text: '=' }), area,
          el('button', { type: 'button', class: 'icon-btn small danger', text: '×', 'aria-label': t.remove,
            onclick: function () { delete own()[key]; tidy(); R.changed(0); draw(); done(); } }), R.errorBox()]));
      });
      box.appendChild(el('button', { type: 'button', class: 'btn small', 'data-add-value': true, text: '＋ ' + t.addValue, onclick: function () {
        var free = keys ? keys.map(function (k) { return k[0]; }).filter(function (k) { return !(k in own()); }) : [];
        var key = keys ? free[0] : R.uniqueKey('key', Object.keys(own()));
        if (!key) { return; }
        own()[key] = '';
        draw();
      } }));
      box.appendChild(R.errorBox());
    }
    function rename(old, key) {
      if (!key || key === old || key in own()) { return; }
      var out = {};
      Object.keys(own()).forEach(function (k) { out[k === old ? key : k] = a[prop][k]; });
      a[prop] = out; R.changed(0); draw(); done();
    }
    draw();
    return box;
  }
  /* A user picker (static/js/user-picker.js): keeps the chosen id as text, as rules name
     users (or the text typed). */
  function userPicker(obj, name, label) {
    var picker = window.TrellisUserPicker({ url: R.urls.users, value: obj[name], label: label,
      name: (R.cfg.people || {})[obj[name]], placeholder: t.searchUser,
      onpick: function (v) { set(obj, name, typeof v === 'number' ? String(v) : v); R.changed(); } });
    picker.classList.add('rl-user');
    return picker;
  }

  // -- the types' options -------------------------------------------------------------------
  var OPTIONS = {
    set_fields: function (a, p, done) {
      return [formulaRows(a, 'values', p, fieldOptions(R.cfg.fields, function (f) { return f.settable; }), R.form, done)];
    },
    add_points: function (a, p) {
      var models = (R.doc.scoring || []).map(function (m) { return [m.key, R.label(m.label) || m.key]; });
      return [R.labelled(t.points, input(a, 'points', { type: 'number', 'data-points': true }, R.number), p + '/points', 'short'),
              R.labelled(t.reason, input(a, 'reason', { 'data-reason': true, maxlength: 200 }), p + '/reason', 'wide'),
              models.length > 1 || a.model ? R.labelled(t.model, select(a, 'model', models, t.none), p + '/model') : null];
    },
    assign: function (a, p, done, redraw) {
      var tables = (R.doc.tables || []);
      var table = tables.filter(function (x) { return x.key === a.table; })[0];
      var teams = el('datalist', { id: 'teams-' + p.replace(/\W/g, '_') }, R.cfg.teams.map(function (n) { return el('option', { value: n }); }));
      a.fallback = a.fallback || {};
      var fallback = a.fallback;
      var tidy = function () { if (!Object.keys(fallback).length) { delete a.fallback; } else { a.fallback = fallback; } };
      var out = [R.labelled(t.strategy, select(a, 'strategy', R.cfg.strategies, undefined, redraw), p + '/strategy'),
        a.strategy === 'by_table'
          ? R.labelled(t.table, select(a, 'table', tables.map(function (x) { return [x.key, R.label(x.label) || x.key]; }), t.none, redraw), p + '/table')
          : R.labelled(t.team, el('span', {}, [input(a, 'team', { list: teams.id, 'data-team': true }), teams]), p + '/team'),
        table ? R.labelled(t.output, select(a, 'output', (table.outputs || []).map(function (o) { return [o.key, R.label(o.label) || o.key]; }), t.none), p + '/output') : null,
        R.labelled(t.userField, select(a, 'field', fieldOptions(R.cfg.fields, function (f) { return f.users; }), t.owner), p + '/field'),
        a.strategy === 'least_loaded' ? R.labelled(t.openRecords, (function () {
          var area = R.formulaArea(a.open, 'boolean');
          area.addEventListener('input', function () { set(a, 'open', area.value.trim()); R.changed(); });
          return area; })(), p + '/open', 'wide') : null,
        R.labelled(t.fallbackTeam, input(fallback, 'team', { list: teams.id }), p + '/fallback/team'),
        R.labelled(t.fallbackUser, userPicker(fallback, 'user', t.fallbackUser), p + '/fallback/user')];
      out[out.length - 1].addEventListener('input', function () { setTimeout(tidy); });
      out[out.length - 2].addEventListener('input', function () { setTimeout(tidy); });
      tidy();
      return out;
    },
    create_record: function (a, p, done, redraw) {
      var form = R.cfg.forms.filter(function (f) { return f.key === a.form; })[0];
      return [R.labelled(t.form, select(a, 'form', R.cfg.forms.map(function (f) { return [f.key, f.label]; }), t.none, function () { delete a.values; delete a.link; redraw(); }), p + '/form'),
        form ? R.labelled(t.linkBack, select(a, 'link', form.links.map(function (k) { return [k, R.fieldName(k, a.form)]; }), t.none), p + '/link') : null,
        form ? formulaRows(a, 'values', p, fieldOptions(form.fields, function (f) { return f.settable && form.links.indexOf(f.key) === -1; }), R.form, done) : null];
    },
    notify: function (a, p, done, redraw) {
      a.to = a.to || [];
      var kinds = [['user', t.user], ['role', t.role], ['team', t.team], ['field', t.userInField]];
      var rows = a.to.map(function (who, i) {
        var kind = Object.keys(who)[0] || 'user';
        var kindSel = R.select(kinds, kind, { 'aria-label': t.to });
        kindSel.addEventListener('change', function () { a.to[i] = {}; a.to[i][kindSel.value] = ''; R.changed(0); redraw(); });
        var value = kind === 'field' ? select(who, 'field', fieldOptions(R.cfg.fields, function (f) { return f.users; }).concat([['owner', t.owner]]), t.none)
          : kind === 'user' ? userPicker(who, 'user', t.user) : input(who, kind, {});
        return el('div', { class: 'rl-value-row', 'data-path': p + '/to/' + i }, [kindSel, value,
          el('button', { type: 'button', class: 'icon-btn small danger', text: '×', 'aria-label': t.remove,
            onclick: function () { a.to.splice(i, 1); R.changed(0); redraw(); } }), R.errorBox()]);
      });
      var title = el('input', { class: 'input', value: R.label(a.title), 'data-notify-title': true,
        oninput: function (e) { R.setLabel(a, e.target.value.trim(), 'title'); R.changed(); done(); } });
      var message = el('textarea', { class: 'input', rows: 2, value: R.label(a.message),
        oninput: function (e) { R.setLabel(a, e.target.value.trim(), 'message'); R.changed(); } });
      return [el('div', { class: 'rl-opt wide', 'data-path': p + '/to' }, [el('span', { class: 'field-label', text: t.to })].concat(rows).concat([
        el('button', { type: 'button', class: 'btn small', text: '＋ ' + t.addRecipient, onclick: function () { a.to.push({ user: '' }); redraw(); } }), R.errorBox()])),
        R.labelled(t.title, title, p + '/title', 'wide'), R.labelled(t.message, message, p + '/message', 'wide'),
        R.labelled(t.priority, select(a, 'priority', [['normal', t.normal], ['high', t.high]]), p + '/priority')];
    },
    webhook: function (a, p, done) {
      var body = formulaRows(a, 'body', p, null, R.form, done, true);
      return [R.labelled(t.url, input(a, 'url', { type: 'url', placeholder: 'https://' }), p + '/url', 'wide'),
        R.labelled(t.method, select(a, 'method', [['POST', 'POST'], ['PUT', 'PUT'], ['PATCH', 'PATCH']]), p + '/method'),
        R.labelled(t.secret, input(a, 'secret', {}), p + '/secret'),
        R.labelled(t.retries, input(a, 'retries', { type: 'number', min: 0, max: 10 }, R.number), p + '/retries', 'short'),
        el('div', { class: 'rl-opt wide' }, [el('span', { class: 'field-label', text: t.body }), body])];
    },
    start_workflow: function (a, p) { return [R.labelled(t.workflow, input(a, 'workflow', {}), p + '/workflow')]; },
    stop_workflow: function (a, p) { return [R.labelled(t.workflow, input(a, 'workflow', {}), p + '/workflow')]; }
  };
  var FRESH = { set_fields: { values: {} }, add_points: { points: 10 }, assign: { strategy: 'round_robin' },
                create_record: {}, notify: { to: [], title: '' }, webhook: { url: 'https://' } };

  function actionEl(rule, i, path, redrawAll) {
    var a = rule.actions[i], p = path + '/actions/' + i;
    var done = function () { R.root.dispatchEvent(new CustomEvent('rules:actions', { detail: rule })); };
    var box = el('div', { class: 'rl-action', 'data-action-type': a.type, 'data-path': p });
    box.addEventListener('input', function () { setTimeout(done); });  // the summary follows typing
    function draw() {
      box.textContent = '';
      var type = R.select(R.cfg.actionTypes.map(function (k) { return [k, t.actions[k] || k]; }), a.type, { 'data-action-kind': true, 'aria-label': t.actionsTitle });
      type.addEventListener('change', function () {
        rule.actions[i] = a = Object.assign({ type: type.value }, JSON.parse(JSON.stringify(FRESH[type.value] || {})));
        box.dataset.actionType = a.type; R.changed(0); draw(); done();
      });
      box.appendChild(el('div', { class: 'rl-action-head' }, [type,
        el('button', { type: 'button', class: 'icon-btn small danger', text: '×', title: t.remove, 'aria-label': t.remove,
          onclick: function () { rule.actions.splice(i, 1); R.changed(0); redrawAll(); done(); } })]));
      var opts = (OPTIONS[a.type] || function () { return []; })(a, p, done, function () { draw(); done(); });
      box.appendChild(el('div', { class: 'rl-action-opts' }, opts));
      box.appendChild(R.errorBox());
    }
    draw();
    return box;
  }

  /* The actions editor of ``rule`` (at ``path``). */
  R.actionsEditor = function (rule, path) {
    var box = el('div', { class: 'rl-actions', 'data-path': path + '/actions' });
    function draw() {
      rule.actions = rule.actions || [];
      box.textContent = '';
      box.appendChild(el('span', { class: 'field-label', text: t.then }));
      rule.actions.forEach(function (a, i) { box.appendChild(actionEl(rule, i, path, draw)); });
      box.appendChild(el('button', { type: 'button', class: 'btn small', 'data-add-action': true, text: '＋ ' + t.addAction, onclick: function () {
        rule.actions.push(Object.assign({ type: 'add_points' }, JSON.parse(JSON.stringify(FRESH.add_points))));
        R.changed(0); draw();
        R.root.dispatchEvent(new CustomEvent('rules:actions', { detail: rule }));
      } }));
      box.appendChild(R.errorBox());
    }
    draw();
    return box;
  };
})();
