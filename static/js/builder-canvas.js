/* Form designer, canvas: tabs, sections and field cards drawn from the draft document. Every
 * tab's sections are drawn (the others hidden), so a drag can switch tabs (builder-drag.js). */
(function () {
  'use strict';

  var B = window.TrellisBuilder = window.TrellisBuilder || {};
  var types = {};

  function clone(id) {
    return document.getElementById(id).content.firstElementChild.cloneNode(true);
  }

  function t(name, n) { return (B.t[name] || name).replace('{n}', n); }

  // -- fields -------------------------------------------------------------------------------
  B.newField = function (type) {
    var item = document.querySelector('#palette [data-type="' + type + '"]');
    var fld = JSON.parse(item.dataset.template);
    fld.key = B.uniqueKey(fld.key);
    B.fresh.add(fld.key);
    return fld;
  };

  B.addField = function (type) {
    var fld = B.newField(type);
    B.doc.fields.push(fld);
    var sections = B.doc.layout.tabs[B.activeTab].sections;
    sections[sections.length - 1].fields.push(fld.key);
    B.selected = fld.key;
    B.change();
    B.loadPanel();
  };

  function duplicate(key) {
    var fld = JSON.parse(JSON.stringify(B.field(key)));
    fld.key = B.uniqueKey(key);
    var place = B.placeOf(key);
    B.doc.fields.push(fld);
    place.list.splice(place.index + 1, 0, fld.key);
    B.selected = fld.key;
    B.change();
    B.loadPanel();
  }

  function remove(key) {
    B.doc.fields = B.doc.fields.filter(function (f) { return f.key !== key; });
    var place = B.placeOf(key);
    if (place) { place.list.splice(place.index, 1); }
    if (B.selected === key) { B.selected = null; B.showFormSettings(); }
    B.change();
  }

  // -- tabs and sections ---------------------------------------------------------------------
  function tabs() { return B.tabs(); }

  function addTab() {
    tabs().push({label: labelFor(t('newTab', tabs().length + 1)),
                 sections: [{columns: 1, fields: []}]});
    B.activeTab = tabs().length - 1;
    B.change();
  }

  /* The layout section a drawn .canvas-section stands for. */
  function sectionOf(el) {
    return tabs()[Number(el.dataset.tab)].sections[Number(el.dataset.section)];
  }

  function labelFor(text) { var label = {}; label[B.lang] = text; return label; }

  function deleteTab(index) {
    var gone = tabs()[index];
    if (tabs().length < 2) { return; }
    var keep = tabs()[index === 0 ? 1 : index - 1];
    var into = keep.sections[keep.sections.length - 1];
    gone.sections.forEach(function (s) { into.fields = into.fields.concat(s.fields); });
    tabs().splice(index, 1);
    B.activeTab = Math.max(0, Math.min(B.activeTab, tabs().length - 1));
    B.change();
  }

  function addSection() {
    var sections = tabs()[B.activeTab].sections;
    sections.push({label: labelFor(t('newSection', sections.length + 1)), columns: 1,
                   fields: []});
    B.change();
  }

  function deleteSection(index) {
    var sections = tabs()[B.activeTab].sections;
    if (sections.length < 2) { return; }
    var into = sections[index === 0 ? 1 : index - 1];
    if (index === 0) { into.fields = sections[0].fields.concat(into.fields); }
    else { into.fields = into.fields.concat(sections[index].fields); }
    sections.splice(index, 1);
    B.change();
  }

  // -- drawing ------------------------------------------------------------------------------
  function drawCard(fld, span) {
    var card = clone('tpl-card');
    if (span > 1) { card.classList.add('span-' + span); }
    var type = types[fld.type] || {label: fld.type, icon: '•'};
    card.dataset.key = fld.key;
    card.querySelector('.card-label').textContent = B.labelText(fld.label, B.lang) || fld.key;
    card.querySelector('.req').hidden = !fld.required;
    card.querySelector('.card-mock .type-icon').textContent = type.icon;
    card.querySelector('.card-type').textContent = type.label;
    card.querySelector('.card-key').textContent = fld.key;
    var flags = card.querySelector('.card-flags');
    [['visible_if', 'flagVisible'], ['required_if', 'flagRequired'],
     ['readonly_if', 'flagReadonly'], ['validate', 'flagValidate']].forEach(function (pair) {
      var value = fld[pair[0]];
      if (value && (!Array.isArray(value) || value.length)) {
        var flag = document.createElement('span');
        flag.className = 'flag';
        flag.textContent = B.t[pair[1]];
        flags.appendChild(flag);
      }
    });
    if (fld['default'] !== undefined) {
      var flag = document.createElement('span');
      flag.className = 'flag';
      flag.textContent = B.t.flagDefault;
      flags.appendChild(flag);
    }
    if (fld.key === B.selected) { card.classList.add('selected'); }
    return card;
  }

  function drawTabs(bar) {
    tabs().forEach(function (tab, i) {
      var el = clone('tpl-tab');
      el.dataset.tab = i;
      el.querySelector('.tab-label').textContent = B.labelText(tab.label, B.lang) ||
        t('newTab', i + 1);
      bar.appendChild(el);
    });
    bar.appendChild(clone('tpl-tabs-end'));
  }

  function drawSection(section, tab, index, count) {
    var el = clone('tpl-section');
    el.dataset.tab = tab;
    el.dataset.section = index;
    var cols = section.columns || 1;
    el.querySelector('[data-section-title]').value = B.labelText(section.label, B.lang);
    el.querySelectorAll('[data-cols]').forEach(function (b) {
      var on = Number(b.dataset.cols) === cols;
      b.classList.toggle('on', on);
      b.setAttribute('aria-pressed', on ? 'true' : 'false');
    });
    el.querySelector('[data-action="delete-section"]').hidden = count < 2;
    var grid = el.querySelector('[data-grid]');
    grid.classList.add('cols-' + cols);
    section.fields.forEach(function (key) {
      var fld = B.field(key);
      var span = Math.min((section.spans && section.spans[key]) || 1, cols);
      if (fld) { grid.appendChild(drawCard(fld, span)); }
    });
    el.classList.toggle('is-empty', !section.fields.length);
    return el;
  }

  /* One tab's sections, each a drop target; hidden unless the tab is the active one. */
  function drawPanel(tab, index) {
    var panel = document.createElement('div');
    panel.className = 'canvas-panel';
    panel.dataset.tabPanel = index;
    panel.setAttribute('role', 'tabpanel');
    var list = document.createElement('div');
    list.className = 'canvas-sections';
    list.dataset.tab = index;
    tab.sections.forEach(function (s, i) {
      list.appendChild(drawSection(s, index, i, tab.sections.length));
    });
    if (!B.doc.fields.length) { list.insertBefore(clone('tpl-empty-form'), list.firstChild); }
    panel.appendChild(list);
    panel.appendChild(clone('tpl-add-section'));
    return panel;
  }

  /* Show tab ``index`` without redrawing (a drag may be under way). */
  B.showTab = function (index) {
    B.activeTab = index;
    var canvas = document.getElementById('canvas');
    canvas.querySelectorAll('.canvas-tab').forEach(function (el) {
      var on = Number(el.dataset.tab) === index;
      el.classList.toggle('active', on);
      el.setAttribute('aria-selected', on ? 'true' : 'false');
      el.querySelector('.tab-x').hidden = tabs().length < 2 || !on;
    });
    canvas.querySelectorAll('[data-tab-panel]').forEach(function (el) {
      el.hidden = Number(el.dataset.tabPanel) !== index;
    });
  };

  B.render = function () {
    var canvas = document.getElementById('canvas');
    if (B.unbindDrag) { B.unbindDrag(); }
    canvas.textContent = '';
    if (B.activeTab >= tabs().length) { B.activeTab = 0; }
    var bar = document.createElement('div');
    bar.className = 'canvas-tabs';
    bar.setAttribute('role', 'tablist');
    drawTabs(bar);
    canvas.appendChild(bar);
    var sheet = document.createElement('div');
    sheet.className = 'canvas-sheet';
    var title = document.createElement('h1');
    title.className = 'canvas-form-title';
    title.textContent = B.labelText(B.doc.label, B.lang) || B.doc.key;
    sheet.appendChild(title);
    tabs().forEach(function (tab, i) { sheet.appendChild(drawPanel(tab, i)); });
    canvas.appendChild(sheet);
    B.showTab(B.activeTab);
    if (B.bindDrag) { B.bindDrag(canvas); }
    var heading = document.querySelector('[data-form-title]');
    if (heading) { heading.textContent = title.textContent; }
  };

  // -- clicks and edits on the canvas -------------------------------------------------------
  function renameTab(el) {
    var index = Number(el.dataset.tab);
    var span = el.querySelector('.tab-label');
    var input = document.createElement('input');
    input.className = 'tab-input';
    input.value = span.textContent;
    span.replaceWith(input);
    input.focus();
    input.select();
    function done(save) {
      if (save && input.value.trim()) {
        B.setLangText(tabs()[index], 'label', B.lang, input.value.trim());
        B.change();
      } else { B.render(); }
    }
    input.addEventListener('keydown', function (event) {
      if (event.key === 'Enter') { event.preventDefault(); input.blur(); }
      if (event.key === 'Escape') { input.dataset.cancel = '1'; input.blur(); }
    });
    input.addEventListener('blur', function () { done(!input.dataset.cancel); });
  }

  function onCanvasClick(event) {
    var target = event.target;
    var action = target.closest('[data-action]');
    var card = target.closest('.field-card');
    var section = target.closest('.canvas-section');
    if (action) {
      var name = action.dataset.action;
      if (name === 'duplicate') { duplicate(card.dataset.key); }
      else if (name === 'delete') { remove(card.dataset.key); }
      else if (name === 'add-tab') { addTab(); }
      else if (name === 'delete-tab') { deleteTab(Number(action.closest('.canvas-tab').dataset.tab)); }
      else if (name === 'add-section') { addSection(); }
      else if (name === 'delete-section') { deleteSection(Number(section.dataset.section)); }
      return;
    }
    var cols = target.closest('[data-cols]');
    if (cols) {
      sectionOf(section).columns = Number(cols.dataset.cols);
      B.change();
      return;
    }
    var tab = target.closest('.canvas-tab');
    if (tab && !target.closest('input')) {
      var index = Number(tab.dataset.tab);
      if (index === B.activeTab && event.detail >= 2) { renameTab(tab); return; }
      if (index !== B.activeTab) { B.showTab(index); }
      return;
    }
    if (card) { B.select(card.dataset.key); }
  }

  B.select = function (key) {
    if (B.selected === key) { return; }
    B.selected = key;
    document.querySelectorAll('#canvas .field-card').forEach(function (el) {
      el.classList.toggle('selected', el.dataset.key === key);
    });
    B.loadPanel();
  };

  /* Errors of a save: on the card of the field they point at, in the panel, or in a banner. */
  B.showErrors = function (errors) {
    B.errors = errors;
    var banner = document.getElementById('problems-banner');
    var general = [];
    document.querySelectorAll('#canvas .field-card').forEach(function (el) {
      el.classList.remove('has-error');
      el.querySelector('.card-error').hidden = true;
    });
    errors.forEach(function (error) {
      var m = /^\/fields\/(\d+)(\/.*)?$/.exec(error.path);
      var fld = m && B.doc.fields[Number(m[1])];
      var card = fld && document.querySelector('#canvas .field-card[data-key="' + fld.key + '"]');
      if (card) {
        card.classList.add('has-error');
        var slot = card.querySelector('.card-error');
        slot.textContent = error.message;
        slot.hidden = false;
      } else if (!(error.path === '/label' || (fld && B.selected === fld.key))) {
        general.push(error.path ? error.path + ': ' + error.message : error.message);
      }
    });
    banner.textContent = general.join('\n');
    banner.hidden = !general.length;
    if (B.placePanelErrors) { B.placePanelErrors(); }
  };

  B.initCanvas = function () {
    document.querySelectorAll('#palette [data-type]').forEach(function (item) {
      types[item.dataset.type] = {label: item.querySelector('.palette-label').textContent,
                                  icon: item.querySelector('.type-icon').textContent};
    });
    if (B.initDrag) { B.initDrag(); }
    var canvas = document.getElementById('canvas');
    canvas.addEventListener('click', onCanvasClick);
    canvas.addEventListener('keydown', function (event) {
      var card = event.target.closest('.field-card');
      if (card && event.key === 'Enter') { B.select(card.dataset.key); }
      if (event.target.matches('[data-section-title]') && event.key === 'Enter') {
        event.target.blur();
      }
    });
    canvas.addEventListener('input', function (event) {
      if (!event.target.matches('[data-section-title]')) { return; }
      var el = event.target.closest('.canvas-section');
      B.setLangText(sectionOf(el), 'label', B.lang, event.target.value.trim());
      B.change({coalesce: 'section-title-' + el.dataset.tab + '-' + el.dataset.section,
                keepCanvas: true});
    });
  };
})();
