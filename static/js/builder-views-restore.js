/* The list-view designer, undo/redo: puts a view document back into the page's controls
 * (columns, sort and filter rows, formula, name, rows per page), so builder-views.js can step
 * through snapshots of the document as the form designer does. */
(function () {
  'use strict';

  function setLabel(root, label) {
    var zh = typeof label === 'string' ? label : (label && label.zh) || '';
    var en = label && typeof label === 'object' ? label.en || '' : '';
    root.querySelector('#label-zh').value = zh;
    root.querySelector('#label-en').value = en;
  }

  /* Shown columns in the document's order; every other field goes back to "available". */
  function setColumns(root, columns) {
    var shown = root.querySelector('#columns-shown');
    var available = root.querySelector('#columns-available');
    var items = {};
    root.querySelectorAll('.bx-col').forEach(function (li) { items[li.dataset.key] = li; });
    var leaving = Array.prototype.slice.call(shown.children);
    columns.forEach(function (key) {
      if (items[key]) { shown.appendChild(items[key]); }
    });
    leaving.forEach(function (li) {
      if (columns.indexOf(li.dataset.key) === -1) { available.appendChild(li); }
    });
  }

  function setRows(kind, items, fill) {
    var rows = document.getElementById(kind + '-rows');
    var template = document.getElementById(kind + '-row-template');
    rows.textContent = '';
    (items || []).forEach(function (item) {
      var row = template.content.firstElementChild.cloneNode(true);
      rows.appendChild(row);
      fill(row, item);
    });
  }

  function fillSort(row, item) {
    row.querySelector('[name=sort_field]').value = item.field;
    row.querySelector('[name=sort_direction]').value = item.direction || 'asc';
  }

  function filterFiller(syncOps) {
    return function (row, item) {
      row.querySelector('[name=filter_field]').value = item.field;
      syncOps(row);
      row.querySelector('[name=filter_op]').value = item.op;
      var value = item.value;
      row.querySelector('[name=filter_value]').value =
        Array.isArray(value) ? value.join(', ') : (value === undefined ? '' : String(value));
      syncOps(row);
    };
  }

  /* Write ``doc`` into the controls under ``root``; ``syncOps(row)`` fits a filter row's
   * conditions to its field. */
  function restoreView(root, doc, syncOps) {
    setLabel(root, doc.label);
    setColumns(root, doc.columns || []);
    setRows('sort', doc.sort, fillSort);
    setRows('filter', doc.filters, filterFiller(syncOps));
    root.querySelector('#per-page').value = doc.per_page === undefined ? '' : doc.per_page;
    var formula = root.querySelector('#view-formula');
    if (formula.value !== (doc.filter || '')) {
      formula.value = doc.filter || '';
      formula.dispatchEvent(new Event('input', {bubbles: true}));  // the editor redraws
    }
  }

  window.TrellisRestoreView = restoreView;
})();
