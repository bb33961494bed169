/* A user picker: a text box that searches the directory as one types (a list of names to
   choose from) and hands the chosen user's id to ``onpick`` (or the text typed, when it names
   nobody yet). ``TrellisUserPicker({url, value, name, label, placeholder, onpick})``: ``name``
   is shown for a ``value`` chosen before. Used by the rules' and the workflows' designers. */
(function () {
  'use strict';

  window.TrellisUserPicker = function (opts) {
    var listId = 'users-' + Math.random().toString(36).slice(2);
    var data = document.createElement('datalist');
    var box = document.createElement('input');
    data.id = listId;
    box.className = 'input';
    box.setAttribute('list', listId);
    box.setAttribute('data-user-picker', '');
    box.setAttribute('autocomplete', 'off');
    if (opts.placeholder) { box.placeholder = opts.placeholder; }
    if (opts.label) { box.setAttribute('aria-label', opts.label); }
    box.value = opts.name || (opts.value === undefined || opts.value === null ? '' : String(opts.value));

    function picked() {
      var chosen = Array.prototype.filter.call(data.options, function (o) { return o.value === box.value; })[0];
      return chosen ? Number(chosen.dataset.id) : box.value.trim();
    }
    box.addEventListener('input', function () {
      opts.onpick(picked());
      fetch(opts.url + '?q=' + encodeURIComponent(box.value), { credentials: 'same-origin', headers: { Accept: 'application/json' } })
        .then(function (r) { return r.json(); })
        .then(function (people) {
          data.textContent = '';
          people.forEach(function (p) {
            var option = document.createElement('option');
            option.value = p.name;
            option.dataset.id = p.id;
            data.appendChild(option);
          });
          var now = picked();
          if (typeof now === 'number') { opts.onpick(now); }
        })
        .catch(function () {});
    });
    var wrap = document.createElement('span');
    wrap.className = 'user-picker';
    wrap.appendChild(box);
    wrap.appendChild(data);
    return wrap;
  };
})();
