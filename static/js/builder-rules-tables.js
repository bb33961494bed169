/* Decision tables as spreadsheet grids (the rule editor's Decision tables tab): input columns
   (a field or a formula) with cell tests (`= "East"`, `IN ["fin", "mfg"]`, `> 500`,
   `[500..1000)`, `-` for any), output columns, one row per rule. Cells are typed in; rows
   and columns are added, moved and deleted by mouse (buttons, dragging a row's grip) and by
   keyboard (Enter, Ctrl+Enter, Ctrl+Delete, Alt+arrows); text copied from Excel pastes into
   the cells from the one pasted into. After each save the server's analysis (gaps, overlaps,
   shadowed rows) is shown in words beside each grid, its rows marked. */
(function () {
  'use strict';

  var R = window.TrellisRules;
  if (!R || !R.root) { return; }
  var el = R.el, t = R.t;
  var list = document.getElementById('tables-list');
  var POLICIES = ['unique', 'any', 'first', 'priority', 'rule_order', 'output_order', 'collect'];
  var FORMULA = '__formula';
  var findings = {};  // table key -> findings of the last analysis

  function tables() { R.doc.tables = R.doc.tables || []; return R.doc.tables; }
  function set(obj, name, value) {
    if (value === '' || value === null || value === undefined) { delete obj[name]; } else { obj[name] = value; }
  }

  // -- cell values --------------------------------------------------------------------------
  function shownCell(value) {
    if (value && typeof value === 'object') { return '=' + value.formula; }
    return value === null || value === undefined ? '' : String(value);
  }
  function inputCell(text) { return text.trim() === '' ? null : text.trim(); }
  function outputCell(text) {
    var s = text.trim();
    if (s === '') { return null; }
    if (s.charAt(0) === '=' && s.length > 1) { return { formula: s.slice(1).trim() }; }
    var n = Number(s);
    return isFinite(n) && /^-?[\d.]+(e-?\d+)?$/i.test(s) ? n : s;
  }
  function fit(row, table) {  // a row has a cell per column, trailing blanks trimmed
    row.when = (row.when || []).slice(0, table.inputs.length);
    row.then = (row.then || []).slice(0, table.outputs.length);
    while (row.when.length < table.inputs.length) { row.when.push(null); }
    while (row.then.length < table.outputs.length) { row.then.push(null); }
  }
  function setCell(table, r, c, text) {
    var row = table.rows[r], ins = table.inputs.length;
    fit(row, table);
    if (c < ins) { row.when[c] = inputCell(text); } else { row.then[c - ins] = outputCell(text); }
  }

  // -- structure ----------------------------------------------------------------------------
  function addRow(table, at) {
    var row = { when: [], then: [] };
    fit(row, table);
    table.rows.splice(at, 0, row);
  }
  function moveItem(items, from, to) {
    if (to < 0 || to >= items.length) { return false; }
    items.splice(to, 0, items.splice(from, 1)[0]);
    return true;
  }
  function moveColumn(table, c, step) {
    var ins = table.inputs.length, isIn = c < ins, j = isIn ? c : c - ins;
    var cols = isIn ? table.inputs : table.outputs;
    if (!moveItem(cols, j, j + step)) { return false; }
    table.rows.forEach(function (row) { fit(row, table); moveItem(isIn ? row.when : row.then, j, j + step); });
    return true;
  }
  function removeColumn(table, c) {
    var ins = table.inputs.length, isIn = c < ins, j = isIn ? c : c - ins;
    var cols = isIn ? table.inputs : table.outputs;
    if (cols.length <= 1) { return; }  // a table keeps one input and one output
    cols.splice(j, 1);
    table.rows.forEach(function (row) { (isIn ? row.when || [] : row.then || []).splice(j, 1); });
  }
  function addColumn(table, isIn) {
    var cols = isIn ? table.inputs : table.outputs;
    var key = R.uniqueKey(isIn ? 'in_' + (cols.length + 1) : 'out_' + (cols.length + 1),
      R.keys(table.inputs).concat(R.keys(table.outputs)));
    cols.push(isIn ? { key: key } : { key: key });
    table.rows.forEach(function (row) { fit(row, table); });
  }

  // -- the grid -----------------------------------------------------------------------------
  function colHead(table, ti, c) {
    var ins = table.inputs.length, isIn = c < ins, col = isIn ? table.inputs[c] : table.outputs[c - ins];
    var at = '/tables/' + ti + '/' + (isIn ? 'inputs/' + c : 'outputs/' + (c - ins));
    var name = el('input', { class: 'input dt-col-label', value: R.label(col.label) || '', placeholder: col.key,
      'aria-label': t.column, oninput: function (e) { R.setLabel(col, e.target.value.trim()); R.changed(); } });
    var parts = [name];
    if (isIn) {
      var fields = R.cfg.fields.concat(R.cfg.system).filter(function (f) { return f.kind; });
      var chosen = col.formula !== undefined ? FORMULA : col.field;
      var src = R.select(fields.map(function (f) { return [f.key, f.label]; }).concat([[FORMULA, t.formula + '…']]), chosen,
        { 'data-col-source': true, 'aria-label': t.field }, col.table ? col.table + '.' + (col.output || '') : t.pickField);
      src.addEventListener('change', function () {
        delete col.field; delete col.formula; delete col.table; delete col.output;
        if (src.value === FORMULA) { col.formula = ''; } else if (src.value) { col.field = src.value; }
        R.changed(0); render();
      });
      parts.push(src);
      if (col.formula !== undefined) {
        var area = R.formulaArea(col.formula, 'value', R.form, { 'aria-label': t.formula });
        area.addEventListener('input', function () { col.formula = area.value; R.changed(); });
        parts.push(area);
      }
    } else {
      parts.push(el('input', { class: 'input dt-values', value: (col.values || []).join(', '), placeholder: t.ranked,
        title: t.ranked, 'aria-label': t.ranked, oninput: function (e) {
          var vals = e.target.value.split(/[,，]/).map(function (s) { return s.trim(); }).filter(Boolean).map(outputCell);
          set(col, 'values', vals.length ? vals : null); R.changed();
        } }));
    }
    var btn = function (text, title, fn) {
      return el('button', { type: 'button', class: 'icon-btn tiny', text: text, title: title, 'aria-label': title, onclick: fn });
    };
    parts.push(el('span', { class: 'dt-col-tools' }, [
      btn('◀', t.moveLeft, function () { if (moveColumn(table, c, -1)) { R.changed(0); render(); } }),
      btn('▶', t.moveRight, function () { if (moveColumn(table, c, 1)) { R.changed(0); render(); } }),
      btn('×', t.remove, function () { removeColumn(table, c); R.changed(0); render(); })]));
    parts.push(R.errorBox());
    return el('th', { class: isIn ? 'dt-in' : 'dt-out', 'data-path': at, 'data-col': c }, parts);
  }

  function rowEl(table, ti, r) {
    var row = table.rows[r], ins = table.inputs.length, width = ins + table.outputs.length;
    var at = '/tables/' + ti + '/rows/' + r;
    var cells = [el('td', { class: 'dt-grip', title: t.drag }, [el('span', { class: 'row-grip', text: '⋮⋮' }), el('span', { text: String(r + 1) })])];
    for (var c = 0; c < width; c += 1) {
      var value = c < ins ? (row.when || [])[c] : (row.then || [])[c - ins];
      var cellAt = at + (c < ins ? '/when/' + c : '/then/' + (c - ins));
      cells.push(el('td', { class: c < ins ? 'dt-in' : 'dt-out', 'data-path': cellAt }, [
        el('input', { class: 'dt-cell', 'data-r': r, 'data-c': c, value: shownCell(value), placeholder: c < ins ? '-' : '',
          'aria-label': t.row + ' ' + (r + 1) + ' · ' + t.column + ' ' + (c + 1) }), R.errorBox()]));
    }
    cells.push(el('td', { class: 'dt-note', 'data-path': at + '/note' }, [el('input', { class: 'dt-cell', 'data-r': r, 'data-c': width, 'data-note': true,
      value: row.note || '', 'aria-label': t.note })]));
    cells.push(el('td', {}, [el('button', { type: 'button', class: 'icon-btn tiny danger', text: '×', title: t.remove, 'aria-label': t.remove,
      'data-remove-row': true, onclick: function () { table.rows.splice(r, 1); R.changed(0); render(); } })]));
    return el('tr', { 'data-row': r, 'data-path': at }, cells);
  }

  function grid(table, ti) {
    var width = table.inputs.length + table.outputs.length, heads = [el('th', { text: '#' })];
    for (var c = 0; c < width; c += 1) { heads.push(colHead(table, ti, c)); }
    heads.push(el('th', { text: t.note }), el('th'));
    var body = el('tbody', {}, table.rows.map(function (row, r) { return rowEl(table, ti, r); }));
    var node = el('table', { class: 'dt-grid', 'data-grid': table.key }, [el('thead', {}, [el('tr', {}, heads)]), body]);
    node.addEventListener('input', function (e) { onInput(table, e); });
    node.addEventListener('keydown', function (e) { onKey(table, ti, e); });
    node.addEventListener('paste', function (e) { onPaste(table, ti, e); });
    if (window.Sortable) {
      window.Sortable.create(body, { handle: '.dt-grip', animation: 120, forceFallback: true,
        ghostClass: 'dt-ghost', fallbackClass: 'dt-dragging', onEnd: function (e) {
        if (e.oldIndex !== e.newIndex && moveItem(table.rows, e.oldIndex, e.newIndex)) { R.changed(0); render(); }
      } });
    }
    return node;
  }

  // -- typing, keys, pasting ----------------------------------------------------------------
  function onInput(table, e) {
    var cell = e.target;
    if (!cell.classList.contains('dt-cell')) { return; }
    var r = Number(cell.dataset.r), c = Number(cell.dataset.c);
    if (cell.dataset.note !== undefined) { set(table.rows[r], 'note', cell.value.trim()); } else { setCell(table, r, c, cell.value); }
    R.changed();
  }
  function focusCell(ti, r, c) {
    var node = R.$all('.dt-grid', list)[ti];
    var cell = node && node.querySelector('.dt-cell[data-r="' + r + '"][data-c="' + c + '"]');
    if (cell) { cell.focus(); cell.select(); }
  }
  function onKey(table, ti, e) {
    var cell = e.target;
    if (!cell.classList.contains('dt-cell')) { return; }
    var r = Number(cell.dataset.r), c = Number(cell.dataset.c), done = true;
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) { addRow(table, r + 1); R.changed(0); render(); focusCell(ti, r + 1, c); }
    else if (e.key === 'Delete' && (e.ctrlKey || e.metaKey)) { table.rows.splice(r, 1); R.changed(0); render(); focusCell(ti, Math.min(r, table.rows.length - 1), c); }
    else if (e.altKey && (e.key === 'ArrowUp' || e.key === 'ArrowDown')) {
      var to = r + (e.key === 'ArrowUp' ? -1 : 1);
      if (moveItem(table.rows, r, to)) { R.changed(0); render(); focusCell(ti, to, c); }
    } else if (e.altKey && (e.key === 'ArrowLeft' || e.key === 'ArrowRight') && cell.dataset.note === undefined) {
      var step = e.key === 'ArrowLeft' ? -1 : 1;
      if (moveColumn(table, c, step)) { R.changed(0); render(); focusCell(ti, r, c + step); }
    } else if (e.key === 'Enter' || (e.key === 'ArrowDown' && !e.altKey)) { focusCell(ti, r + 1, c); }
    else if (e.key === 'ArrowUp' && !e.altKey) { focusCell(ti, r - 1, c); }
    else { done = false; }
    if (done) { e.preventDefault(); }
  }
  function onPaste(table, ti, e) {
    var cell = e.target;
    if (!cell.classList.contains('dt-cell') || cell.dataset.note !== undefined) { return; }
    var text = (e.clipboardData || window.clipboardData).getData('text/plain') || '';
    text = text.replace(/\r\n?/g, '\n').replace(/\n$/, '');
    if (text.indexOf('\t') === -1 && text.indexOf('\n') === -1) { return; }  // one value: the browser pastes it
    e.preventDefault();
    var r0 = Number(cell.dataset.r), c0 = Number(cell.dataset.c);
    var width = table.inputs.length + table.outputs.length, cut = 0;
    text.split('\n').forEach(function (line, i) {
      var r = r0 + i;
      if (r >= table.rows.length) { addRow(table, table.rows.length); }
      line.split('\t').forEach(function (value, j) {
        if (c0 + j < width) { setCell(table, r, c0 + j, value); } else { cut = Math.max(cut, c0 + j - width + 1); }
      });
    });
    R.changed(0);
    render();
    focusCell(ti, r0, c0);
    if (cut) { R.alert(t.pasteTrimmed.replace('{n}', cut), 'warning'); }
  }

  // -- the analysis -------------------------------------------------------------------------
  function analysisEl(table) {
    var found = findings[table.key];
    var box = el('aside', { class: 'dt-analysis', 'data-analysis': table.key, 'aria-live': 'polite' },
      [el('h4', { text: t.analysis })]);
    if (!found) { box.appendChild(el('p', { class: 'muted', text: t.analysisWait })); return box; }
    if (!found.length) { box.appendChild(el('p', { class: 'dt-ok', text: '✓ ' + t.analysisOk })); return box; }
    box.appendChild(el('ul', {}, found.map(function (f) {
      return el('li', { class: 'dt-finding dt-' + f.severity, 'data-kind': f.kind, text: f.message });
    })));
    return box;
  }
  function markRows(table, node) {
    (findings[table.key] || []).forEach(function (f) {
      (f.rows || []).forEach(function (n) {
        var tr = node.querySelector('tr[data-row="' + (n - 1) + '"]');
        if (tr) { tr.classList.add(f.severity === 'error' ? 'dt-flag-error' : 'dt-flag'); }
      });
    });
  }
  function analyse() {
    if (!tables().length) { return; }
    fetch(R.urls.analysis, { credentials: 'same-origin', headers: { Accept: 'application/json' } })
      .then(function (r) { return r.ok ? r.json() : null; }).then(function (data) {
        if (!data) { return; }
        findings = {};
        data.tables.forEach(function (x) { findings[x.key] = x.findings; });
        var active = document.activeElement, keep = active && active.classList.contains('dt-cell')
          ? [R.$all('.dt-grid', list).indexOf(active.closest('.dt-grid')), active.dataset.r, active.dataset.c] : null;
        R.$all('[data-analysis]', list).forEach(function (box, i) {
          box.replaceWith(analysisEl(tables()[i]));
        });
        R.$all('.dt-grid', list).forEach(function (node, i) {
          R.$all('tr', node).forEach(function (tr) { tr.classList.remove('dt-flag', 'dt-flag-error'); });
          markRows(tables()[i], node);
        });
        if (keep && document.activeElement !== active) { focusCell(keep[0], keep[1], keep[2]); }
      }).catch(function () {});
  }

  // -- a table card -------------------------------------------------------------------------
  function tableCard(table, ti) {
    var p = '/tables/' + ti;
    table.rows = table.rows || [];
    var policy = R.select(POLICIES.map(function (k) { return [k, t.policies[k]]; }), table.hit_policy || 'unique', { 'data-hit-policy': true });
    policy.addEventListener('change', function () {
      set(table, 'hit_policy', policy.value === 'unique' ? null : policy.value);
      if (policy.value !== 'collect') { delete table.aggregation; }
      R.changed(0); render();
    });
    var agg = R.select(['sum', 'min', 'max', 'count'].map(function (k) { return [k, k]; }), table.aggregation, {}, t.none);
    agg.addEventListener('change', function () { set(table, 'aggregation', agg.value); R.changed(0); });
    var name = el('input', { class: 'input rl-rule-name', value: R.label(table.label), placeholder: t.tableName, 'aria-label': t.tableName,
      oninput: function (e) { R.setLabel(table, e.target.value.trim()); R.changed(); } });
    var node = grid(table, ti);
    markRows(table, node);
    return el('article', { class: 'card rl-table', 'data-table': table.key, 'data-path': p }, [
      el('header', { class: 'rl-rule-head' }, [name, el('code', { class: 'muted', text: table.key }),
        el('button', { type: 'button', class: 'icon-btn small danger', text: '×', title: t.remove, 'aria-label': t.remove,
          onclick: function () { tables().splice(ti, 1); R.changed(0); render(); } })]),
      el('div', { class: 'rl-row-opts' }, [R.labelled(t.hitPolicy, policy, p + '/hit_policy'),
        table.hit_policy === 'collect' ? R.labelled(t.aggregation, agg, p + '/aggregation') : null]),
      el('p', { class: 'muted small', text: t.gridHelp }),
      el('div', { class: 'dt-wrap' }, [el('div', { class: 'dt-scroll', 'data-path': p + '/rows' }, [node, R.errorBox()]), analysisEl(table)]),
      el('div', { class: 'dt-add' }, [
        el('button', { type: 'button', class: 'btn small', 'data-add-row': true, text: '＋ ' + t.addTableRow,
          onclick: function () { addRow(table, table.rows.length); R.changed(0); render(); focusCell(ti, table.rows.length - 1, 0); } }),
        el('button', { type: 'button', class: 'btn small ghost', 'data-add-input': true, text: '＋ ' + t.addInput,
          onclick: function () { addColumn(table, true); R.changed(0); render(); } }),
        el('button', { type: 'button', class: 'btn small ghost', 'data-add-output': true, text: '＋ ' + t.addOutput,
          onclick: function () { addColumn(table, false); R.changed(0); render(); } })]),
      R.errorBox()]);
  }

  function render() {
    list.textContent = '';
    tables().forEach(function (table, i) { list.appendChild(tableCard(table, i)); });
    if (!tables().length) { list.appendChild(el('p', { class: 'muted', text: t.noTables })); }
  }

  document.getElementById('add-table').addEventListener('click', function () {
    var key = R.uniqueKey('table_' + (tables().length + 1), R.keys(tables()));
    var first = R.cfg.fields.filter(function (f) { return f.kind; })[0];
    var table = { key: key, hit_policy: 'first', inputs: [first ? { key: first.key, field: first.key } : { key: 'in_1', formula: '' }],
                  outputs: [{ key: 'result' }], rows: [] };
    addRow(table, 0);
    tables().push(table);
    R.changed(0); render();
  });
  R.afterSave.push(analyse);
  R.root.addEventListener('rules:ready', analyse);
  R.renderTables = render;
  R.parts.push({ render: render });
})();
