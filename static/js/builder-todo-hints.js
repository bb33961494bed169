/* The to-do settings editor's hints: one card per rule (its form, a TRUE/FALSE condition in
   the formula editor, an optional count of related records, the text in Chinese and English
   with the placeholders it may name), added, deleted and reordered by dragging the grip or
   with the arrows; the first rule that holds gives a task its hint. */
(function () {
  'use strict';

  var T = window.TrellisTodo;
  if (!T || !T.root) { return; }
  var el = T.el, t = T.t;
  var list = document.getElementById('todo-hints');
  var sortable = null, lastText = null;

  function hints() { T.todo().hints = T.todo().hints || []; return T.todo().hints; }
  function setOpt(obj, name, value) {
    if (value === '' || value === null || value === undefined) { delete obj[name]; } else { obj[name] = value; }
  }
  function number(raw) {
    var text = String(raw).trim(), n = Number(text);
    return text === '' ? null : (isFinite(n) ? n : text);  // a wrong value is the server's to name
  }

  function relatedBlock(hint, path) {
    var rel = hint.related, form = T.form(rel.form);
    var links = form ? (form.links[hint.form] || []) : [];
    function num(name, attrs) {
      return el('input', Object.assign({ class: 'input', type: 'number', 'data-related': name,
        value: rel[name] === undefined ? '' : rel[name],
        oninput: function (e) { setOpt(rel, name, number(e.target.value)); T.changed(); } }, attrs));
    }
    var p = path + '/related/';
    return el('div', { class: 'td-related', 'data-path': path + '/related' }, [
      el('div', { class: 'rl-trigger-opts' }, [
        T.labelled(t.relatedForm, T.select(T.forms(), rel.form, { 'data-related': 'form' }, function (v) {
          setOpt(rel, 'form', v); delete rel.link; delete rel.when; T.changed(0); render(); }), p + 'form'),
        T.labelled(t.link, T.select(links, rel.link, { 'data-related': 'link' }, function (v) {
          setOpt(rel, 'link', v); T.changed(0); }), p + 'link'),
        T.labelled(t.days, num('days', { min: 1, max: 366 }), p + 'days', 'short'),
        T.labelled(t.per, T.select([['day', t.perDay], ['record', t.perRecord]], rel.per || 'record',
          { 'data-related': 'per' }, function (v) { setOpt(rel, 'per', v); T.changed(0); }), p + 'per'),
        T.labelled(t.min, num('min', { min: 1 }), p + 'min', 'short')]),
      rel.form ? T.labelled(t.relatedWhen, T.formula(rel.when, 'boolean', rel.form, { 'data-related': 'when' },
        function (text) { setOpt(rel, 'when', text); }), p + 'when', 'wide') : null,
      T.errorBox()]);
  }

  function placeholders(hint) {
    var form = T.form(hint.form);
    var names = (form ? form.placeholders : []).slice();
    if (hint.related) { names.push(['related', t.related]); }
    return el('div', { class: 'td-places', 'data-placeholders': true }, [el('span', { class: 'muted', text: t.placeholders })]
      .concat(names.map(function (n) {
        return el('button', { type: 'button', class: 'td-place', text: '{' + n[0] + '}', title: n[1],
          onmousedown: function (e) { e.preventDefault(); },
          onclick: function () { insert('{' + n[0] + '}'); } });
      })));
  }
  function insert(text) {
    var input = lastText;
    if (!input || !document.body.contains(input)) { return; }
    input.setRangeText(text, input.selectionStart, input.selectionEnd, 'end');
    input.dispatchEvent(new Event('input', { bubbles: true }));
    input.focus();
  }

  function textInput(hint, lang, label) {
    hint.text = hint.text || {};
    return T.labelled(label, el('input', { class: 'input', 'data-text': lang, maxlength: 500, value: hint.text[lang] || '',
      onfocus: function (e) { lastText = e.target; },
      oninput: function (e) { setOpt(hint.text, lang, e.target.value.trim()); T.changed(); } }), undefined, 'wide');
  }

  function card(hint, i, count) {
    var path = '/todo/hints/' + i;
    var head = el('header', { class: 'rl-rule-head' }, [
      el('span', { class: 'row-grip', title: t.drag, 'aria-hidden': 'true', text: '⋮⋮' }),
      el('span', { class: 'id-rule-no', text: String(i + 1) }),
      T.labelled(t.form, T.select(T.forms(), hint.form, { 'data-hint-form': true }, function (v) {
        setOpt(hint, 'form', v); delete hint.when; delete hint.related; T.changed(0); render(); }), path + '/form'),
      el('span', { class: 'rl-moves' }, [
        el('button', { type: 'button', class: 'icon-btn small', text: '↑', title: t.moveUp, 'aria-label': t.moveUp, disabled: i === 0, onclick: function () { move(i, i - 1); } }),
        el('button', { type: 'button', class: 'icon-btn small', text: '↓', title: t.moveDown, 'aria-label': t.moveDown, disabled: i === count - 1, onclick: function () { move(i, i + 1); } }),
        el('button', { type: 'button', class: 'icon-btn small danger', text: '×', title: t.remove, 'aria-label': t.remove, 'data-remove-hint': true,
          onclick: function () { hints().splice(i, 1); T.changed(0); render(); } })])]);
    var toggle = el('label', { class: 'switch' }, [el('input', { type: 'checkbox', 'data-count-related': true, checked: !!hint.related,
      onchange: function (e) {
        if (e.target.checked) { hint.related = { days: 3, per: 'day', min: 1 }; } else { delete hint.related; }
        T.changed(0); render();
      } }), el('span', { class: 'switch-track' }), el('span', { text: t.countRelated })]);
    return el('article', { class: 'card rl-rule', 'data-hint': i, 'data-path': path }, [head,
      el('div', { class: 'rl-rule-body' }, [
        hint.form ? T.labelled(t.when, T.formula(hint.when, 'boolean', hint.form, { 'data-hint-when': true },
          function (text) { setOpt(hint, 'when', text); }), path + '/when', 'wide') : null,
        hint.form ? toggle : null,
        hint.related ? relatedBlock(hint, path) : null,
        el('div', { 'data-path': path + '/text' }, [el('div', { class: 'td-texts' }, [
          textInput(hint, 'zh', t.textZh), textInput(hint, 'en', t.textEn)]), placeholders(hint), T.errorBox()])]),
      T.errorBox()]);
  }

  function move(from, to) {
    var all = hints();
    if (to < 0 || to >= all.length) { return; }
    all.splice(to, 0, all.splice(from, 1)[0]);
    T.changed(0);
    render();
  }

  function render() {
    list.textContent = '';
    hints().forEach(function (hint, i) { list.appendChild(card(hint, i, hints().length)); });
    T.$('[data-hints-empty]').hidden = hints().length > 0;
    if (window.Sortable && !sortable) {
      sortable = window.Sortable.create(list, { handle: '.row-grip', animation: 150, forceFallback: true,
        ghostClass: 'rl-ghost', fallbackClass: 'rl-dragging', onEnd: function (e) {
          if (e.oldIndex !== e.newIndex) { move(e.oldIndex, e.newIndex); }
        } });
    }
  }

  document.getElementById('add-hint').addEventListener('click', function () {
    var first = T.cfg.forms[0];
    hints().push({ form: first ? first.key : '', text: {} });
    T.changed(0);
    render();
  });
  T.renderHints = render;
  T.parts.push({ render: render });
})();
