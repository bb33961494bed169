/* The list-view designer: edits the view document the page printed and autosaves it
   (builder-autosave.js) through the API (PUT with If-Match; 409 keeps the edits; 422 marks the
   control at fault), publishes. Undo/redo step through snapshots of the document
   (builder-history.js), put back into the controls by builder-views-restore.js. */
(function () {
  'use strict';

  var root = document.getElementById('view-designer');
  if (!root) { return; }

  var original = JSON.parse(root.dataset.doc);
  var maxSort = parseInt(root.dataset.maxSort, 10) || 5;
  var history = new window.TrellisHistory(200);
  var restoring = false;  // putting a snapshot back: not a new edit

  function $(sel, scope) { return (scope || root).querySelector(sel); }
  function $all(sel, scope) { return Array.prototype.slice.call((scope || root).querySelectorAll(sel)); }

  // -- the document -------------------------------------------------------------------------
  function label() {
    var zh = $('#label-zh').value.trim(), en = $('#label-en').value.trim();
    if (!zh && !en) { return original.label; }
    if (typeof original.label === 'string' && zh === original.label && !en) { return original.label; }
    var out = {};
    if (zh) { out.zh = zh; }
    if (en) { out.en = en; }
    return out;
  }

  function listValue(text) {
    return text.replace(/，/g, ',').split(',').map(function (v) { return v.trim(); })
      .filter(function (v) { return v !== ''; });
  }

  function filterRow(row) {
    var op = $('[name=filter_op]', row).value;
    var item = { field: $('[name=filter_field]', row).value, op: op };
    var raw = $('[name=filter_value]', row).value.trim();
    if (op === 'in' || op === 'nin') { item.value = listValue(raw); }
    else if (op !== 'isnull' && op !== 'notnull' && !(raw === '' && /flagged$/.test(op))) {
      item.value = raw;  // a flag filter without a value: any flag
    }
    return item;
  }

  function collect() {
    var doc = JSON.parse(JSON.stringify(original));
    doc.label = label();
    doc.columns = $all('#columns-shown .bx-col').map(function (li) { return li.dataset.key; });
    var sort = $all('#sort-rows .bx-row').map(function (row) {
      return { field: $('[name=sort_field]', row).value,
               direction: $('[name=sort_direction]', row).value };
    });
    var filters = $all('#filter-rows .bx-row').map(filterRow);
    var area = $('#view-formula');
    var formula = (area.formulaEditor && area.formulaEditor.keyed ?
      area.formulaEditor.keyed(area.value) : area.value).trim();
    var perPage = $('#per-page').value.trim();
    ['sort', 'filters', 'filter', 'per_page'].forEach(function (k) { delete doc[k]; });
    if (sort.length) { doc.sort = sort; }
    if (filters.length) { doc.filters = filters; }
    if (formula) { doc.filter = formula; }
    if (perPage) { doc.per_page = /^\d+$/.test(perPage) ? parseInt(perPage, 10) : perPage; }
    return doc;
  }

  // -- rows, errors, saving ---------------------------------------------------------------
  function renumber() {
    $all('#sort-rows .bx-row').forEach(function (row, i) { row.dataset.path = '/sort/' + i; });
    $all('#filter-rows .bx-row').forEach(function (row, i) { row.dataset.path = '/filters/' + i; });
    $('#add-sort').disabled = $all('#sort-rows .bx-row').length >= maxSort;
  }

  // the formula editor already shows its own error, with the position marked
  var problems = window.Trellis.pathErrors(root, {shown: function (place) {
    var formula = document.getElementById('view-formula');
    return !(place.dataset.path === '/filter' && formula.getAttribute('aria-invalid') === 'true');
  }});
  var autosave = window.Trellis.autosave(root, {
    api: root.dataset.api, publish: root.dataset.publish, etag: root.dataset.etag,
    saved: JSON.stringify(original), text: function () { return JSON.stringify(collect()); },
    words: window.Trellis.autosave.dataWords(root), problems: problems,
    publishButton: '#publish-view', pill: false,
    onSaved: function (doc) { original = doc; updateTitle(doc); },
    onPublished: function (data, text) { $('[data-published]').textContent = text.replace(/[.。]$/, ''); }
  });

  // -- undo and redo ------------------------------------------------------------------------
  function updateUndo() {
    document.getElementById('view-undo').disabled = !history.canUndo();
    document.getElementById('view-redo').disabled = !history.canRedo();
  }

  function remember(coalesce) {
    if (!restoring && history.record(JSON.stringify(collect()), coalesce)) { updateUndo(); }
  }

  function step(state) {
    if (state === null) { return; }
    restoring = true;
    try {
      window.TrellisRestoreView(root, JSON.parse(state), syncOps);
      renumber();
    } finally { restoring = false; }
    updateUndo();
    schedule(0);
  }

  function undo() { step(history.undo()); }
  function redo() { step(history.redo()); }

  function schedule(delay, coalesce) {
    remember(coalesce);
    autosave.changed(delay);
  }

  function updateTitle(doc) {
    var name = typeof doc.label === 'string' ? doc.label : (doc.label.zh || doc.label.en);
    $('[data-title]').textContent = name || doc.key;
  }

  // -- rows and columns ---------------------------------------------------------------------
  function addRow(kind) {
    var template = document.getElementById(kind + '-row-template');
    var row = template.content.firstElementChild.cloneNode(true);
    document.getElementById(kind + '-rows').appendChild(row);
    if (kind === 'filter') { syncOps(row); }
    renumber();
    schedule(300);
    var first = row.querySelector('select');
    if (first) { first.focus(); }
  }

  function syncOps(row) {
    var fieldSel = $('[name=filter_field]', row), opSel = $('[name=filter_op]', row);
    var chosen = fieldSel.selectedOptions[0];
    var ops = chosen && chosen.dataset.ops ? chosen.dataset.ops.split(',') : null;
    var firstOk = null;
    Array.prototype.forEach.call(opSel.options, function (option) {
      var ok = !ops || ops.indexOf(option.value) !== -1;
      option.hidden = !ok;
      option.disabled = !ok;
      if (ok && !firstOk) { firstOk = option; }
    });
    if (opSel.selectedOptions[0] && opSel.selectedOptions[0].disabled && firstOk) {
      opSel.value = firstOk.value;
    }
    var needsValue = opSel.selectedOptions[0] && opSel.selectedOptions[0].dataset.needsValue;
    $('[name=filter_value]', row).hidden = !needsValue;
  }

  function moveColumn(li) {
    var shown = document.getElementById('columns-shown');
    var target = li.parentElement === shown ? document.getElementById('columns-available') : shown;
    target.appendChild(li);
    schedule(0);
  }

  root.addEventListener('click', function (event) {
    var t = event.target;
    if (t.closest('[data-remove-row]')) {
      t.closest('.bx-row').remove();
      renumber();
      schedule(0);
    } else if (t.closest('[data-move-column]')) {
      moveColumn(t.closest('.bx-col'));
    } else if (t.closest('#add-sort')) {
      addRow('sort');
    } else if (t.closest('#add-filter')) {
      addRow('filter');
    } else if (t.closest('#view-undo')) {
      undo();
    } else if (t.closest('#view-redo')) {
      redo();
    }
  });
  root.addEventListener('change', function (event) {
    var row = event.target.closest('[data-row=filter]');
    if (row) { syncOps(row); }
    schedule(0);
  });
  root.addEventListener('input', function (event) {
    var row = event.target.closest('.bx-row');
    var where = row ? row.dataset.path || '' : '';
    schedule(undefined, 'input-' + where + (event.target.name || event.target.id));
  });

  function initSortable() {
    if (!window.Sortable) { return; }
    ['columns-shown', 'columns-available'].forEach(function (id) {
      window.Sortable.create(document.getElementById(id), {
        group: 'columns', animation: 150, handle: '.bx-col', ghostClass: 'bx-ghost', forceFallback: true,
        fallbackClass: 'bx-dragging', filter: '[data-move-column]', preventOnFilter: false,
        chosenClass: 'bx-chosen', onSort: function () { schedule(0); }
      });
    });
  }

  $all('[data-row=filter]').forEach(syncOps);
  renumber();
  history.reset(JSON.stringify(collect()));
  updateUndo();
  window.TrellisHistory.bindKeys(undo, redo);
  if (window.Sortable) { initSortable(); } else { window.addEventListener('load', initSortable); }
})();
