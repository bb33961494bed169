/* Generated forms: switch between the tabs of a form's layout (the server marks the active one). */
(function () {
  'use strict';

  function show(button) {
    var bar = button.closest('.form-tabs');
    if (!bar) { return; }
    bar.querySelectorAll('[data-tab]').forEach(function (tab) {
      var on = tab === button;
      tab.classList.toggle('active', on);
      tab.setAttribute('aria-selected', on ? 'true' : 'false');
      var panel = document.getElementById(tab.dataset.tab);
      if (panel) { panel.hidden = !on; }
    });
  }

  document.addEventListener('click', function (event) {
    var button = event.target.closest('.form-tabs [data-tab]');
    if (button) { show(button); }
  });
})();
