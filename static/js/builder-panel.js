/* Form designer, property panel: the server renders it (htmx) for the selected field; every
 * input names where it writes (data-prop="config.min_length", data-kind) and this file writes
 * the value into the draft document. Array editors (choices, sub-table columns, validation
 * formulas) are rebuilt from their rows on every edit. */
(function () {
  'use strict';

  var B = window.TrellisBuilder = window.TrellisBuilder || {};
  var keyTimer = null;
  var rowSortables = [];

  function panel() { return document.getElementById('props'); }

  // -- values by kind -----------------------------------------------------------------------
  /* A formula as the document keeps it: its editor shows labels, the draft holds keys. */
  function formulaText(el) {
    var editor = el.formulaEditor;
    return editor && editor.keyed ? editor.keyed(el.value) : el.value;
  }

  function parseValue(el) {
    var kind = el.dataset.kind;
    var raw = el.type === 'checkbox' ? el.checked : (kind === 'formula' ? formulaText(el) : el.value);
    if (kind === 'boolean') { return raw ? true : undefined; }
    if (typeof raw === 'string' && kind !== 'formula') { raw = raw.trim(); }
    if (raw === '') { return undefined; }
    if (kind === 'integer') { return /^-?\d+$/.test(raw) ? Number(raw) : raw; }
    if (kind === 'number') { return isNaN(Number(raw)) ? raw : Number(raw); }
    if (kind === 'decimal') { return String(Number(raw)) === raw ? Number(raw) : raw; }
    if (kind === 'enum') { try { return JSON.parse(raw); } catch (e) { return raw; } }
    if (kind === 'list') {
      var items = raw.split(/[,，\s]+/).filter(Boolean);
      return items.length ? items : undefined;
    }
    return raw;
  }

  function setPath(obj, path, value) {
    var parts = path.split('.');
    var last = parts.pop();
    var target = obj;
    parts.forEach(function (p) {
      if (!target[p] || typeof target[p] !== 'object') { target[p] = {}; }
      target = target[p];
    });
    if (value === undefined) { delete target[last]; } else { target[last] = value; }
    if (parts.length && target !== obj && !Object.keys(target).length) {
      delete obj[parts[0]];  // an emptied config goes away
    }
  }

  function apply(target, el, prop) {
    var kind = el.dataset.kind;
    if ((kind === 'label' || kind === 'text') && el.dataset.lang) {
      B.setLangText(target, prop, el.dataset.lang, el.value.trim());
      return;
    }
    if (kind === 'default-formula') {
      var text = formulaText(el).trim();
      if (text) { target['default'] = {formula: text}; }
      else if (target['default'] && typeof target['default'] === 'object') {
        delete target['default'];
      }
      return;
    }
    setPath(target, prop, parseValue(el));
  }

  // -- array editors ------------------------------------------------------------------------
  function readArray(editor) {
    return Array.prototype.map.call(editor.querySelectorAll('[data-rows] > .array-row'),
      function (row) {
        var item = JSON.parse(row.dataset.item || '{}');
        row.querySelectorAll('[data-item-prop]').forEach(function (el) {
          apply(item, el, el.dataset.itemProp);
        });
        return item;
      });
  }

  function writeArray(editor) {
    var fld = B.field(B.selected);
    var items = readArray(editor);
    setPath(fld, editor.dataset.array, items.length ? items : undefined);
    B.change({coalesce: 'array-' + editor.dataset.array});
  }

  function fillNewRow(editor, row) {
    var n = editor.querySelectorAll('[data-rows] > .array-row').length;
    var text = (B.t.option || 'Option') + (B.lang === 'zh' ? '' : ' ') + n;
    var label = row.querySelector('[data-item-prop="label"]');
    if (label) { label.value = text; }
    var value = row.querySelector('[data-item-prop="value"]');
    if (value) { value.value = text; }
    var key = row.querySelector('[data-item-prop="key"]');
    if (key) {
      var taken = Array.prototype.map.call(editor.querySelectorAll('[data-item-prop="key"]'),
                                           function (el) { return el.value; });
      var k = 'column_' + n;
      while (taken.indexOf(k) !== -1) { n += 1; k = 'column_' + n; }
      key.value = k;
    }
  }

  function addRow(editor) {
    var template = editor.querySelector('template[data-row-template]');
    var row = template.content.firstElementChild.cloneNode(true);
    editor.querySelector('[data-rows]').appendChild(row);
    fillNewRow(editor, row);
    writeArray(editor);
    var first = row.querySelector('input:not([type=color]), textarea');
    if (first) { first.focus(); first.select(); }
  }

  function bindRowSorting() {
    B.retireSortables(rowSortables);  // a panel may arrive while a field is dragged
    rowSortables = [];
    panel().querySelectorAll('[data-array] [data-rows]').forEach(function (rows) {
      rowSortables.push(new Sortable(rows, {
        handle: '.row-grip', animation: 150, forceFallback: true,
        onUpdate: function () { writeArray(rows.closest('[data-array]')); }
      }));
    });
  }

  // -- keys ---------------------------------------------------------------------------------
  function postJson(url, body) {
    return fetch(url, {method: 'POST', credentials: 'same-origin', body: JSON.stringify(body),
                       headers: {'Content-Type': 'application/json', 'X-CSRFToken': B.csrf()}})
      .then(function (r) { return r.ok ? r.json() : null; });
  }

  function keyInput() { return panel().querySelector('[data-prop="key"]'); }

  function followLabel(fld) {
    if (!B.fresh.has(fld.key) || B.locked.has(fld.key)) { return; }
    clearTimeout(keyTimer);
    var key = fld.key;
    keyTimer = setTimeout(function () {
      var label = B.labelText(fld.label, 'zh') || B.labelText(fld.label, 'en');
      if (!label) { return; }
      postJson(B.urls.key, {label: label, taken: B.allKeys(key)}).then(function (data) {
        if (!data || !B.field(key) || B.selected !== key || !B.fresh.has(key)) { return; }
        B.renameKey(key, data.key);
        var input = keyInput();
        if (input) { input.value = data.key; }
        B.change({coalesce: 'label-key', keepCanvas: false});
      });
    }, 350);
  }

  function editKey(el) {
    var old = B.selected;
    var key = el.value.trim();
    B.fresh.delete(old);
    var slot = el.closest('.prop').querySelector('.prop-error');
    if (!/^[a-z][a-z0-9_]{0,62}$/.test(key)) {
      slot.textContent = B.t.badKey || '';
      return;
    }
    postJson(B.urls.key, {key: key, taken: B.allKeys(old)}).then(function (data) {
      slot.textContent = (data && data.problem) || '';
    });
    if (B.allKeys(old).indexOf(key) !== -1) { return; }
    B.renameKey(old, key);
    B.change({coalesce: 'key-' + old});
  }

  // -- the field's type ----------------------------------------------------------------------
  /* The server makes the field of its new type (same key, label and rules; the options the
   * new type needs, choices from the values its records hold); publishing converts the data. */
  function switchType(select) {
    var key = B.selected;
    var fld = B.field(key);
    if (!fld || select.value === fld.type) { return; }
    select.disabled = true;
    postJson(B.urls.retype, {field: fld, type: select.value}).then(function (data) {
      if (!data || !data.field || B.selected !== key || !B.field(key)) {
        select.disabled = false;
        select.value = fld.type;
        return;
      }
      B.doc.fields[B.fieldIndex(key)] = data.field;
      B.change();
      B.loadPanel();
    });
  }

  /* A choice not published yet: its value follows its label (as a new field's key does),
   * and a default that named the old value names the new one. */
  function valueFollowsLabel(row, label) {
    var input = row.querySelector('[data-item-prop="value"]');
    var text = label.value.trim().slice(0, 100);
    if (!input || !text || input.value === text) { return; }
    var old = input.value;
    input.value = text;
    var fld = B.selected && B.field(B.selected);
    if (!fld) { return; }
    if (fld['default'] === old) { fld['default'] = text; }
    if (Array.isArray(fld['default'])) {
      fld['default'] = fld['default'].map(function (v) { return v === old ? text : v; });
    }
  }

  // -- events -------------------------------------------------------------------------------
  function onEdit(event) {
    var el = event.target;
    var editor = el.closest('[data-array]');
    if (editor && el.dataset.itemProp) {
      var row = el.closest('.array-row');
      if (row.hasAttribute('data-follows') && el.dataset.itemProp === 'label') {
        valueFollowsLabel(row, el);
      } else if (el.dataset.itemProp === 'value') {
        row.removeAttribute('data-follows');  // the designer chose the value
      }
      writeArray(editor);
      return;
    }
    if (!el.dataset.prop || !B.selected) { return; }
    if (el.dataset.kind === 'key') { editKey(el); return; }
    var fld = B.field(B.selected);
    apply(fld, el, el.dataset.prop);
    B.change({coalesce: 'prop-' + el.dataset.prop + (el.dataset.lang || '')});
    if (el.dataset.prop === 'label') { followLabel(fld); }
  }

  function setSpan(button) {
    B.setSpan(B.selected, Number(button.dataset.span));
    button.parentElement.querySelectorAll('[data-span]').forEach(function (b) {
      b.classList.toggle('on', b === button);
      b.setAttribute('aria-pressed', b === button ? 'true' : 'false');
    });
    shownPlacement = placementKey();
    B.change();
  }

  function onClick(event) {
    var span = event.target.closest('[data-span]');
    if (span && B.selected) { setSpan(span); return; }
    var action = event.target.closest('[data-action]');
    if (!action) { return; }
    var editor = action.closest('[data-array]');
    if (action.dataset.action === 'add-row') { addRow(editor); }
    if (action.dataset.action === 'remove-row') {
      action.closest('.array-row').remove();
      writeArray(editor);
    }
  }

  /* Errors of the selected field next to the input they point at (longest matching path). */
  B.placePanelErrors = function () {
    var slots = panel().querySelectorAll('[data-error-for]');
    slots.forEach(function (slot) { if (!slot.closest('.prop-key')) { slot.textContent = ''; } });
    var index = B.selected ? B.fieldIndex(B.selected) : -1;
    (B.errors || []).forEach(function (error) {
      var prefix = '/fields/' + index;
      var settings = document.getElementById('form-settings');
      if (error.path === '/label') {
        settings.querySelector('[data-error-for="/label"]').textContent = error.message;
        return;
      }
      if (index < 0 || error.path.indexOf(prefix) !== 0) { return; }
      var rest = error.path.slice(prefix.length);
      var best = null;
      slots.forEach(function (slot) {
        var at = slot.dataset.errorFor;
        if ((rest === at || rest.indexOf(at + '/') === 0 || at === '') &&
            (!best || at.length > best.dataset.errorFor.length)) { best = slot; }
      });
      if (best) { best.textContent = (best.textContent ? best.textContent + ' ' : '') + error.message; }
    });
  };

  B.showFormSettings = function () {
    panel().hidden = true;
    panel().textContent = '';
    var settings = document.getElementById('form-settings');
    settings.hidden = false;
    settings.querySelectorAll('[data-doc-prop]').forEach(function (el) {
      var label = B.doc[el.dataset.docProp];
      el.value = typeof label === 'object' && label ? (label[el.dataset.lang] || '') :
        (el.dataset.lang === B.lang ? label || '' : '');
    });
  };

  var panelSeq = 0;
  var shownPlacement = '';  // the selected field's columns and span the panel was drawn for

  function placementKey() {
    var place = B.selected && B.placement(B.selected);
    return place ? place.columns + '/' + place.span : '';
  }

  /* After a layout edit: the panel's width buttons follow the field's section. */
  B.followPlacement = function () {
    if (B.selected && !panel().hidden && placementKey() !== shownPlacement) { B.loadPanel(); }
  };

  /* Ask the server for the selected field's panel; the old panel goes at once, so nothing is
   * typed into inputs of the field selected before. */
  B.loadPanel = function () {
    if (!B.selected) { B.showFormSettings(); return; }
    var fld = B.field(B.selected);
    var place = B.placement(B.selected) || {columns: 1, span: 1};
    shownPlacement = placementKey();
    panelSeq += 1;
    document.getElementById('form-settings').hidden = true;
    panel().hidden = false;
    panel().textContent = '';
    panel().classList.add('is-loading');
    htmx.ajax('POST', B.urls.properties, {
      target: '#props', swap: 'innerHTML',
      values: {field: JSON.stringify(fld), index: B.fieldIndex(B.selected), seq: panelSeq,
               columns: place.columns, span: place.span}
    });
  };

  function onSwap() {
    var head = panel().querySelector('[data-panel-seq]');
    if (head && Number(head.dataset.panelSeq) !== panelSeq) {
      panel().textContent = '';  // an answer to an earlier selection: the newest follows
      return;
    }
    panel().classList.remove('is-loading');
    bindRowSorting();
    B.placePanelErrors();
  }

  B.reloadPanel = function () { B.loadPanel(); };

  B.initPanel = function () {
    var el = panel();
    var picked = 'select, input[type=checkbox]';  // these report edits as "change" only
    el.addEventListener('input', function (event) {
      if (!event.target.matches(picked)) { onEdit(event); }
    });
    el.addEventListener('change', function (event) {
      if (event.target.matches('[data-switch-type]')) { switchType(event.target); return; }
      if (event.target.matches(picked)) { onEdit(event); }
    });
    el.addEventListener('click', onClick);
    el.addEventListener('htmx:afterSwap', onSwap);
    document.getElementById('form-settings').addEventListener('input', function (event) {
      var input = event.target;
      if (!input.dataset.docProp) { return; }
      B.setLangText(B.doc, input.dataset.docProp, input.dataset.lang, input.value.trim());
      B.change({coalesce: 'form-' + input.dataset.lang});
    });
    B.showFormSettings();
  };
})();
