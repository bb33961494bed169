/* Scoring models as tables (the rule editor's Scoring tab): per model its score field, stage
   field, bounds, attribute rules (a condition or a decision table's output → points),
   behaviour rules (each related event of a form → points, with a cap), thresholds that set
   the stage, and decay. Every cell edits the draft in place; problems show at their cell.
   The Fired column counts how often each rule gave its points (once published). */
(function () {
  'use strict';

  var R = window.TrellisRules;
  if (!R || !R.root) { return; }
  var el = R.el, t = R.t;
  var list = document.getElementById('scoring-list');

  function models() { R.doc.scoring = R.doc.scoring || []; return R.doc.scoring; }
  function set(obj, name, value) {
    if (value === '' || value === null || value === undefined) { delete obj[name]; } else { obj[name] = value; }
  }
  function cell(path, children) { return el('td', { 'data-path': path }, children.concat([R.errorBox()])); }
  function text(obj, name, attrs, parse) {
    return el('input', Object.assign({ class: 'input', value: obj[name] === undefined ? '' : obj[name],
      oninput: function (e) { set(obj, name, parse ? parse(e.target.value) : e.target.value.trim()); R.changed(); } }, attrs || {}));
  }
  function num(obj, name, attrs) { return text(obj, name, Object.assign({ type: 'number', class: 'input num' }, attrs || {}), R.number); }
  function label(obj, attrs) {
    return el('input', Object.assign({ class: 'input', value: R.label(obj.label),
      oninput: function (e) { R.setLabel(obj, e.target.value.trim()); R.changed(); } }, attrs || {}));
  }
  function pick(obj, name, options, blank, after) {
    var s = R.select(options, obj[name], {}, blank);
    s.addEventListener('change', function () { set(obj, name, s.value); R.changed(0); if (after) { after(); } });
    return s;
  }
  function formula(obj, name, expect, form, attrs) {
    var area = R.formulaArea(obj[name], expect, form, attrs);
    area.addEventListener('input', function () { set(obj, name, area.value.trim()); R.changed(); });
    return area;
  }
  function removeBtn(items, i) {
    return el('td', {}, [el('button', { type: 'button', class: 'icon-btn small danger', text: '×', title: t.remove, 'aria-label': t.remove,
      onclick: function () { items.splice(i, 1); R.changed(0); render(); } })]);
  }
  function table(heads, rows, addText, add, attrs) {
    return el('div', { class: 'rl-score-part' }, [
      el('table', Object.assign({ class: 'table rl-score-table' }, attrs || {}), [
        el('thead', {}, [el('tr', {}, heads.map(function (h) { return el('th', { text: h }); }))]),
        el('tbody', {}, rows)]),
      el('button', { type: 'button', class: 'btn small', text: '＋ ' + addText, onclick: add })]);
  }
  function fresh(items, prefix, extra) {
    items.push(Object.assign({ key: R.uniqueKey(prefix + '_' + (items.length + 1), R.keys(items)) }, extra));
    R.changed(0); render();
  }

  /* How often the rule gave its points (GET .../fired, read by builder-rules-rescore.js once the
     ruleset is published; "—" before). */
  function firedCell(m, part, item) {
    var cell = el('td', { class: 'num', 'data-fired': [m.key, part, item.key].join('/') });
    R.showFired(cell);
    return cell;
  }
  R.showFired = function (cell) {
    var at = cell.dataset.fired.split('/');
    var known = R.fired && R.fired[at[0]] ? R.fired[at[0]][at[1]][at[2]] || 0 : null;
    cell.textContent = known === null ? '—' : String(known);
    cell.title = known === null ? t.firedLater : t.firedTitle;
    cell.classList.toggle('muted', known === null);
  };

  // -- a model's parts ----------------------------------------------------------------------
  function attributes(m, p) {
    var items = m.attributes = m.attributes || [];
    var tables = (R.doc.tables || []).map(function (x) { return [x.key, R.label(x.label) || x.key]; });
    var rows = items.map(function (a, i) {
      var at = p + '/attributes/' + i;
      var viaTable = a.table !== undefined;
      var source = viaTable ? el('span', { class: 'rl-inline' }, [t.fromTable + ' ', pick(a, 'table', tables, t.none)])
        : formula(a, 'when', 'boolean', R.form, { 'data-attr-when': true, 'aria-label': t['if'] });
      return el('tr', { 'data-path': at, 'data-attribute': a.key }, [
        cell(at + '/label', [label(a, { 'data-attr-label': true, 'aria-label': t.rule })]),
        cell(viaTable ? at + '/table' : at + '/when', [source]),
        cell(at + '/points', [viaTable ? el('span', { class: 'muted', text: '—' }) : num(a, 'points', { 'data-attr-points': true, 'aria-label': t.points })]),
        firedCell(m, 'attributes', a), removeBtn(items, i)]);
    });
    return table([t.rule, t['if'], t.points, t.fired, ''], rows, t.attributes, function () {
      fresh(items, 'attr', { when: '', points: 10 });
    }, { 'data-attributes': true });
  }

  function behaviours(m, p) {
    var items = m.behaviours = m.behaviours || [];
    var forms = R.cfg.forms.filter(function (f) { return f.links.length; }).map(function (f) { return [f.key, f.label]; });
    var rows = items.map(function (b, i) {
      var at = p + '/behaviours/' + i;
      return el('tr', { 'data-path': at }, [
        cell(at + '/label', [label(b, { 'aria-label': t.rule })]),
        cell(at + '/form', [pick(b, 'form', forms, t.none, render)]),
        cell(at + '/when', [formula(b, 'when', 'boolean', b.form || R.form, { 'aria-label': t['if'] })]),
        cell(at + '/points', [num(b, 'points', { 'aria-label': t.points })]),
        cell(at + '/cap', [num(b, 'cap', { min: 0, 'aria-label': t.cap })]),
        firedCell(m, 'behaviours', b), removeBtn(items, i)]);
    });
    return table([t.rule, t.event, t['if'], t.points, t.cap, t.fired, ''], rows, t.behaviours, function () {
      fresh(items, 'event', { form: (forms[0] || [''])[0], points: 5 });
    }, { 'data-behaviours': true });
  }

  function thresholds(m, p) {
    var items = m.thresholds = m.thresholds || [];
    var stage = R.field(m.stage_field);
    var rows = items.map(function (th, i) {
      var at = p + '/thresholds/' + i;
      var stageCtl = stage && stage.choices.length
        ? pick(th, 'stage', stage.choices.map(function (c) { return [c.value, c.label]; }), t.none) : text(th, 'stage', {});
      return el('tr', { 'data-path': at }, [
        cell(at + '/label', [label(th, { 'aria-label': t.threshold })]),
        cell(at + '/min', [num(th, 'min', { 'aria-label': t.min })]), cell(at + '/max', [num(th, 'max', { 'aria-label': t.max })]),
        cell(at + '/stage', [stageCtl]), removeBtn(items, i)]);
    });
    return table([t.threshold, t.min, t.max, t.stage, ''], rows, t.thresholds, function () { fresh(items, 'level', { min: 80 }); },
      { 'data-thresholds': true });
  }

  function decay(m, p) {
    var d = m.decay || {};
    var keep = function () { if (Object.keys(d).length) { m.decay = d; } else { delete m.decay; } };
    var box = el('div', { class: 'rl-row-opts', 'data-path': p + '/decay' }, [
      R.labelled(t.everyDays, num(d, 'every_days', { min: 1 }), p + '/decay/every_days', 'short'),
      R.labelled(t.points, num(d, 'points', { max: -1 }), p + '/decay/points', 'short'),
      R.labelled(t.percent, num(d, 'percent', { min: 0, max: 100 }), p + '/decay/percent', 'short'),
      R.labelled(t.since, pick(d, 'since', R.cfg.fields.filter(function (f) { return f.kind === 'date'; }).map(function (f) {
        return [f.key, f.label]; }), t.none), p + '/decay/since'), R.errorBox()]);
    box.addEventListener('input', keep);
    box.addEventListener('change', keep);
    return box;
  }

  function modelCard(m, i) {
    var p = '/scoring/' + i;
    var numbers = R.cfg.fields.filter(function (f) { return f.kind === 'number' && f.settable; });
    var stages = R.cfg.fields.filter(function (f) { return (f.kind === 'choice' || f.kind === 'text') && f.settable; });
    return el('article', { class: 'card rl-model', 'data-model': m.key, 'data-path': p }, [
      el('header', { class: 'rl-rule-head' }, [label(m, { class: 'input rl-rule-name', placeholder: t.modelName, 'aria-label': t.modelName }),
        el('code', { class: 'muted', text: m.key }),
        el('button', { type: 'button', class: 'icon-btn small danger', text: '×', title: t.remove, 'aria-label': t.remove,
          onclick: function () { models().splice(i, 1); R.changed(0); render(); } })]),
      el('div', { class: 'rl-row-opts' }, [
        R.labelled(t.scoreField, pick(m, 'field', numbers.map(function (f) { return [f.key, f.label]; }), t.none), p + '/field'),
        R.labelled(t.stageField, pick(m, 'stage_field', stages.map(function (f) { return [f.key, f.label]; }), t.none, render), p + '/stage_field'),
        R.labelled(t.min, num(m, 'min'), p + '/min', 'short'), R.labelled(t.max, num(m, 'max'), p + '/max', 'short')]),
      el('h3', { text: t.attributes }), attributes(m, p),
      el('h3', { text: t.behaviours }), behaviours(m, p),
      el('h3', { text: t.thresholds }), thresholds(m, p),
      el('h3', { text: t.decay }), decay(m, p), R.errorBox()]);
  }

  function render() {
    list.textContent = '';
    models().forEach(function (m, i) { list.appendChild(modelCard(m, i)); });
    if (!models().length) { list.appendChild(el('p', { class: 'muted', text: t.noModels })); }
  }

  document.getElementById('add-model').addEventListener('click', function () {
    var score = R.cfg.fields.filter(function (f) { return f.kind === 'number' && f.settable; })[0];
    var model = { key: R.uniqueKey('score', R.keys(models())), attributes: [], thresholds: [] };
    if (score) { model.field = score.key; }
    models().push(model);
    R.changed(0); render();
  });
  R.renderScoring = render;
  R.parts.push({ render: render });
})();
