/* The to-do page: an action refused by the server ({problems: [{path, message}]}, 4xx) is
   shown on its task; the snooze time starts at tomorrow 09:00. The server decides and
   renders the list; this only keeps the page in step. */
(function () {
  'use strict';

  document.addEventListener('htmx:responseError', function (event) {
    var form = event.detail.elt.closest('.todo-item');
    if (!form) { return; }
    var box = form.querySelector('.todo-error');
    var text = event.detail.xhr.statusText;
    try {
      var body = JSON.parse(event.detail.xhr.responseText);
      text = body.problems.map(function (p) { return p.message; }).join('; ');
    } catch (ignored) { /* not JSON: the status text */ }
    box.textContent = text;
    box.hidden = false;
  });

  function tomorrowNine() {
    var d = new Date();
    d.setDate(d.getDate() + 1);
    function two(n) { return (n < 10 ? '0' : '') + n; }
    return d.getFullYear() + '-' + two(d.getMonth() + 1) + '-' + two(d.getDate()) + 'T09:00';
  }

  function fill(root) {
    root.querySelectorAll('input[name="until"]').forEach(function (input) {
      if (!input.value) { input.value = tomorrowNine(); }
    });
  }

  document.addEventListener('change', function (event) {
    if (event.target.matches('[data-autosubmit]')) { event.target.form.submit(); }
  });

  document.addEventListener('DOMContentLoaded', function () { fill(document); });
  document.addEventListener('htmx:afterSwap', function () { fill(document); });
})();
