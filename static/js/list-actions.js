/* The list page's bulk actions: choosing rows (one by one, or all on the page), the bar that
   counts them, the dialogs that act on them, and reading the list again afterwards. The server
   decides what may be done and does it; this only keeps the page in step. */
(function () {
  'use strict';

  function boxes() { return document.querySelectorAll('[data-bulk-id]'); }
  function chosen() { return document.querySelectorAll('[data-bulk-id]:checked'); }

  function sync() {
    var count = chosen().length;
    var all = document.querySelector('[data-bulk-all]');
    if (all) {
      all.checked = count > 0 && count === boxes().length;
      all.indeterminate = count > 0 && count < boxes().length;
    }
    var bar = document.querySelector('[data-bulk-bar]');
    if (bar) { bar.hidden = count === 0; }
    document.querySelectorAll('[data-bulk-count]').forEach(function (el) {
      el.textContent = el.dataset.text.replace('__N__', String(count));
    });
    document.querySelectorAll('tr[data-href]').forEach(function (row) {
      var box = row.querySelector('[data-bulk-id]');
      row.classList.toggle('chosen', !!(box && box.checked));
    });
  }

  document.addEventListener('change', function (event) {
    var target = event.target;
    if (target.matches('[data-bulk-all]')) {
      boxes().forEach(function (box) { box.checked = target.checked; });
    }
    if (target.matches('[data-bulk-all], [data-bulk-id]')) { sync(); }
  });

  document.addEventListener('click', function (event) {
    var open = event.target.closest('[data-dialog-open]');
    if (open) {
      var dialog = document.getElementById(open.dataset.dialogOpen);
      var error = dialog.querySelector('.bulk-error');
      if (error) { error.innerHTML = ''; }
      sync();
      dialog.showModal();
      return;
    }
    var close = event.target.closest('[data-dialog-close]');
    if (close) { close.closest('dialog').close(); return; }
    if (event.target.closest('[data-bulk-clear]')) {
      boxes().forEach(function (box) { box.checked = false; });
      sync();
      return;
    }
    var dismiss = event.target.closest('[data-dismiss]');
    if (dismiss) { dismiss.parentElement.remove(); }
  });

  // A request refused whole (422: no field chosen, a value no record could take) is shown in
  // its dialog, which stays open; a done one closes the dialog and shows the summary.
  document.addEventListener('htmx:beforeSwap', function (event) {
    // the form's own post, not its field's input loading (detail.elt is the swap target)
    var form = event.detail.requestConfig && event.detail.requestConfig.elt;
    if (!form || !form.matches || !form.matches('.bulk-form')) { return; }
    if (event.detail.xhr.status === 422) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
      event.detail.target = form.querySelector('.bulk-error');
    } else if (event.detail.xhr.status < 300) {
      form.closest('dialog').close();
    }
  });

  // after a bulk action the list is read again, as the address bar describes it
  document.body.addEventListener('trellis:records-changed', function () {
    window.htmx.ajax('GET', window.location.href, { target: '#record-list', swap: 'outerHTML' });
  });
  document.addEventListener('htmx:afterSettle', sync);
  document.addEventListener('DOMContentLoaded', sync);
})();
