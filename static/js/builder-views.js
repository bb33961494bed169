/* The list-view designer: edits the view document the page printed and autosaves it through
   the API (PUT with If-Match; 409 keeps the edits; 422 marks the control at fault), publishes.
   Undo/redo step through snapshots of the document (builder-history.js), put back into the
   controls by builder-views-restore.js. */
(function () {
  'use strict';

  var root = document.getElementById('view-designer');
  if (!root) { return; }

  var original = JSON.parse(root.dataset.doc);
  var etag = root.dataset.etag;
  var maxSort = parseInt(root.dataset.maxSort, 10) || 5;
  var lastSaved = JSON.stringify(original);
  var timer = null;
  var saving = null;      // the promise of the save under way
  var blocked = false;    // a conflict stops autosaving until the person decides
  var statusEl = document.getElementById('save-status');
  var alertEl = document.getElementById('designer-alert');
  var history = new window.TrellisHistory(200);
  var restoring = false;  // putting a snapshot back: not a new edit

  function $(sel, scope) { return (scope || root).querySelector(sel); }
  function $all(sel, scope) { return Array.prototype.slice.call((scope || root).querySelectorAll(sel)); }
  function msg(name, n) { return (root.dataset['msg' + name] || '').replace('{n}', n); }

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

  // -- status, alerts, errors ---------------------------------------------------------------
  function status(text, state) {
    statusEl.textContent = text;
    statusEl.dataset.state = state || '';
  }

  function showAlert(text, kind, conflict) {
    alertEl.hidden = !text;
    alertEl.className = 'alert alert-' + (kind || 'error');
    $('[data-alert-text]', alertEl).textContent = text || '';
    $('[data-conflict-actions]', alertEl).hidden = !conflict;
  }

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
  var clearErrors = problems.clear, showErrors = problems.show;

  // -- saving -------------------------------------------------------------------------------
  var request = window.Trellis.requestJSON;

  function save(force) {
    if (blocked && !force) { return Promise.resolve(false); }
    if (saving) {
      // one request at a time: answers must not overtake each other (ETags, error marks)
      return saving.then(function () { return save(force); });
    }
    var doc = collect();
    var text = JSON.stringify(doc);
    if (text === lastSaved && !force) {  // back to what is stored: nothing to save or mark
      clearErrors();
      status(msg('Saved'), 'saved');
      return Promise.resolve(true);
    }
    status(msg('Saving'), 'saving');
    saving = request('PUT', root.dataset.api, doc, etag).then(function (answer) {
      if (answer.status === 200 || answer.status === 201) {
        etag = answer.headers.get('ETag') || etag;
        lastSaved = text;
        original = doc;
        clearErrors();
        showAlert('');
        // an edit made while the request was under way is not saved yet (its own save follows)
        if (JSON.stringify(collect()) === text) { status(msg('Saved'), 'saved'); }
        else { status(msg('Unsaved'), 'dirty'); }
        updateTitle(doc);
        return true;
      }
      if (answer.status === 409) {
        blocked = true;
        showAlert(msg('Conflict'), 'error', true);
        status(msg('Unsaved'), 'error');
        return false;
      }
      showErrors((answer.data && answer.data.errors) || []);
      status(msg('Invalid'), 'error');
      return false;
    }, function () {
      status(msg('Failed'), 'error');
      return false;
    }).then(function (ok) { saving = null; return ok; });
    return saving;
  }

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
    clearTimeout(timer);
    if (JSON.stringify(collect()) !== lastSaved) { status(msg('Unsaved'), 'dirty'); }
    timer = setTimeout(function () { save(false); }, delay === undefined ? 700 : delay);
  }

  function updateTitle(doc) {
    var name = typeof doc.label === 'string' ? doc.label : (doc.label.zh || doc.label.en);
    $('[data-title]').textContent = name || doc.key;
  }

  function publish() {
    clearTimeout(timer);
    var button = document.getElementById('publish-view');
    button.disabled = true;
    save(false).then(function (ok) {
      if (!ok) { return; }
      status(msg('Publishing'), 'saving');
      return request('POST', root.dataset.publish, {}, etag).then(function (answer) {
        if (answer.status === 200) {
          var n = answer.data.version;
          var text = answer.data.unchanged ? msg('Unchanged', n) : msg('Published', n);
          showAlert(text, 'success');
          status(msg('Saved'), 'saved');
          $('[data-published]').textContent = text.replace(/[.。]$/, '');
          return;
        }
        if (answer.status === 409) { showAlert(msg('Conflict'), 'error', true); blocked = true; }
        else { showErrors(answer.data.errors || []); }
        status(msg('Invalid'), 'error');
      });
    }).then(function () { button.disabled = false; }, function () { button.disabled = false; });
  }

  function overwrite() {
    // take the current revision's ETag, then save this page's document over it
    fetch(root.dataset.api, { credentials: 'same-origin', headers: { Accept: 'application/json' } })
      .then(function (response) {
        etag = response.headers.get('ETag') || etag;
        blocked = false;
        return save(true);
      });
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
    } else if (t.closest('#publish-view')) {
      publish();
    } else if (t.closest('[data-reload]')) {
      window.location.reload();
    } else if (t.closest('[data-overwrite]')) {
      overwrite();
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
  window.addEventListener('beforeunload', function (event) {
    if (JSON.stringify(collect()) !== lastSaved) { event.preventDefault(); event.returnValue = ''; }
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
