/* Field widgets of the generated forms. The server renders every widget with data-*
   attributes; this file only wires the libraries (tom-select, flatpickr) and the small
   behaviours (region cascade, uploads, sub-table rows). It interprets no metadata. */
(function () {
  'use strict';

  function lang() {
    return (document.documentElement.getAttribute('lang') || 'zh').toLowerCase().indexOf('zh') === 0 ? 'zh' : 'en';
  }
  function csrfToken() { return window.Trellis && window.Trellis.csrfToken ? window.Trellis.csrfToken() : ''; }
  function withQuery(url, params) {
    return url + (url.indexOf('?') === -1 ? '?' : '&') + new URLSearchParams(params).toString();
  }

  // -- searchable selects ---------------------------------------------------------------------
  function initSelect(el) {
    var multiple = el.multiple;
    new TomSelect(el, {
      allowEmptyOption: !multiple,
      maxOptions: null,
      placeholder: el.dataset.placeholder || '',
      plugins: multiple ? ['remove_button'] : []
    });
  }

  function initRemote(el, labelField, searchFields, renderOption) {
    var url = el.dataset.url;
    var settings = {
      valueField: 'id',
      labelField: labelField,
      searchField: searchFields,
      placeholder: el.dataset.placeholder || '',
      preload: 'focus',
      loadThrottle: 250,
      maxOptions: 50,
      plugins: el.multiple ? ['remove_button'] : [],
      shouldLoad: function () { return true; },
      // the server already searched (more fields than the label): keep everything it sent
      score: function () { return function () { return 1; }; },
      load: function (query, callback) {
        fetch(withQuery(url, { q: query }), { headers: { Accept: 'application/json' }, credentials: 'same-origin' })
          .then(function (response) { return response.ok ? response.json() : []; })
          .then(function (items) { callback(items); })
          .catch(function () { callback(); });
      },
      render: {}
    };
    if (renderOption) { settings.render.option = renderOption; }
    new TomSelect(el, settings);
  }

  function userOption(item, escape) {
    return '<div class="ts-person"><span class="ts-name">' + escape(item.name) + '</span>' +
      (item.email ? '<span class="ts-sub">' + escape(item.email) + '</span>' : '') + '</div>';
  }

  // -- dates ----------------------------------------------------------------------------------
  function initDate(el, withTime) {
    var options = {
      allowInput: true,
      disableMobile: true,
      locale: lang() === 'zh' && window.flatpickr.l10ns.zh ? window.flatpickr.l10ns.zh : 'default'
    };
    if (withTime) {
      options.enableTime = true;
      options.time_24hr = true;
      options.dateFormat = 'Y-m-d\\TH:i';
      options.altInput = true;
      options.altFormat = 'Y-m-d H:i';
    } else {
      options.dateFormat = 'Y-m-d';
    }
    if (el.dataset.min) { options.minDate = el.dataset.min; }
    if (el.dataset.max) { options.maxDate = el.dataset.max; }
    window.flatpickr(el, options);
  }

  // -- region cascade -------------------------------------------------------------------------
  function resetSelect(select) {
    if (!select) { return; }
    var blank = select.options[0] ? select.options[0].textContent : '';
    select.innerHTML = '';
    var option = document.createElement('option');
    option.value = '';
    option.textContent = blank;
    select.appendChild(option);
  }

  function initRegion(box) {
    var url = box.dataset.url;
    var country = box.querySelector('.region-country');
    var cn = box.querySelector('.region-cn');
    var province = box.querySelector('.region-province');
    var city = box.querySelector('.region-city');
    var district = box.querySelector('.region-district');
    var text = box.querySelector('.region-text');
    var kept = box.querySelector('.region-kept-value');  // a place kept as written

    // a list of one (the city of a municipality: 北京市 under 北京市) is chosen at once
    function load(target, params) {
      window.htmx.ajax('GET', withQuery(url, params), { target: target, swap: 'innerHTML' })
        .then(function () {
          if (target.options.length === 2 && !target.value) {
            target.selectedIndex = 1;
            target.dispatchEvent(new Event('change', { bubbles: true }));
          }
        });
    }
    if (province) {
      province.addEventListener('change', function () {
        if (kept) { kept.disabled = !!province.value; }
        resetSelect(district);
        if (!city) { return; }
        if (province.value) { load(city, { province: province.value }); } else { resetSelect(city); }
      });
    }
    if (city) {
      city.addEventListener('change', function () {
        if (!district) { return; }
        if (city.value) { load(district, { province: province.value, city: city.value }); } else { resetSelect(district); }
      });
    }
    if (country) {
      country.addEventListener('change', function () {
        var china = country.value === 'CN';
        cn.hidden = !china;
        cn.querySelectorAll('select').forEach(function (s) { s.disabled = !china; });
        if (kept) { kept.disabled = !china || !!(province && province.value); }
        if (text) { text.hidden = china; text.disabled = china; }
      });
    }
  }

  // -- uploads --------------------------------------------------------------------------------
  function fileItem(box, file) {
    var li = document.createElement('li');
    li.className = 'file';
    var hidden = document.createElement('input');
    hidden.type = 'hidden';
    hidden.name = box.dataset.name;
    hidden.value = file.id;
    var link = document.createElement('a');
    link.className = 'file-name';
    link.href = file.url;
    link.textContent = file.name;
    var size = document.createElement('span');
    size.className = 'file-size';
    size.textContent = file.size < 1024 ? file.size + ' B' : (file.size / 1024 < 1024 ? (file.size / 1024).toFixed(1) + ' KB' : (file.size / 1048576).toFixed(1) + ' MB');
    var remove = document.createElement('button');
    remove.type = 'button';
    remove.className = 'file-remove';
    remove.setAttribute('data-remove', '');
    remove.setAttribute('aria-label', box.dataset.removeLabel || 'Remove');
    remove.textContent = '×';
    li.append(hidden, link, size, remove);
    return li;
  }

  function uploadOne(box, file) {
    var data = new FormData();
    data.append('file', file);
    return fetch(box.dataset.url, {
      method: 'POST', body: data, credentials: 'same-origin',
      headers: { 'X-CSRFToken': csrfToken(), Accept: 'application/json' }
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (body) {
        if (!response.ok) {
          var message = body.errors && body.errors[0] ? body.errors[0].message : box.dataset.failed;
          throw new Error(message);
        }
        return body;
      });
    });
  }

  function initAttachment(box) {
    var input = box.querySelector('input[type=file]');
    var list = box.querySelector('.files');
    var status = box.querySelector('.upload-status');
    list.addEventListener('click', function (event) {
      var button = event.target.closest('[data-remove]');
      if (button) { button.closest('li').remove(); }
    });
    if (!input) { return; }
    input.addEventListener('change', function () {
      var files = Array.prototype.slice.call(input.files);
      status.classList.remove('error');
      status.textContent = box.dataset.uploading;
      var chain = Promise.resolve();
      files.forEach(function (file) {
        chain = chain.then(function () {
          return uploadOne(box, file).then(function (body) {
            if (!box.hasAttribute('data-multiple')) { list.innerHTML = ''; }
            list.appendChild(fileItem(box, body));
          });
        });
      });
      chain.then(function () { status.textContent = ''; })
        .catch(function (error) { status.textContent = error.message; status.classList.add('error'); })
        .finally(function () { input.value = ''; });
    });
  }

  // -- sub-table rows -------------------------------------------------------------------------
  function initSubtable(box) {
    var body = box.querySelector('tbody');
    var template = box.querySelector('template.subtable-template');
    var next = parseInt(box.dataset.next || '0', 10);
    var add = box.querySelector('[data-row-add]');
    if (add && template) {
      add.addEventListener('click', function () {
        body.insertAdjacentHTML('beforeend', template.innerHTML.replace(/__n__/g, String(next)));
        next += 1;
        var row = body.lastElementChild;
        initWidgets(row);
        if (window.htmx) { window.htmx.process(row); }
        var first = row.querySelector('input:not([type=hidden]), select, textarea');
        if (first) { first.focus(); }
      });
    }
    body.addEventListener('click', function (event) {
      var button = event.target.closest('[data-row-remove]');
      if (button) { button.closest('tr').remove(); }
    });
  }

  var INIT = {
    select: initSelect,
    multiselect: initSelect,
    user: function (el) { initRemote(el, 'name', ['name', 'email'], userOption); },
    relation: function (el) { initRemote(el, 'title', ['title'], null); },
    date: function (el) { initDate(el, false); },
    datetime: function (el) { initDate(el, true); },
    region: initRegion,
    attachment: initAttachment,
    subtable: initSubtable
  };

  function initWidgets(root) {
    (root || document).querySelectorAll('[data-widget]').forEach(function (el) {
      if (el.dataset.ready || el.closest('template')) { return; }
      var init = INIT[el.dataset.widget];
      if (!init) { return; }
      el.dataset.ready = '1';
      init(el);
    });
  }
  window.Trellis = window.Trellis || {};
  window.Trellis.initWidgets = initWidgets;

  document.addEventListener('DOMContentLoaded', function () { initWidgets(document); });
  document.addEventListener('htmx:load', function (event) { initWidgets(event.target); });
})();
