/* The rules of the rule editor: one card per rule, readable at a glance (when, if, then in
   one line), with its name, on/off switch, trigger and its options, the condition builder
   (builder-rules-condition.js), the actions (builder-rules-actions.js) and "stop after
   this rule"; added, deleted and reordered by dragging the grip or with the arrows. */
(function () {
  'use strict';

  var R = window.TrellisRules;
  if (!R || !R.root) { return; }
  var el = R.el, t = R.t;
  var list = document.getElementById('rules-list');
  var sortable = null;

  function rules() { R.doc.rules = R.doc.rules || []; return R.doc.rules; }

  // -- words --------------------------------------------------------------------------------
  function triggerWords(trigger) {
    var on = trigger.on, text = t.triggers[on] || on || '';
    if (on === 'field_changed' && (trigger.fields || []).length) {
      text += ': ' + trigger.fields.map(function (k) { return R.fieldName(k); }).join(t.sep);
    } else if (on === 'related_created' && trigger.form) {
      var form = R.cfg.forms.filter(function (f) { return f.key === trigger.form; })[0];
      text += ': ' + (form ? form.label : trigger.form);
    } else if (on === 'schedule') {
      text += ': ' + (trigger.cron || [t[trigger.every] || trigger.every, trigger.at].filter(Boolean).join(' '));
    } else if (on === 'threshold' && trigger.threshold) {
      text += ': ' + trigger.threshold + ' (' + t[trigger.direction || 'up'] + ')';
    }
    return text;
  }
  R.triggerWords = triggerWords;

  function summary(rule) {
    var cond = R.conditionWords(rule);
    var acts = (rule.actions || []).map(R.actionWords).join('; ');
    return [el('span', {}, [el('b', { text: t.when + ' ' }), triggerWords(rule.trigger || {})]),
            el('span', {}, [el('b', { text: t['if'] + ' ' }), cond || t.always]),
            el('span', {}, [el('b', { text: t.then + ' ' }), acts || t.nothing])];
  }
  function refreshSummary(card, rule) {
    var box = R.$('[data-rule-summary]', card);
    box.textContent = '';
    summary(rule).forEach(function (s) { box.appendChild(s); });
  }

  // -- the trigger --------------------------------------------------------------------------
  function setOpt(trigger, name, value) {
    if (value === '' || value === null || value === undefined || (Array.isArray(value) && !value.length)) { delete trigger[name]; }
    else { trigger[name] = value; }
  }

  function triggerOptions(rule, path, redraw) {
    var tr = rule.trigger, box = el('div', { class: 'rl-trigger-opts' });
    var p = path + '/trigger';
    function input(name, attrs, parse) {
      return el('input', Object.assign({ class: 'input', value: tr[name] === undefined ? '' : tr[name],
        oninput: function (e) { setOpt(tr, name, parse ? parse(e.target.value) : e.target.value.trim()); R.changed(); } }, attrs));
    }
    function select(name, options, blank) {
      var s = R.select(options, tr[name], {}, blank);
      s.addEventListener('change', function () { setOpt(tr, name, s.value); R.changed(0); redraw(); });
      return s;
    }
    if (tr.on === 'field_changed') {
      var chosen = tr.fields || [];
      box.appendChild(R.labelled(t.fieldsChanging, el('span', { class: 'rl-chips' }, R.cfg.fields.map(function (f) {
        return el('label', { class: 'id-chip' }, [el('input', { type: 'checkbox', value: f.key, checked: chosen.indexOf(f.key) !== -1,
          onchange: function (e) {
            var now = (tr.fields || []).filter(function (k) { return k !== f.key; });
            if (e.target.checked) { now.push(f.key); }
            setOpt(tr, 'fields', now); R.changed(0); refreshSummary(box.closest('[data-rule]'), rule);
          } }), el('span', { text: f.label })]);
      })), p + '/fields', 'wide'));
    } else if (tr.on === 'related_created') {
      var form = R.cfg.forms.filter(function (f) { return f.key === tr.form; })[0];
      box.appendChild(R.labelled(t.relatedForm, select('form', R.cfg.forms.map(function (f) { return [f.key, f.label]; }), t.none), p + '/form'));
      box.appendChild(R.labelled(t.link, select('link', (form ? form.links : []).map(function (k) { return [k, R.fieldName(k, tr.form)]; }), t.none), p + '/link'));
    } else if (tr.on === 'schedule') {
      box.appendChild(R.labelled(t.every, select('every', ['hourly', 'daily', 'weekly'].map(function (e) { return [e, t[e]]; }), t.none), p + '/every'));
      box.appendChild(R.labelled(t.at, input('at', { type: 'time' }), p + '/at'));
      box.appendChild(R.labelled(t.weekday, input('weekday', { type: 'number', min: 1, max: 7 }, R.number), p + '/weekday'));
      box.appendChild(R.labelled(t.cron, input('cron', { placeholder: '0 8 * * 1-5' }), p + '/cron'));
    } else if (tr.on === 'threshold') {
      var models = R.doc.scoring || [];
      var model = models.filter(function (m) { return m.key === tr.model; })[0];
      box.appendChild(R.labelled(t.model, select('model', models.map(function (m) { return [m.key, R.label(m.label) || m.key]; }), t.none), p + '/model'));
      box.appendChild(R.labelled(t.threshold, select('threshold', ((model || {}).thresholds || []).map(function (th) {
        return [th.key, R.label(th.label) || th.key]; }), t.none), p + '/threshold'));
      box.appendChild(R.labelled(t.direction, select('direction', ['up', 'down', 'both'].map(function (d) { return [d, t[d]]; })), p + '/direction'));
    }
    return box;
  }

  // -- a card -------------------------------------------------------------------------------
  function card(rule, i, count) {
    var path = '/rules/' + i;
    rule.trigger = rule.trigger || { on: 'created' };
    var node = el('article', { class: 'card rl-rule' + (rule.enabled === false ? ' rl-off' : ''), 'data-rule': rule.key, 'data-path': path });
    var on = el('input', { type: 'checkbox', 'data-rule-enabled': true, checked: rule.enabled !== false, onchange: function () {
      if (on.checked) { delete rule.enabled; } else { rule.enabled = false; }
      node.classList.toggle('rl-off', !on.checked); R.changed(0);
    } });
    var name = el('input', { class: 'input rl-rule-name', 'data-rule-name': true, value: R.label(rule.label), maxlength: 200,
      placeholder: t.ruleName, 'aria-label': t.ruleName, oninput: function () { R.setLabel(rule, name.value.trim()); R.changed(); } });
    var head = el('header', { class: 'rl-rule-head' }, [
      el('span', { class: 'row-grip', title: t.drag, 'aria-hidden': 'true', text: '⋮⋮' }),
      el('span', { class: 'id-rule-no', text: String(i + 1) }), name,
      el('code', { class: 'muted', text: rule.key }),
      el('label', { class: 'switch', title: t.on }, [on, el('span', { class: 'switch-track' }), el('span', { text: t.on })]),
      el('span', { class: 'rl-moves' }, [
        el('button', { type: 'button', class: 'icon-btn small', text: '↑', title: t.moveUp, 'aria-label': t.moveUp, disabled: i === 0, onclick: function () { move(i, i - 1); } }),
        el('button', { type: 'button', class: 'icon-btn small', text: '↓', title: t.moveDown, 'aria-label': t.moveDown, disabled: i === count - 1, onclick: function () { move(i, i + 1); } }),
        el('button', { type: 'button', class: 'icon-btn small danger', text: '×', title: t.remove, 'aria-label': t.remove, 'data-remove-rule': true,
          onclick: function () { rules().splice(i, 1); R.changed(0); render(); } })])]);
    node.appendChild(head);
    node.appendChild(el('p', { class: 'rl-summary', 'data-rule-summary': true }));
    var body = el('div', { class: 'rl-rule-body' });
    function redrawTrigger() {
      var old = R.$('.rl-trigger-opts', body);
      old.replaceWith(triggerOptions(rule, path, redrawTrigger));
      refreshSummary(node, rule);
    }
    var on2 = R.select(Object.keys(t.triggers).map(function (k) { return [k, t.triggers[k]]; }), rule.trigger.on, { 'data-trigger': true });
    on2.addEventListener('change', function () { rule.trigger = { on: on2.value }; R.changed(0); redrawTrigger(); });
    body.appendChild(el('div', { class: 'rl-trigger', 'data-path': path + '/trigger' }, [
      el('span', { class: 'field-label', text: t.when }), on2, triggerOptions(rule, path, redrawTrigger), R.errorBox()]));
    body.appendChild(R.conditionEditor(rule, path));
    body.appendChild(R.actionsEditor(rule, path));
    body.appendChild(el('label', { class: 'switch rl-stop', 'data-path': path + '/stop' }, [
      el('input', { type: 'checkbox', 'data-rule-stop': true, checked: !!rule.stop, onchange: function (e) {
        if (e.target.checked) { rule.stop = true; } else { delete rule.stop; } R.changed(0);
      } }), el('span', { class: 'switch-track' }), el('span', { text: t.stop }), R.errorBox()]));
    node.appendChild(body);
    node.appendChild(R.errorBox());
    refreshSummary(node, rule);
    return node;
  }

  function move(from, to) {
    var all = rules();
    if (to < 0 || to >= all.length) { return; }
    all.splice(to, 0, all.splice(from, 1)[0]);
    R.changed(0);
    render();
  }

  function render() {
    list.textContent = '';
    rules().forEach(function (rule, i) { list.appendChild(card(rule, i, rules().length)); });
    R.$('[data-rules-empty]').hidden = rules().length > 0;
    if (window.Sortable && !sortable) {
      sortable = window.Sortable.create(list, { handle: '.row-grip', animation: 150, forceFallback: true,
        ghostClass: 'rl-ghost', fallbackClass: 'rl-dragging', onEnd: function (e) {
        if (e.oldIndex !== e.newIndex) { move(e.oldIndex, e.newIndex); }
      } });
    }
  }

  function addRule() {
    var key = R.uniqueKey('rule_' + (rules().length + 1), R.keys(rules()));
    rules().push({ key: key, trigger: { on: 'created' }, actions: [] });
    R.changed(0);
    render();
    var cards = R.$all('[data-rule]', list);
    cards[cards.length - 1].querySelector('[data-rule-name]').focus();
  }

  document.getElementById('add-rule').addEventListener('click', addRule);
  R.root.addEventListener('rules:condition', function (e) {
    var i = rules().indexOf(e.detail);
    var node = R.$all('[data-rule]', list)[i];
    if (node) { refreshSummary(node, e.detail); }
  });
  R.root.addEventListener('rules:actions', function (e) {
    var i = rules().indexOf(e.detail);
    var node = R.$all('[data-rule]', list)[i];
    if (node) { refreshSummary(node, e.detail); }
  });
  R.renderRules = render;
  R.parts.push({ render: render });
})();
