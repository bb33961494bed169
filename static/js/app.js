/* Trellis page plumbing: CSRF header for htmx, confirmations, copy buttons, clickable rows. */
(function () {
  'use strict';

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute('content') : '';
  }
  window.Trellis = window.Trellis || {};
  window.Trellis.csrfToken = csrfToken;

  // A JSON request of the builder's pages: {status, data, headers}, data {} when not JSON.
  window.Trellis.requestJSON = function (method, url, body, ifMatch) {
    var headers = {'Content-Type': 'application/json', 'Accept': 'application/json',
                   'X-CSRFToken': csrfToken()};
    if (ifMatch) { headers['If-Match'] = ifMatch; }
    return fetch(url, {method: method, headers: headers, credentials: 'same-origin',
                       body: body === undefined ? undefined : JSON.stringify(body)})
      .then(function (response) {
        return response.json().catch(function () { return {}; }).then(function (data) {
          return {status: response.status, data: data, headers: response.headers};
        });
      });
  };

  // An element of the builder's scripts: ``attrs`` class, text, value, on* listeners, the
  // boolean properties checked/selected/hidden/disabled, anything else an attribute.
  window.Trellis.el = function (tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      var v = attrs[k];
      if (v === undefined || v === null || v === false) { return; }
      if (k === 'text') { node.textContent = v; }
      else if (k === 'class') { node.className = v; }
      else if (k.slice(0, 2) === 'on') { node.addEventListener(k.slice(2), v); }
      else if (k === 'value') { node.value = v; }
      else if (k === 'checked' || k === 'selected' || k === 'hidden' || k === 'disabled') { node[k] = !!v; }
      else { node.setAttribute(k, v === true ? '' : v); }
    });
    (children || []).forEach(function (c) {
      if (c !== null && c !== undefined && c !== false) {
        node.appendChild(typeof c === 'string' ? document.createTextNode(c) : c);
      }
    });
    return node;
  };

  // A label ({zh, en} or a plain string) in ``lang``, else in the other language.
  window.Trellis.labelIn = function (label, lang) {
    if (!label) { return ''; }
    if (typeof label === 'string') { return label; }
    return label[lang] || label[lang === 'zh' ? 'en' : 'zh'] || '';
  };

  // Write ``text`` as ``item[prop]`` (default label) in ``lang``, keeping the other language's.
  window.Trellis.setLabelIn = function (item, text, lang, prop) {
    prop = prop || 'label';
    var label = item[prop];
    var texts = typeof label === 'string' ? {} : Object.assign({}, label || {});
    if (typeof label === 'string' && label && label !== text) { texts[lang === 'zh' ? 'en' : 'zh'] = label; }
    if (text) { texts[lang] = text; } else { delete texts[lang]; }
    if (Object.keys(texts).length) { item[prop] = texts; } else { delete item[prop]; }
  };

  // Problems with JSON Pointer paths shown at the controls of ``root`` whose data-path is the
  // longest prefix of each path (in its .bx-error), else in #general-errors. ``options``:
  // skipHidden (a control inside [hidden] does not take errors), shown(place, error) (return
  // false when the control shows the error itself).
  window.Trellis.pathErrors = function (root, options) {
    options = options || {};
    function clear() {
      root.querySelectorAll('.bx-error').forEach(function (el) { el.textContent = ''; });
      root.querySelectorAll('.has-error').forEach(function (el) { el.classList.remove('has-error'); });
      var general = document.getElementById('general-errors');
      general.querySelector('.bx-error').textContent = '';
      general.hidden = true;
    }
    function placeFor(path) {
      var parts = path.split('/');
      while (parts.length > 1) {
        var at = root.querySelector('[data-path="' + parts.join('/') + '"]');
        if (at && !(options.skipHidden && at.closest('[hidden]'))) { return at; }
        parts.pop();
      }
      return document.getElementById('general-errors');
    }
    function show(errors) {
      clear();
      errors.forEach(function (error) {
        var place = placeFor(error.path || '');
        place.classList.add('has-error');
        if (options.shown && options.shown(place, error) === false) { return; }
        var box = place.querySelector(':scope > .bx-error') || place.querySelector('.bx-error');
        place.hidden = false;
        box.textContent = (box.textContent ? box.textContent + ' ' : '') + error.message;
      });
    }
    return {clear: clear, placeFor: placeFor, show: show};
  };

  // Every htmx request carries the CSRF token (the server checks it on state changes).
  document.addEventListener('htmx:configRequest', function (event) {
    event.detail.headers['X-CSRFToken'] = csrfToken();
  });

  // A field's red border follows its error: cleared when the check on change (htmx swaps the
  // error slot) finds nothing wrong, set when it finds something.
  document.addEventListener('htmx:afterSwap', function (event) {
    var elt = event.detail.elt;  // the input checked (its slot was replaced: look it up again)
    var field = elt && elt.closest ? elt.closest('.field') : null;
    var slot = field ? field.querySelector(':scope > .field-error') : null;
    if (slot) { field.classList.toggle('has-error', slot.textContent.trim() !== ''); }
  });

  // <form data-confirm="..."> asks before submitting (deletes, revokes).
  document.addEventListener('submit', function (event) {
    var form = event.target;
    if (form.dataset && form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
      event.preventDefault();
      event.stopPropagation();
    }
  }, true);

  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text);
    }
    var area = document.createElement('textarea');
    area.value = text;
    document.body.appendChild(area);
    area.select();
    document.execCommand('copy');
    area.remove();
    return Promise.resolve();
  }

  document.addEventListener('click', function (event) {
    var button = event.target.closest('[data-copy]');
    if (button) {
      var source = document.getElementById(button.dataset.copy);
      copyText(source.value || source.textContent).then(function () {
        button.textContent = button.dataset.copied || button.textContent;
      });
      return;
    }
    // a whole list row opens the record, unless a link or control inside was used
    var row = event.target.closest('tr[data-href]');
    if (row && !event.target.closest('a, button, input, select, label')) {
      window.location.href = row.dataset.href;
    }
  });

  // The filter bar offers only the conditions the chosen field supports.
  function syncFilterOps(fieldSelect) {
    var form = fieldSelect.form;
    var opSelect = form && form.querySelector('[data-filter-op]');
    if (!opSelect) { return; }
    var chosen = fieldSelect.selectedOptions[0];
    var ops = chosen && chosen.dataset.ops ? chosen.dataset.ops.split(',') : null;
    var firstAllowed = null;
    Array.prototype.forEach.call(opSelect.options, function (option) {
      var ok = !ops || ops.indexOf(option.value) !== -1;
      option.hidden = !ok;
      option.disabled = !ok;
      if (ok && firstAllowed === null) { firstAllowed = option; }
    });
    if (opSelect.selectedOptions[0] && opSelect.selectedOptions[0].disabled && firstAllowed) {
      opSelect.value = firstAllowed.value;
    }
  }
  // ... and asks for a value as the field holds it: its choices, a date, a person, a record.
  function valueInput(old, tag, type) {
    var input = document.createElement(tag);
    input.className = 'input';
    input.name = 'v';
    input.setAttribute('aria-label', old.getAttribute('aria-label'));
    input.dataset.filterValue = '';
    input.dataset.choose = old.dataset.choose;
    if (tag === 'input') {
      input.type = type || 'text';
      input.placeholder = old.placeholder || old.dataset.placeholder || '';
      if (type === 'number') { input.step = 'any'; }
    } else {
      input.dataset.placeholder = old.placeholder || old.dataset.placeholder || '';
    }
    old.replaceWith(input);
    return input;
  }

  function fillChoices(select, choices) {
    var blank = document.createElement('option');
    blank.value = '';
    blank.textContent = select.dataset.choose;
    select.appendChild(blank);
    choices.forEach(function (c) {
      var option = document.createElement('option');
      option.value = c.value;
      option.textContent = c.label;
      select.appendChild(option);
    });
  }

  function syncFilterValue(fieldSelect) {
    var form = fieldSelect.form;
    var old = form && form.querySelector('[data-filter-value]');
    if (!old) { return; }
    var chosen = fieldSelect.selectedOptions[0];
    var ask = chosen && chosen.dataset.input ? JSON.parse(chosen.dataset.input) : {kind: 'text'};
    var types = {number: 'number', date: 'date', datetime: 'datetime-local'};
    if (ask.kind === 'choice') {
      fillChoices(valueInput(old, 'select'), ask.choices || []);
    } else if (ask.lookup) {  // people and related records: the ones the reader may pick
      var select = valueInput(old, 'select');
      fetch(ask.lookup, {credentials: 'same-origin', headers: {'Accept': 'application/json'}})
        .then(function (r) { return r.ok ? r.json() : []; })
        .then(function (found) {
          fillChoices(select, found.map(function (item) {
            return {value: String(item.id), label: item.title || item.name || item.label ||
                                                   ('#' + item.id)};
          }));
        });
    } else {
      var input = valueInput(old, 'input', types[ask.kind] || 'text');
      if (ask.suggestions && ask.suggestions.length) {  // places: typed, offered as one types
        var list = document.getElementById('filter-suggestions') ||
                   document.body.appendChild(document.createElement('datalist'));
        list.id = 'filter-suggestions';
        list.replaceChildren.apply(list, ask.suggestions.map(function (name) {
          var option = document.createElement('option');
          option.value = name;
          return option;
        }));
        input.setAttribute('list', list.id);
      }
    }
  }

  document.addEventListener('change', function (event) {
    if (event.target.matches('[data-filter-field]')) {
      syncFilterOps(event.target);
      syncFilterValue(event.target);
    }
  });
  document.addEventListener('DOMContentLoaded', function () {
    // the column chooser: columns in the order they are dragged to
    document.querySelectorAll('[data-column-choices]').forEach(function (list) {
      if (window.Sortable) { window.Sortable.create(list, {handle: '.drag-handle', animation: 120}); }
    });
    document.querySelectorAll('[data-filter-field]').forEach(syncFilterOps);
  });
})();
