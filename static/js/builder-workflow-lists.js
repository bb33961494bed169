/* The list controls of the workflow designer's properties panel (window.TrellisWF):
   recipients (a user, a role, a team, the user in a field, the owner's manager, a formula),
   field → formula maps (a node's values, a webhook's body) and the workflow's exit
   conditions. Each row carries the JSON Pointer its problems are shown at. */
(function () {
  'use strict';

  var W = window.TrellisWF;
  if (!W) { return; }
  var t = W.t;

  function h() { return W.propsHelpers; }
  function rerender() { W.changed(200); }

  function recipientValue(who, kind, path) {
    var el = h().el;
    if (kind === 'manager') { return el('span', { class: 'muted', text: '✓' }); }
    if (kind === 'field') {
      return h().select(W.cfg.user_fields, who.field, true, { 'data-recipient-value': true,
        onchange: function (e) { who.field = e.target.value; W.changed(200, true); } });
    }
    if (kind === 'formula') {
      var area = h().formula(who.formula, 'value', { 'data-recipient-value': true });
      area.addEventListener('input', function () { who.formula = area.value.trim(); W.changed(800, true); });
      return area;
    }
    if (kind === 'user') {
      var picker = window.TrellisUserPicker({ url: W.urls.users, value: who.user, label: t.recipients.user,
        name: (W.cfg.people || {})[who.user], placeholder: t.searchUser,
        onpick: function (v) { who.user = v; W.changed(800, true); } });
      picker.firstChild.setAttribute('data-recipient-value', '');
      return picker;
    }
    if ((kind === 'team' || kind === 'role') && (W.cfg[kind + 's'] || []).length) {
      return h().select(W.cfg[kind + 's'], who[kind], true, { 'data-recipient-value': true,
        onchange: function (e) { who[kind] = e.target.value; W.changed(200, true); } });
    }
    return el('input', { class: 'input', value: who[kind] === undefined ? '' : who[kind], 'data-recipient-value': true,
      oninput: function (e) { who[kind] = e.target.value.trim(); W.changed(800, true); } });
  }

  W.propsRecipients = function (cfg, o, path) {
    var el = h().el, list = cfg[o.name] || [], box = el('div', { class: 'wf-rows', 'data-option': o.name });
    list.forEach(function (who, i) {
      var kind = Object.keys(who)[0] || 'field';
      var kindSel = h().select(o.options.map(function (k) { return [k, t.recipients[k] || k]; }), kind, false,
        { 'data-recipient-kind': true, onchange: function (e) {
          var next = {};
          next[e.target.value] = e.target.value === 'manager' ? true : '';
          list[i] = next;
          rerender();
        } });
      box.appendChild(el('div', { class: 'wf-row', 'data-path': path + '/' + i }, [kindSel, recipientValue(who, kind, path + '/' + i),
        el('button', { type: 'button', class: 'btn small ghost', text: '×', 'aria-label': t.remove,
          onclick: function () { list.splice(i, 1); if (!list.length) { delete cfg[o.name]; } rerender(); } }),
        h().errorBox()]));
    });
    box.appendChild(el('button', { type: 'button', class: 'btn small', text: '＋ ' + t.add, 'data-add-recipient': true,
      onclick: function () { cfg[o.name] = list; list.push({ field: 'owner' }); rerender(); } }));
    return box;
  };

  W.propsFormulas = function (cfg, o, path) {
    var el = h().el, map = cfg[o.name] || {}, box = el('div', { class: 'wf-rows', 'data-option': o.name });
    var fields = o.name === 'values' ? W.cfg.fields : null;
    Object.keys(map).forEach(function (key) {
      var keyInput = fields ? h().select(fields, key, false, { 'data-map-key': true }) :
        el('input', { class: 'input', value: key, 'data-map-key': true });
      keyInput.addEventListener('change', function () {
        var next = {};
        Object.keys(map).forEach(function (k) { next[k === key ? keyInput.value : k] = map[k]; });
        cfg[o.name] = next;
        rerender();
      });
      var area = h().formula(map[key], 'value', { 'data-map-formula': true });
      area.addEventListener('input', function () { map[key] = area.value.trim(); W.changed(800, true); });
      box.appendChild(el('div', { class: 'wf-row', 'data-path': path + '/' + key }, [keyInput, area,
        el('button', { type: 'button', class: 'btn small ghost', text: '×', 'aria-label': t.remove,
          onclick: function () { delete map[key]; if (!Object.keys(map).length) { delete cfg[o.name]; } rerender(); } }),
        h().errorBox()]));
    });
    box.appendChild(el('button', { type: 'button', class: 'btn small', text: '＋ ' + t.add, 'data-add-value': true,
      onclick: function () {
        var free = (fields || [['key']]).map(function (f) { return f[0]; })
          .filter(function (k) { return !(k in map); })[0] || 'key_' + (Object.keys(map).length + 1);
        map[free] = '';
        cfg[o.name] = map;
        rerender();
      } }));
    return box;
  };

  W.propsExit = function (doc) {
    var el = h().el, list = doc.exit || [];
    var box = el('div', { class: 'wf-rows', 'data-path': '/exit' }, [el('span', { class: 'field-label', text: t.exit })]);
    list.forEach(function (rule, i) {
      var area = h().formula(rule.when, 'boolean', { 'data-exit-when': true });
      area.addEventListener('input', function () { rule.when = area.value.trim(); W.changed(800, true); });
      box.appendChild(el('div', { class: 'wf-row', 'data-path': '/exit/' + i }, [area,
        el('button', { type: 'button', class: 'btn small ghost', text: '×', 'aria-label': t.remove,
          onclick: function () { list.splice(i, 1); if (!list.length) { delete doc.exit; } rerender(); } }),
        h().errorBox()]));
    });
    box.appendChild(el('button', { type: 'button', class: 'btn small', text: '＋ ' + t.add, 'data-add-exit': true,
      onclick: function () { doc.exit = list; list.push({ when: 'FALSE' }); rerender(); } }));
    box.appendChild(h().errorBox());
    return box;
  };
})();
