/* The condition builder of a rule (builder-rules-list.js places it): field / operator / value
   rows in AND/OR groups that write the rule's formula (`{industry} = "fin" AND {employees} >
   500`), values picked from the field's choices, typed numbers and dates; or the raw formula
   in the formula editor. A formula is read back into rows by the server
   (builder/rules_conditions.py): the page brings each rule's rows, and switching from the
   formula to rows asks again; what rows cannot say stays a formula. */
(function () {
  'use strict';

  var R = window.TrellisRules;
  if (!R || !R.root) { return; }
  var el = R.el, t = R.t;
  var OPS = {
    number: ['=', '<>', '>', '>=', '<', '<=', 'blank', 'not_blank'],
    date: ['=', '<>', '>', '>=', '<', '<=', 'blank', 'not_blank'],
    choice: ['=', '<>', 'in', 'not_in', 'blank', 'not_blank'],
    text: ['=', '<>', 'in', 'not_in', 'contains', 'blank', 'not_blank'],
    list: ['contains', 'blank', 'not_blank'],
    boolean: ['true', 'false', 'blank']
  };
  var NO_VALUE = ['blank', 'not_blank', 'true', 'false'];
  var MANY = ['in', 'not_in'];
  var state = new WeakMap();  // rule -> {mode: 'rows'|'raw', tree}

  (R.doc.rules || []).forEach(function (rule, i) {
    var tree = (R.cfg.trees || [])[i];
    state.set(rule, tree ? { mode: 'rows', tree: tree } : { mode: 'raw', tree: null });
  });
  function stateOf(rule) {
    if (!state.has(rule)) {
      state.set(rule, rule.condition ? { mode: 'raw', tree: null } : { mode: 'rows', tree: { group: 'AND', items: [] } });
    }
    return state.get(rule);
  }
  function fields() { return R.cfg.fields.concat(R.cfg.system).filter(function (f) { return f.kind; }); }

  // -- rows to a formula --------------------------------------------------------------------
  function quote(text) { return '"' + String(text).replace(/"/g, '""') + '"'; }
  function literal(f, value) {
    if (f.kind === 'number' && typeof value === 'number') { return String(value); }
    if (f.kind === 'date') { return 'DATE(' + quote(value) + ')'; }
    return quote(value);
  }
  function filled(row) {
    var f = R.field(row.field);
    if (!f || !row.op) { return false; }
    if (NO_VALUE.indexOf(row.op) !== -1) { return true; }
    if (MANY.indexOf(row.op) !== -1) { return Array.isArray(row.value) && row.value.length > 0; }
    return row.value !== undefined && row.value !== null && row.value !== '';
  }
  function rowFormula(row) {
    var f = R.field(row.field), ref = '{' + row.field + '}';
    switch (row.op) {
      case 'blank': return 'ISBLANK(' + ref + ')';
      case 'not_blank': return 'NOT ISBLANK(' + ref + ')';
      case 'true': return ref + ' = TRUE';
      case 'false': return ref + ' = FALSE';
      case 'contains': return 'CONTAINS(' + ref + ', ' + literal(f, row.value) + ')';
      case 'in': case 'not_in':
        return ref + (row.op === 'in' ? ' IN [' : ' NOT IN [') +
          row.value.map(function (v) { return literal(f, v); }).join(', ') + ']';
      default: return ref + ' ' + row.op + ' ' + literal(f, row.value);
    }
  }
  function formula(tree, nested) {
    var parts = tree.items.map(function (item) {
      return item.group ? formula(item, true) : (filled(item) ? rowFormula(item) : '');
    }).filter(Boolean);
    var text = parts.join(' ' + tree.group + ' ');
    return nested && parts.length > 1 ? '(' + text + ')' : text;
  }

  // -- words --------------------------------------------------------------------------------
  function valueWords(f, value) {
    if (Array.isArray(value)) { return value.map(function (v) { return valueWords(f, v); }).join(t.sep); }
    return f.kind === 'choice' || f.kind === 'list' ? R.choiceLabel(f, value) : String(value);
  }
  function words(tree) {
    var parts = tree.items.map(function (item) {
      if (item.group) { var w = words(item); return w && item.items.length > 1 ? '(' + w + ')' : w; }
      if (!filled(item)) { return ''; }
      var f = R.field(item.field);
      var text = f.label + ' ' + t.ops[item.op];
      return NO_VALUE.indexOf(item.op) === -1 ? text + ' ' + valueWords(f, item.value) : text;
    }).filter(Boolean);
    return parts.join(' ' + (tree.group === 'OR' ? t.or : t.and) + ' ');
  }
  /* The rule's condition in words (rows) or as its formula; '' when it has none. */
  R.conditionWords = function (rule) {
    var s = stateOf(rule);
    if (s.mode === 'rows' && s.tree) { return words(s.tree); }
    return rule.condition || '';
  };

  function write(rule) {
    var text = formula(stateOf(rule).tree, false);
    if (text) { rule.condition = text; } else { delete rule.condition; }
    R.changed();
    R.root.dispatchEvent(new CustomEvent('rules:condition', { detail: rule }));
  }

  // -- the rows -----------------------------------------------------------------------------
  function valueControl(rule, row) {
    var f = R.field(row.field);
    if (!f || NO_VALUE.indexOf(row.op) !== -1) { return null; }
    var done = function () { write(rule); };
    if ((f.kind === 'choice' || f.kind === 'list') && MANY.indexOf(row.op) !== -1) {
      var chosen = Array.isArray(row.value) ? row.value : [];
      return el('span', { class: 'rl-chips', 'data-cond-value': true }, f.choices.map(function (c) {
        return el('label', { class: 'id-chip' }, [el('input', { type: 'checkbox', value: c.value, checked: chosen.indexOf(c.value) !== -1,
          onchange: function (e) {
            var now = Array.isArray(row.value) ? row.value.slice() : [];
            if (e.target.checked) { now.push(c.value); } else { now = now.filter(function (v) { return v !== c.value; }); }
            row.value = now; done();
          } }), el('span', { text: c.label })]);
      }));
    }
    if (f.kind === 'choice' || f.kind === 'list') {
      var sel = R.select(f.choices.map(function (c) { return [c.value, c.label]; }), row.value,
        { 'data-cond-value': true, 'aria-label': t.pickValue }, t.pickValue);
      sel.addEventListener('change', function () { row.value = sel.value; done(); });
      return sel;
    }
    if (MANY.indexOf(row.op) !== -1) {
      return el('input', { class: 'input', 'data-cond-value': true, value: (row.value || []).join(', '),
        'aria-label': t.pickValue, oninput: function (e) {
          row.value = e.target.value.split(/[,，]/).map(function (s) { return s.trim(); }).filter(Boolean)
            .map(function (v) { return f.kind === 'number' ? R.number(v) : v; });
          done();
        } });
    }
    var type = f.kind === 'number' ? 'number' : (f.kind === 'date' ? 'date' : 'text');
    return el('input', { class: 'input', type: type, 'data-cond-value': true, value: row.value === undefined ? '' : row.value,
      'aria-label': t.pickValue, oninput: function (e) {
        row.value = type === 'number' ? R.number(e.target.value) : e.target.value; done();
      } });
  }

  function rowEl(rule, group, row, redraw) {
    var f = R.field(row.field);
    var fieldSel = R.select(fields().map(function (x) { return [x.key, x.label]; }), row.field,
      { 'data-cond-field': true, 'aria-label': t.field }, t.pickField);
    fieldSel.addEventListener('change', function () {
      row.field = fieldSel.value;
      var kind = (R.field(row.field) || {}).kind;
      row.op = (OPS[kind] || ['='])[0];
      delete row.value;
      write(rule); redraw();
    });
    var ops = f ? OPS[f.kind] || OPS.text : [];
    var opSel = R.select(ops.map(function (o) { return [o, t.ops[o]]; }), row.op, { 'data-cond-op': true, 'aria-label': t.condition });
    opSel.hidden = !f;
    opSel.addEventListener('change', function () {
      var wasMany = MANY.indexOf(row.op) !== -1;
      row.op = opSel.value;
      if (wasMany !== (MANY.indexOf(row.op) !== -1)) { delete row.value; }
      write(rule); redraw();
    });
    return el('div', { class: 'rl-cond-row', 'data-cond-row': true }, [fieldSel, opSel, valueControl(rule, row),
      el('button', { type: 'button', class: 'icon-btn small danger', title: t.remove, 'aria-label': t.remove,
        text: '×', onclick: function () { group.items.splice(group.items.indexOf(row), 1); write(rule); redraw(); } })]);
  }

  function groupEl(rule, group, parent, redraw) {
    var logic = R.select([['AND', t.allOf], ['OR', t.anyOf]], group.group, { 'data-cond-logic': true, 'aria-label': t.condition });
    logic.addEventListener('change', function () { group.group = logic.value; write(rule); });
    var box = el('div', { class: 'rl-cond-group' + (parent ? ' nested' : ''), 'data-cond-group': true }, [
      el('div', { class: 'rl-cond-head' }, [logic, parent ? el('button', { type: 'button', class: 'icon-btn small danger', text: '×',
        title: t.remove, 'aria-label': t.remove,
        onclick: function () { parent.items.splice(parent.items.indexOf(group), 1); write(rule); redraw(); } }) : null])]);
    group.items.forEach(function (item) {
      box.appendChild(item.group ? groupEl(rule, item, group, redraw) : rowEl(rule, group, item, redraw));
    });
    box.appendChild(el('div', { class: 'rl-cond-add' }, [
      el('button', { type: 'button', class: 'btn small', 'data-add-cond': true, text: '＋ ' + t.addRow,
        onclick: function () { group.items.push({ field: '', op: '' }); redraw(); } }),
      parent ? null : el('button', { type: 'button', class: 'btn small ghost', 'data-add-group': true, text: '＋ ' + t.addGroup,
        onclick: function () { group.items.push({ group: group.group === 'AND' ? 'OR' : 'AND', items: [{ field: '', op: '' }] }); redraw(); } })
    ]));
    return box;
  }

  /* The condition editor of ``rule`` (at JSON Pointer ``path``). */
  R.conditionEditor = function (rule, path) {
    var box = el('div', { class: 'rl-condition', 'data-path': path + '/condition' });
    function draw() {
      var s = stateOf(rule);
      box.textContent = '';
      var modes = el('span', { class: 'rl-modes', role: 'group' }, [
        el('button', { type: 'button', class: 'mode' + (s.mode === 'rows' ? ' on' : ''), 'data-cond-mode': 'rows', text: t.rows,
          onclick: function () { toRows(); } }),
        el('button', { type: 'button', class: 'mode' + (s.mode === 'raw' ? ' on' : ''), 'data-cond-mode': 'raw', text: t.raw,
          onclick: function () { s.mode = 'raw'; draw(); } })]);
      box.appendChild(el('div', { class: 'rl-cond-bar' }, [el('span', { class: 'field-label', text: t['if'] }), modes]));
      if (s.mode === 'rows') {
        box.appendChild(groupEl(rule, s.tree, null, draw));
      } else {
        var area = R.formulaArea(rule.condition, 'boolean', R.form, { 'data-cond-raw': true, rows: 2, 'aria-label': t.condition });
        area.addEventListener('input', function () {
          if (area.value.trim()) { rule.condition = area.value; } else { delete rule.condition; }
          R.changed();
          R.root.dispatchEvent(new CustomEvent('rules:condition', { detail: rule }));
        });
        box.appendChild(area);
      }
      box.appendChild(R.errorBox());
    }
    function toRows() {
      var s = stateOf(rule);
      if (s.mode === 'rows') { return; }
      R.request('POST', R.urls.condition, { formula: rule.condition || '' }).then(function (answer) {
        if (answer.status === 200 && answer.data.tree) { s.mode = 'rows'; s.tree = answer.data.tree; draw(); }
        else { R.alert(t.notRows, 'warning'); }
      });
    }
    draw();
    return box;
  };
  R.conditionFormula = formula;
})();
