/* The properties panel of the workflow designer (window.TrellisWF): for the selected node,
   its label and the options of its type, each control chosen by the server from the type's
   config schema (builder/workflows_vm.py: text, formula — with the formula editor —,
   choice, yes/no, number, duration, a field or form picked, recipients, field → formula
   maps); for a connection, the outcome it leaves on, its condition, its default flag and
   label; with nothing selected, the workflow's own settings. Every control carries the JSON
   Pointer its problems are shown at. */
(function () {
  'use strict';

  var W = window.TrellisWF;
  if (!W) { return; }
  var panel = document.getElementById('wf-props');
  var el = W.el, t = W.t;

  function errorBox() { return el('span', { class: 'field-error bx-error', 'aria-live': 'polite' }); }
  function labelled(text, control, path) {
    return el('label', { class: 'rl-opt wf-opt', 'data-path': path },
              [el('span', { class: 'field-label', text: text }), control, errorBox()]);
  }
  function changed() { W.changed(800, true); }
  function setOrDrop(obj, name, value) {
    if (value === '' || value === null || value === undefined) { delete obj[name]; } else { obj[name] = value; }
  }
  function select(options, value, blank, attrs) {
    var sel = el('select', Object.assign({ class: 'input' }, attrs || {}));
    if (blank) { sel.appendChild(el('option', { value: '', text: t.blank })); }
    options.forEach(function (o) {
      sel.appendChild(el('option', { value: o[0], text: o[1], selected: String(o[0]) === String(value) }));
    });
    if (value !== undefined && value !== '' && sel.value !== String(value)) {
      sel.appendChild(el('option', { value: value, text: value, selected: true }));
    }
    return sel;
  }
  function formula(value, expect, attrs) {
    return el('textarea', Object.assign({ class: 'input formula mono', rows: 1, spellcheck: 'false',
      'data-formula-editor': true, 'data-app': W.app, 'data-form': W.form,
      'data-expect': expect || 'value', value: value || '' }, attrs || {}));
  }

  // -- one control per option kind ---------------------------------------------------------
  var controls = {
    string: function (cfg, o) {
      return el('input', { class: 'input', value: cfg[o.name] || '', 'data-option': o.name,
        oninput: function (e) { setOrDrop(cfg, o.name, e.target.value.trim()); changed(); } });
    },
    text: function (cfg, o) {
      return el('textarea', { class: 'input', rows: 2, value: cfg[o.name] || '', 'data-option': o.name,
        oninput: function (e) { setOrDrop(cfg, o.name, e.target.value); changed(); } });
    },
    label: function (cfg, o) {
      return el('input', { class: 'input', value: W.label(cfg[o.name]), 'data-option': o.name,
        oninput: function (e) { W.setLabel(cfg, e.target.value.trim(), o.name); changed(); } });
    },
    formula: function (cfg, o) {
      var area = formula(cfg[o.name], o.name === 'when' || o.name === 'until' ? 'boolean' : 'value',
                         { 'data-option': o.name });
      area.addEventListener('input', function () { setOrDrop(cfg, o.name, area.value.trim()); changed(); });
      return area;
    },
    select: function (cfg, o) {
      return select(o.options.map(function (v) { return [v, W.value(v)]; }), cfg[o.name], true,
        { 'data-option': o.name, onchange: function (e) { setOrDrop(cfg, o.name, e.target.value); W.changed(200, true); } });
    },
    pick: function (cfg, o) {
      return select(W.cfg[o.from] || [], cfg[o.name], true,
        { 'data-option': o.name, onchange: function (e) { setOrDrop(cfg, o.name, e.target.value); W.changed(200, true); } });
    },
    boolean: function (cfg, o) {
      return el('input', { type: 'checkbox', checked: !!cfg[o.name], 'data-option': o.name,
        onchange: function (e) { setOrDrop(cfg, o.name, e.target.checked || null); W.changed(200, true); } });
    },
    number: function (cfg, o) {
      return el('input', { class: 'input', type: 'number', value: cfg[o.name], 'data-option': o.name,
        oninput: function (e) { setOrDrop(cfg, o.name, e.target.value === '' ? null : Number(e.target.value)); changed(); } });
    },
    duration: function (cfg, o) {
      var value = cfg[o.name] || {}, box = el('span', { class: 'wf-duration', 'data-option': o.name });
      function write() {
        var next = {};
        box.querySelectorAll('input[data-unit]').forEach(function (i) {
          if (i.value !== '') { next[i.dataset.unit] = Number(i.value); }
        });
        if (box.querySelector('[data-working]').checked) { next.working = true; }
        setOrDrop(cfg, o.name, Object.keys(next).length ? next : null);
        changed();
      }
      ['days', 'hours', 'minutes'].forEach(function (unit) {
        box.appendChild(el('input', { class: 'input wf-num', type: 'number', min: 0, 'data-unit': unit,
          value: value[unit], 'aria-label': t[unit], oninput: write }));
        box.appendChild(el('span', { class: 'muted', text: t[unit] }));
      });
      box.appendChild(el('label', {}, [el('input', { type: 'checkbox', 'data-working': true,
        checked: !!value.working, onchange: write }), ' ' + t.working]));
      return box;
    },
    fields: function (cfg, o) {
      var chosen = cfg[o.name] || [], box = el('span', { class: 'wf-checks', 'data-option': o.name });
      W.cfg.fields.forEach(function (f) {
        box.appendChild(el('label', {}, [el('input', { type: 'checkbox', value: f[0], checked: chosen.indexOf(f[0]) !== -1,
          onchange: function () {
            var keys = Array.prototype.map.call(box.querySelectorAll('input:checked'), function (i) { return i.value; });
            setOrDrop(cfg, o.name, keys.length ? keys : null);
            W.changed(200, true);
          } }), ' ' + f[1]]));
      });
      return box;
    },
    recipients: function (cfg, o, path) { return W.propsRecipients(cfg, o, path); },
    formulas: function (cfg, o, path) { return W.propsFormulas(cfg, o, path); }
  };
  W.propsControls = controls;
  W.propsHelpers = { el: el, select: select, formula: formula, errorBox: errorBox, labelled: labelled, setOrDrop: setOrDrop };

  function nodePanel(node) {
    var i = W.nodeIndex(node.key), kind = W.type(node.type), at = '/nodes/' + i;
    node.config = node.config || {};
    var cfg = node.config;
    panel.appendChild(el('h2', { class: 'wf-pane-title' }, [el('span', { class: 'wf-icon', text: kind.icon }), ' ' + kind.label]));
    panel.appendChild(el('p', { class: 'muted small', text: kind.description }));
    panel.appendChild(labelled(t.key, el('input', { class: 'input', value: node.key, disabled: true }), at + '/key'));
    panel.appendChild(labelled(t.label, el('input', { class: 'input', value: W.label(node.label), 'data-node-label': true,
      oninput: function (e) { W.setLabel(node, e.target.value.trim()); W.changed(800, true); } }), at + '/label'));
    kind.options.forEach(function (o) {
      var make = controls[o.kind] || controls.string;
      panel.appendChild(labelled(o.label + (o.required ? ' *' : ''), make(cfg, o, at + '/config/' + o.name),
                                 at + '/config/' + o.name));
    });
    panel.appendChild(el('div', { 'data-path': at + '/config' }, [errorBox()]));
    panel.appendChild(el('button', { type: 'button', class: 'btn danger small', text: t.remove, 'data-remove': true,
      onclick: function () { W.remove(); } }));
  }

  function edgePanel(index) {
    var edge = W.doc.edges[index], at = '/edges/' + index;
    if (!edge) { return; }
    var from = W.node(edge.from), to = W.node(edge.to), kind = W.type(from ? from.type : '');
    panel.appendChild(el('h2', { class: 'wf-pane-title', text: t.edge }));
    panel.appendChild(el('p', { class: 'muted', text: (from ? W.label(from.label) || from.key : edge.from) + ' → ' +
                                                   (to ? W.label(to.label) || to.key : edge.to) }));
    if (kind.outcomes.length > 1) {
      panel.appendChild(labelled(t.outcome, select(kind.outcomes.map(function (v) { return [v, W.value(v)]; }),
        edge.on || kind.outcomes[0], false, { 'data-edge-on': true,
          onchange: function (e) { edge.on = e.target.value; W.changed(200, true); } }), at + '/on'));
    }
    var when = formula(edge.when, 'boolean', { 'data-edge-when': true });
    when.addEventListener('input', function () { setOrDrop(edge, 'when', when.value.trim()); changed(); });
    panel.appendChild(labelled(W.t.options.when, when, at + '/when'));
    panel.appendChild(labelled(t.isDefault, el('input', { type: 'checkbox', checked: !!edge.default, 'data-edge-default': true,
      onchange: function (e) { setOrDrop(edge, 'default', e.target.checked || null); W.changed(200, true); } }), at + '/default'));
    panel.appendChild(labelled(t.label, el('input', { class: 'input', value: W.label(edge.label),
      oninput: function (e) { W.setLabel(edge, e.target.value.trim()); changed(); } }), at + '/label'));
    panel.appendChild(el('button', { type: 'button', class: 'btn danger small', text: t.remove, 'data-remove': true,
      onclick: function () { W.remove(); } }));
  }

  function settingsPanel() {
    var doc = W.doc;
    panel.appendChild(el('h2', { class: 'wf-pane-title', text: t.workflowSettings }));
    panel.appendChild(el('p', { class: 'muted small', text: t.noSelection }));
    panel.appendChild(labelled(t.label, el('input', { class: 'input', value: W.label(doc.label), 'data-workflow-label': true,
      oninput: function (e) { W.setLabel(doc, e.target.value.trim()); changed(); } }), '/label'));
    panel.appendChild(labelled(t.enabled, el('input', { type: 'checkbox', checked: doc.enabled !== false,
      onchange: function (e) { if (e.target.checked) { delete doc.enabled; } else { doc.enabled = false; } W.changed(200, true); } }), '/enabled'));
    panel.appendChild(labelled(t.multiple, el('input', { type: 'checkbox', checked: !!doc.multiple,
      onchange: function (e) { setOrDrop(doc, 'multiple', e.target.checked || null); W.changed(200, true); } }), '/multiple'));
    panel.appendChild(labelled(t.onMerge, el('input', { type: 'checkbox', checked: doc.on_merge !== 'cancel', 'data-on-merge': true,
      onchange: function (e) { setOrDrop(doc, 'on_merge', e.target.checked ? null : 'cancel'); W.changed(200, true); } }), '/on_merge'));
    panel.appendChild(W.propsExit(doc));
  }

  W.props = {
    render: function () {
      panel.innerHTML = '';
      var sel = W.selected;
      if (sel && sel.kind === 'node' && W.node(sel.key)) { nodePanel(W.node(sel.key)); }
      else if (sel && sel.kind === 'edge' && W.doc.edges[sel.index]) { edgePanel(sel.index); }
      else { settingsPanel(); }
    }
  };
})();
