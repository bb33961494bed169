/* Generated forms with formulas: as the person types, ask the server which fields show, are
   required or read-only, and what the calculated fields come to; then apply the answer.
   The server decides (runtime/forms/live.py); this script only mirrors it on the page. */
(function () {
  'use strict';

  var DELAY = 250;

  function csrfToken(form) {
    var input = form.querySelector('input[name="csrf_token"]');
    return input ? input.value : '';
  }

  function requiredMark(label) {
    var mark = label.querySelector('.req');
    if (!mark) {
      mark = document.createElement('span');
      mark.className = 'req';
      mark.textContent = '*';
      label.appendChild(mark);
    }
    return mark;
  }

  function apply(form, state) {
    var hidden = new Set(state.hidden), required = new Set(state.required);
    var readonly = new Set(state.readonly);
    form.querySelectorAll('[data-field]').forEach(function (wrapper) {
      var key = wrapper.dataset.field;
      if (!wrapper.parentElement.closest('[data-field]')) {  // not a sub-table cell
        wrapper.hidden = hidden.has(key);
        var label = wrapper.querySelector('.field-label');
        if (label) {
          var known = wrapper.dataset.required === 'static';
          if (!('required' in wrapper.dataset)) {
            known = !!label.querySelector('.req');
            wrapper.dataset.required = known ? 'static' : 'formula';
          }
          requiredMark(label).hidden = !(known || required.has(key));
        }
        var lock = readonly.has(key);
        if (wrapper.dataset.locked !== undefined || lock) {
          wrapper.dataset.locked = lock ? '1' : '';
          wrapper.classList.toggle('is-readonly', lock);
          wrapper.querySelectorAll('input, select, textarea, button').forEach(function (el) {
            if (el.dataset.staticDisabled === undefined) {
              el.dataset.staticDisabled = el.disabled ? '1' : '';
            }
            el.disabled = lock || el.dataset.staticDisabled === '1';
          });
        }
      }
      if (Object.prototype.hasOwnProperty.call(state.values, key)) {
        var output = wrapper.querySelector('input[disabled], output');
        if (output) { output.value = state.values[key]; }
      }
    });
  }

  var asked = new WeakMap();  // form -> the number of its latest state request

  function refresh(form) {
    var body = new FormData(form);
    var mine = (asked.get(form) || 0) + 1;
    asked.set(form, mine);
    fetch(form.dataset.stateUrl, {
      method: 'POST', body: body, credentials: 'same-origin',
      headers: {'X-CSRFToken': csrfToken(form), 'Accept': 'application/json'}
    }).then(function (response) {
      return response.ok ? response.json() : null;
    }).then(function (state) {
      // an answer overtaken by a later request's (typing went on meanwhile) is stale
      if (state && asked.get(form) === mine) { apply(form, state); }
    }).catch(function () { /* offline: the server checks again on save */ });
  }

  function watch(form) {
    if (form.dataset.behaviourBound) { return; }
    form.dataset.behaviourBound = '1';
    var timer = null;
    function later() {
      clearTimeout(timer);
      timer = setTimeout(function () { refresh(form); }, DELAY);
    }
    form.addEventListener('input', later);
    form.addEventListener('change', later);
  }

  function init(root) {
    (root || document).querySelectorAll('form[data-state-url]').forEach(watch);
  }

  document.addEventListener('DOMContentLoaded', function () { init(document); });
  document.addEventListener('htmx:afterSwap', function (event) { init(event.target); });
})();
