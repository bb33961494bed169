/* The to-do settings editor's priority formulas (one per form of the app, in the formula
   editor, a number) and follow-up settings (the form a logged follow-up becomes a record of,
   its link to the task's record and the field that takes the text). */
(function () {
  'use strict';

  var T = window.TrellisTodo;
  if (!T || !T.root) { return; }
  var el = T.el, t = T.t;

  function priority() {
    var box = document.getElementById('todo-priority');
    box.textContent = '';
    T.cfg.forms.forEach(function (form) {
      var path = '/todo/priority/' + form.key;
      var area = T.formula((T.todo().priority || {})[form.key], 'value', form.key,
        { 'data-priority': form.key, placeholder: t.noFormula, 'aria-label': t.priority + ' · ' + form.label },
        function (text) {
          var all = T.todo().priority = T.todo().priority || {};
          if (text) { all[form.key] = text; } else { delete all[form.key]; }
        });
      box.appendChild(el('div', { class: 'card td-form-row', 'data-path': path }, [
        el('span', { class: 'td-form-name', text: form.label }),
        el('div', {}, [area, T.errorBox()])]));
    });
  }

  function follow() {
    var box = document.getElementById('todo-follow');
    var kept = T.todo().follow_up || {};
    var form = T.form(kept.form);
    box.textContent = '';
    function set(name, value) {
      var next = Object.assign({}, T.todo().follow_up || {});
      if (value) { next[name] = value; } else { delete next[name]; }
      if (name === 'form') { delete next.link; delete next.note; }
      if (Object.keys(next).length) { T.todo().follow_up = next; } else { delete T.todo().follow_up; }
      T.changed(0);
      if (name === 'form') { follow(); }
    }
    var path = '/todo/follow_up/';
    box.appendChild(T.labelled(t.followForm, T.select(T.forms(), kept.form, { 'data-follow': 'form' },
      function (v) { set('form', v); }), path + 'form'));
    box.appendChild(T.labelled(t.followLink, T.select(form ? form.relations : [], kept.link, { 'data-follow': 'link' },
      function (v) { set('link', v); }), path + 'link'));
    box.appendChild(T.labelled(t.followNote, T.select(form ? form.notes : [], kept.note, { 'data-follow': 'note' },
      function (v) { set('note', v); }), path + 'note'));
  }

  T.parts.push({ render: function () { priority(); follow(); } });
})();
