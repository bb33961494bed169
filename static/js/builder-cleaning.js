/* Form designer, form settings: the form's cleaning rules. The server renders the rows for the
 * draft's fields and rules (builder/cleaning.py); every edit writes all rows back into
 * B.doc.cleaning, in their order. */
(function () {
  'use strict';

  var B = window.TrellisBuilder = window.TrellisBuilder || {};
  var sortable = null;

  function box() { return document.getElementById('cleaning-rules'); }

  /* A formula as the document keeps it: its editor shows labels, the draft holds keys. */
  function formulaText(el) {
    var editor = el.formulaEditor;
    return (editor && editor.keyed ? editor.keyed(el.value) : el.value).trim();
  }

  function readRule(row) {
    var item = JSON.parse(row.dataset.item || '{}');
    item.field = row.querySelector('[data-rule-prop="field"]').value;
    item.formula = formulaText(row.querySelector('[data-rule-prop="formula"]'));
    if (row.querySelector('[data-rule-prop="if_blank"]').checked) { item.if_blank = true; }
    else { delete item.if_blank; }
    return item;
  }

  function write() {
    var rows = box().querySelectorAll('[data-rule-rows] > .cleaning-rule');
    var rules = Array.prototype.map.call(rows, readRule);
    if (rules.length) { B.doc.cleaning = rules; } else { delete B.doc.cleaning; }
    B.change({coalesce: 'cleaning', keepCanvas: true});
  }

  function placeErrors() {
    var el = box();
    if (!el) { return; }
    el.querySelectorAll('[data-error-for]').forEach(function (slot) { slot.textContent = ''; });
    (B.errors || []).forEach(function (error) {
      var m = /^\/cleaning\/(\d+)/.exec(error.path);
      var rows = el.querySelectorAll('[data-rule-rows] > .cleaning-rule');
      var row = m && rows[Number(m[1])];
      var slot = row && row.querySelector('[data-error-for]');
      if (slot) { slot.textContent = (slot.textContent ? slot.textContent + ' ' : '') + error.message; }
    });
  }

  function bindSorting() {
    if (sortable) { sortable.destroy(); sortable = null; }
    var rows = box().querySelector('[data-rule-rows]');
    if (rows && window.Sortable) {
      sortable = new Sortable(rows, {handle: '.row-grip', animation: 150, onUpdate: write});
    }
  }

  B.loadCleaning = function () {
    if (!box() || !B.urls.cleaning) { return; }
    htmx.ajax('POST', B.urls.cleaning, {
      target: '#cleaning-rules', swap: 'innerHTML',
      values: {fields: JSON.stringify(B.doc.fields || []),
               cleaning: JSON.stringify(B.doc.cleaning || [])}
    });
  };

  function onClick(event) {
    var action = event.target.closest('[data-action]');
    if (!action) { return; }
    if (action.dataset.action === 'add-rule') {
      var template = box().querySelector('template[data-rule-template]');
      var row = template.content.firstElementChild.cloneNode(true);
      box().querySelector('[data-rule-rows]').appendChild(row);
      write();
      row.querySelector('select').focus();
    } else if (action.dataset.action === 'remove-rule') {
      action.closest('.cleaning-rule').remove();
      write();
    }
  }

  function onEdit(event) {
    if (event.target.closest('[data-rule-prop]')) { write(); }
  }

  var showSettings = B.showFormSettings;
  B.showFormSettings = function () {
    if (showSettings) { showSettings(); }
    B.loadCleaning();
  };

  var showErrors = B.showErrors;
  B.showErrors = function (errors) {
    if (showErrors) { showErrors(errors); }
    placeErrors();
  };

  document.addEventListener('DOMContentLoaded', function () {
    var el = box();
    if (!el) { return; }
    el.addEventListener('click', onClick);
    el.addEventListener('input', function (event) {
      if (!event.target.matches('select, input[type=checkbox]')) { onEdit(event); }
    });
    el.addEventListener('change', function (event) {
      if (event.target.matches('select, input[type=checkbox]')) { onEdit(event); }
    });
    el.addEventListener('htmx:afterSwap', function () { bindSorting(); placeErrors(); });
  });
})();
