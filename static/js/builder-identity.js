/* The identity editor (builder/identity.py): edits the "identity" of the form draft the page
   printed — match rules (exact or fuzzy, merge or review, on or off, in order) and the merge
   policy — and autosaves the whole draft (builder-autosave.js) through the documents API (PUT
   with If-Match; 409 keeps the edits; 422 marks the control whose data-path the problem's JSON
   Pointer names). */
(function () {
  'use strict';

  var root = document.getElementById('identity-editor');
  if (!root) { return; }

  var original = JSON.parse(root.dataset.doc);
  var lang = root.dataset.lang;
  var rulesEl = document.getElementById('identity-rules');
  var labels = {};
  (original.fields || []).forEach(function (f) { labels[f.key] = labelText(f.label) || f.key; });

  function $(sel, scope) { return (scope || root).querySelector(sel); }
  function $all(sel, scope) { return Array.prototype.slice.call((scope || root).querySelectorAll(sel)); }
  function msg(name, n) { return (root.dataset['msg' + name] || '').replace('{n}', n); }
  function labelText(label) {
    if (!label) { return ''; }
    if (typeof label === 'string') { return label; }
    return label[lang] || label[lang === 'zh' ? 'en' : 'zh'] || '';
  }
  function sorted(value) {
    if (Array.isArray(value)) { return value.map(sorted); }
    if (value && typeof value === 'object') {
      var out = {};
      Object.keys(value).sort().forEach(function (k) { out[k] = sorted(value[k]); });
      return out;
    }
    return value;
  }
  function sameJSON(a, b) { return JSON.stringify(sorted(a)) === JSON.stringify(sorted(b)); }
  function cards() { return $all('[data-rule]', rulesEl); }
  function checked(card, attr) {
    return $all('input[' + attr + ']:checked', card).map(function (box) { return box.value; });
  }

  // -- the document -------------------------------------------------------------------------
  function setLabel(item, text) {
    var label = item.label;
    var texts = typeof label === 'string' ? {} : Object.assign({}, label || {});
    if (typeof label === 'string' && label && label !== text) {
      texts[lang === 'zh' ? 'en' : 'zh'] = label;
    }
    if (text) { texts[lang] = text; } else { delete texts[lang]; }
    if (Object.keys(texts).length) { item.label = texts; } else { delete item.label; }
  }

  function threshold(row) {
    var raw = $('[data-threshold-number]', row).value.trim();
    var value = Number(raw);
    return raw !== '' && isFinite(value) ? value : raw;  // a wrong value is the server's to name
  }

  /* The rule a card shows, its properties always in one order (the saved text is compared
   with the page's to tell whether there is anything to save). */
  function readRule(card) {
    var kept = JSON.parse(card.dataset.item || '{}');
    var item = { key: card.dataset.key };
    if (kept.label) { item.label = kept.label; }
    setLabel(item, $('[data-rule-prop="label"]', card).value.trim());
    if (card.dataset.kind === 'fuzzy') {
      var fuzzy = {};
      $all('[data-threshold]', card).forEach(function (row) {
        if ($('[data-fuzzy-field]', row).checked) { fuzzy[row.dataset.threshold] = threshold(row); }
      });
      if (Object.keys(fuzzy).length) { item.fuzzy = fuzzy; }
      var block = checked(card, 'data-block-field');
      if (block.length) { item.block = block; }
    } else {
      var fields = checked(card, 'data-exact-field');
      if (fields.length) { item.fields = fields; }
    }
    if ($('[data-rule-prop="then"]', card).value === 'review') { item.then = 'review'; }
    else if (kept.then === 'merge') { item.then = 'merge'; }
    if (!$('[data-rule-prop="enabled"]', card).checked) { item.enabled = false; }
    Object.keys(kept).forEach(function (k) {  // what this page does not edit stays as it was
      if (!(k in item) && ['key', 'label', 'fields', 'fuzzy', 'block', 'then', 'enabled'].indexOf(k) === -1) {
        item[k] = kept[k];
      }
    });
    return item;
  }

  function readMerge() {
    var merge = JSON.parse(JSON.stringify((original.identity || {}).merge || {}));
    var chosen = $('[data-merge-default]').value;
    if (chosen === 'fill_blanks' && !merge.default) { delete merge.default; }
    else { merge.default = chosen; }
    var own = {};
    $all('[data-merge-field]').forEach(function (select) {
      if (select.value) { own[select.dataset.mergeField] = select.value; }
    });
    if (Object.keys(own).length) { merge.fields = own; } else { delete merge.fields; }
    return merge;
  }

  function collect() {
    var doc = JSON.parse(JSON.stringify(original));
    var identity = Object.assign({}, doc.identity || {});
    var rules = cards().map(readRule);
    var merge = readMerge();
    if (rules.length) { identity.match = rules; } else { delete identity.match; }
    if (Object.keys(merge).length) { identity.merge = merge; } else { delete identity.merge; }
    if (Object.keys(identity).length) { doc.identity = identity; } else { delete doc.identity; }
    return doc;
  }

  // -- what each card shows -----------------------------------------------------------------
  function uniqueKey(base, card) {
    var taken = cards().filter(function (c) { return c !== card; })
      .map(function (c) { return c.dataset.key; });
    var root = (/^[a-z]/.test(base) ? base : 'rule_' + base).slice(0, 56) || 'rule';
    var key = root, n = 1;
    while (taken.indexOf(key) !== -1) { n += 1; key = root + '_' + n; }
    return key;
  }

  function fieldsOf(card) {
    if (card.dataset.kind === 'fuzzy') {
      return $all('[data-threshold]', card).filter(function (row) {
        return $('[data-fuzzy-field]', row).checked;
      }).map(function (row) { return row.dataset.threshold; });
    }
    return checked(card, 'data-exact-field');
  }

  function describe(card) {
    var keys = fieldsOf(card);
    if (!keys.length) { return msg('Nofields'); }
    var fuzzy = card.dataset.kind === 'fuzzy';
    var names = keys.map(function (k) {
      var row = fuzzy && $('[data-threshold="' + k + '"]', card);
      return labels[k] + (row ? ' ≥ ' + threshold(row) : '');
    });
    var text = msg(fuzzy ? 'Alike' : 'Same', names.join(msg('And')));
    var then = $('[data-rule-prop="then"]', card).value === 'review' ? msg('Reviews') : msg('Merges');
    var on = $('[data-rule-prop="enabled"]', card).checked;
    return text + ' · ' + then + (on ? '' : ' · ' + msg('Off'));
  }

  function refresh() {
    cards().forEach(function (card, i) {
      var path = '/identity/match/' + i;
      card.dataset.path = path;
      $('[data-rule-no]', card).textContent = String(i + 1);
      $('[data-part="exact"]', card).dataset.path = path + '/fields';
      $('[data-part="fuzzy"]', card).dataset.path = path + '/fuzzy';
      $('[data-then-path]', card).dataset.path = path + '/then';
      $('[data-block-path]', card).dataset.path = path + '/block';
      $all('[data-threshold]', card).forEach(function (row) {
        row.dataset.path = path + '/fuzzy/' + row.dataset.threshold;
      });
      var fuzzy = card.dataset.kind === 'fuzzy';
      $('[data-part="exact"]', card).hidden = fuzzy;
      $('[data-part="fuzzy"]', card).hidden = !fuzzy;
      if (card.dataset.fresh) {
        var keys = fieldsOf(card);
        card.dataset.key = uniqueKey((fuzzy ? 'similar_' : '') + (keys.join('_') || 'rule'), card);
      }
      $('[data-rule-key]', card).textContent = card.dataset.key;
      $('[data-rule-summary]', card).textContent = describe(card);
      card.classList.toggle('id-off', !$('[data-rule-prop="enabled"]', card).checked);
      $('[data-action="up"]', card).disabled = i === 0;
      $('[data-action="down"]', card).disabled = i === cards().length - 1;
    });
    $('[data-empty]').hidden = cards().length > 0;
    var policy = $('[data-merge-default]').selectedOptions[0];
    $('[data-default-help]').textContent = policy ? policy.title : '';
  }

  // -- saving and publishing ----------------------------------------------------------------
  var problems = window.Trellis.pathErrors(root, {skipHidden: true});
  var request = window.Trellis.requestJSON;
  var autosave = window.Trellis.autosave(root, {
    api: root.dataset.api, publish: root.dataset.publish, etag: root.dataset.etag,
    saved: JSON.stringify(original), text: function () { return JSON.stringify(collect()); },
    words: window.Trellis.autosave.dataWords(root), problems: problems,
    publishButton: '#publish-identity', conflictSays: true,
    onSaved: function (doc) {
      original = doc;
      cards().forEach(function (card) { card.dataset.item = JSON.stringify(readRule(card)); });
    },
    onPublished: showScanPanel,
    onOverwrite: function (current) {
      original = Object.assign(current, { identity: original.identity });  // theirs, my rules
      if (!original.identity) { delete original.identity; }
    }
  });
  var showAlert = autosave.alert;

  function schedule(delay) {
    refresh();
    autosave.changed(delay);
  }

  /* Once rules are published, offer to find the duplicates among the stored records: the
     panel (its button, then its progress) comes from the records' side. */
  function showScanPanel() {
    var slot = document.getElementById('identity-scan-slot');
    if (slot && window.htmx) {
      window.htmx.ajax('GET', slot.dataset.scanPanel, { target: slot, swap: 'innerHTML' });
    }
  }

  /* Key the form's stored records under its published rules (after they changed). */
  function rebuild(button) {
    button.disabled = true;
    request('POST', root.dataset.rebuild, {}).then(function (answer) {
      if (answer.status === 200) {
        var clashes = answer.data.clashes || 0;
        showAlert(msg('Keyed') + (clashes ? ' ' + msg('Clashes', clashes) : ''), 'success');
      } else {
        showAlert(((answer.data.errors || [])[0] || {}).message || msg('Failed'), 'error');
      }
    }, function () { showAlert(msg('Failed'), 'error'); })
      .then(function () { button.disabled = false; });
  }

  // -- editing ------------------------------------------------------------------------------
  function addRule(kind) {
    var template = document.getElementById('identity-rule-template');
    var card = template.content.firstElementChild.cloneNode(true);
    card.dataset.kind = kind;
    $('[data-rule-prop="kind"]', card).value = kind;
    rulesEl.appendChild(card);
    schedule(300);
    var first = $('input[type=checkbox]:not([data-rule-prop])', $('[data-part="' + kind + '"]', card));
    (first || $('[data-rule-prop="label"]', card)).focus();
  }

  function move(card, step) {
    var all = cards(), i = all.indexOf(card), j = i + step;
    if (j < 0 || j >= all.length) { return; }
    if (step < 0) { rulesEl.insertBefore(card, all[j]); }
    else { rulesEl.insertBefore(all[j], card); }
    schedule(0);
    $('[data-action="' + (step < 0 ? 'up' : 'down') + '"]', card).focus();
  }

  function syncThreshold(target) {
    var row = target.closest('[data-threshold]');
    if (!row) { return; }
    var on = $('[data-fuzzy-field]', row).checked;
    $('[data-threshold-range]', row).disabled = !on;
    $('[data-threshold-number]', row).disabled = !on;
    if (target.matches('[data-threshold-range]')) {
      $('[data-threshold-number]', row).value = target.value;
    } else if (target.matches('[data-threshold-number]') && isFinite(Number(target.value)) && target.value !== '') {
      $('[data-threshold-range]', row).value = target.value;
    }
  }

  root.addEventListener('click', function (event) {
    var action = event.target.closest('[data-action]');
    var card = event.target.closest('[data-rule]');
    if (action && action.dataset.action === 'add-exact') { addRule('exact'); }
    else if (action && action.dataset.action === 'add-fuzzy') { addRule('fuzzy'); }
    else if (action && action.dataset.action === 'up') { move(card, -1); }
    else if (action && action.dataset.action === 'down') { move(card, 1); }
    else if (action && action.dataset.action === 'remove') { card.remove(); schedule(0); }
    else if (event.target.closest('#rebuild-keys')) { rebuild(event.target.closest('#rebuild-keys')); }
  });
  root.addEventListener('change', function (event) {
    var card = event.target.closest('[data-rule]');
    if (card && event.target.matches('[data-rule-prop="kind"]')) { card.dataset.kind = event.target.value; }
    syncThreshold(event.target);
    schedule(0);
  });
  root.addEventListener('input', function (event) {
    if (event.target.matches('select, input[type=checkbox]')) { return; }
    syncThreshold(event.target);
    schedule();
  });

  function initSortable() {
    if (!window.Sortable) { return; }
    window.Sortable.create(rulesEl, { handle: '.row-grip', animation: 150, onUpdate: function () { schedule(0); } });
  }

  window.TrellisIdentity = { collect: collect, saved: autosave.saved };
  refresh();
  // the draft as this page writes it (properties in the page's order): nothing to save yet
  if (sameJSON(collect().identity, original.identity)) {
    autosave.settle(JSON.stringify(collect()));
  }
  if (window.Sortable) { initSortable(); } else { window.addEventListener('load', initSortable); }
})();
