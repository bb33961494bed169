/* The formula editor: enhances every <textarea data-formula-editor data-app data-form
   data-expect="boolean|value"> (also those htmx or scripts add later) with a field picker, a
   function list, autocomplete, inline errors from the server's checker, the result type and
   "try it" against a sample record. The server is the authority; this only asks it. */
(function () {
  'use strict';

  var TEXTS = {
    en: { fields: 'Fields', functions: 'Functions', tryIt: 'Try it', searchFields: 'Search fields…',
      searchFunctions: 'Search functions…', noMatch: 'Nothing matches', checking: 'Checking…',
      gives: 'Gives', at: 'Line {line}, column {column}: ', unavailable: 'The formula could not be checked right now.',
      run: 'Run', result: 'Result', sample: 'Fill in values for the fields the formula uses, then run it.',
      noRefs: 'The formula uses no fields: run it as it is.', aliases: 'also', formsOnly: 'not in list filters',
      empty: 'empty', yes: 'yes', no: 'no', close: 'Close', example: 'Example', keyword: 'operator' },
    zh: { fields: '字段', functions: '函数', tryIt: '试算', searchFields: '搜索字段…',
      searchFunctions: '搜索函数…', noMatch: '没有匹配项', checking: '正在检查…',
      gives: '结果类型：', at: '第 {line} 行，第 {column} 列：', unavailable: '暂时无法检查公式。',
      run: '运行', result: '结果', sample: '为公式用到的字段填写示例值，然后运行。',
      noRefs: '公式没有用到字段，可以直接运行。', aliases: '又名', formsOnly: '不能用于列表筛选',
      empty: '空', yes: '是', no: '否', close: '关闭', example: '示例', keyword: '运算符' }
  };
  var T = TEXTS[(document.documentElement.lang || 'zh').slice(0, 2) === 'en' ? 'en' : 'zh'];
  var KEYWORDS = ['AND', 'OR', 'NOT', 'IN', 'TRUE', 'FALSE', 'NULL'];
  var cache = {};

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) { node.className = cls; }
    if (text !== undefined) { node.textContent = text; }
    return node;
  }
  function csrf() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.content : '';
  }
  function getJSON(url, fresh) {
    if (fresh) { delete cache[url]; }  // the form's fields change as it is designed
    if (!cache[url]) {
      cache[url] = fetch(url, { credentials: 'same-origin', headers: { Accept: 'application/json' } })
        .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
        .catch(function (e) { delete cache[url]; throw e; });
    }
    return cache[url];
  }
  function postJSON(url, body) {
    return fetch(url, { method: 'POST', credentials: 'same-origin', body: JSON.stringify(body),
      headers: { 'Content-Type': 'application/json', Accept: 'application/json', 'X-CSRFToken': csrf() } })
      .then(function (r) { return r.json().then(function (data) { return { status: r.status, data: data }; }); });
  }

  function Editor(area) {
    this.area = area;
    var app = encodeURIComponent(area.dataset.app), form = encodeURIComponent(area.dataset.form);
    this.checkUrl = '/api/v1/apps/' + app + '/forms/' + form + '/formula';
    this.fieldsUrl = this.checkUrl + '/fields';
    this.expect = area.dataset.expect === 'boolean' ? 'boolean' : null;
    this.fields = [];
    this.functions = [];
    this.refs = [];
    this.items = [];
    this.active = 0;
    this.build();
    this.load();
    this.check();
  }

  Editor.prototype.build = function () {
    var area = this.area, self = this;
    var box = el('div', 'fe');
    area.parentNode.insertBefore(box, area);
    var bar = el('div', 'fe-toolbar');
    this.fieldsBtn = el('button', 'fe-tool', '{ } ' + T.fields);
    this.funcsBtn = el('button', 'fe-tool', 'ƒx ' + T.functions);
    this.tryBtn = el('button', 'fe-tool', '▶ ' + T.tryIt);
    [this.fieldsBtn, this.funcsBtn, this.tryBtn].forEach(function (b) {
      b.type = 'button'; b.setAttribute('aria-expanded', 'false'); bar.appendChild(b);
    });
    this.typeEl = el('span', 'fe-type');
    bar.appendChild(this.typeEl);
    var wrap = el('div', 'fe-input');
    this.backdrop = el('div', 'fe-backdrop');
    this.backdrop.setAttribute('aria-hidden', 'true');
    wrap.appendChild(this.backdrop);
    wrap.appendChild(area);
    this.complete = el('ul', 'fe-complete');
    this.complete.setAttribute('role', 'listbox');
    this.complete.hidden = true;
    wrap.appendChild(this.complete);
    this.message = el('div', 'fe-message');
    this.message.setAttribute('aria-live', 'polite');
    this.fieldPanel = this.panel(T.searchFields, function (q) { self.renderFields(q); });
    this.funcPanel = this.panel(T.searchFunctions, function (q) { self.renderFunctions(q); });
    this.tryPanel = el('div', 'fe-panel fe-try');
    this.tryPanel.hidden = true;
    [bar, wrap, this.message, this.fieldPanel, this.funcPanel, this.tryPanel].forEach(function (n) {
      box.appendChild(n);
    });
    area.classList.add('fe-area');
    area.setAttribute('autocomplete', 'off');
    area.setAttribute('aria-autocomplete', 'list');
    this.copyStyle();
    this.bind();
  };

  Editor.prototype.panel = function (placeholder, onSearch) {
    var panel = el('div', 'fe-panel');
    panel.hidden = true;
    var search = el('input', 'input fe-search');
    search.type = 'search';
    search.placeholder = placeholder;
    search.setAttribute('aria-label', placeholder);
    search.addEventListener('input', function () { onSearch(search.value.trim().toLowerCase()); });
    panel.appendChild(search);
    panel.list = el('ul', 'fe-list');
    panel.appendChild(panel.list);
    panel.search = search;
    return panel;
  };

  Editor.prototype.copyStyle = function () {
    var s = window.getComputedStyle(this.area);
    ['paddingTop', 'paddingRight', 'paddingBottom', 'paddingLeft', 'fontFamily', 'fontSize',
      'lineHeight', 'letterSpacing', 'borderTopWidth', 'borderLeftWidth', 'borderRightWidth',
      'borderBottomWidth'].forEach(function (p) {
      this.backdrop.style[p] = s[p];
    }, this);
  };

  Editor.prototype.bind = function () {
    var self = this, area = this.area, timer = null;
    area.addEventListener('input', function () {
      self.typed = true;
      self.paint(null);
      self.suggest();
      clearTimeout(timer);
      timer = setTimeout(function () { self.check(); }, 350);
    });
    area.addEventListener('keydown', function (e) { self.keydown(e); });
    area.addEventListener('click', function () { self.suggest(); });
    area.addEventListener('blur', function () { setTimeout(function () { self.close(); }, 150); });
    area.addEventListener('scroll', function () { self.backdrop.scrollTop = area.scrollTop; });
    this.complete.addEventListener('mousedown', function (e) {
      var li = e.target.closest('li[data-index]');
      if (li) { e.preventDefault(); self.accept(self.items[+li.dataset.index]); }
    });
    this.fieldsBtn.addEventListener('click', function () { self.toggle(self.fieldPanel, self.fieldsBtn); });
    this.funcsBtn.addEventListener('click', function () { self.toggle(self.funcPanel, self.funcsBtn); });
    this.tryBtn.addEventListener('click', function () { self.toggle(self.tryPanel, self.tryBtn); });
    [this.fieldPanel, this.funcPanel].forEach(function (panel) {
      panel.list.addEventListener('click', function (e) {
        var li = e.target.closest('li[data-insert]');
        if (li) { self.insertAtCaret(li.dataset.insert); }
      });
      // Enter in the search box picks the first match (the only one, once narrowed down)
      panel.search.addEventListener('keydown', function (e) {
        if (e.key !== 'Enter') { return; }
        e.preventDefault();
        var first = panel.list.querySelector('li[data-insert]');
        if (first) { self.insertAtCaret(first.dataset.insert); }
      });
    });
  };

  Editor.prototype.toggle = function (panel, button) {
    var open = panel.hidden;
    [[this.fieldPanel, this.fieldsBtn], [this.funcPanel, this.funcsBtn], [this.tryPanel, this.tryBtn]]
      .forEach(function (pair) { pair[0].hidden = true; pair[1].setAttribute('aria-expanded', 'false'); });
    panel.hidden = !open;
    button.setAttribute('aria-expanded', String(open));
    if (open && panel.search) { panel.search.value = ''; panel.search.dispatchEvent(new Event('input')); panel.search.focus(); }
    if (open && panel === this.tryPanel) { this.renderTry(); }
  };

  Editor.prototype.load = function () {
    var self = this;
    getJSON('/api/v1/formula/functions').then(function (data) {
      self.functions = data.functions || [];
      self.renderFunctions('');
    }, function () {});
    this.loadFields(true);
  };

  Editor.prototype.loadFields = function (fresh) {
    var self = this;
    return getJSON(this.fieldsUrl, fresh).then(function (data) {
      self.fields = data.fields || [];
      self.renderFields('');
      if (self.showLabels) { self.showLabels(); }  // formula-editor-names.js
    }, function () {});
  };

  // -- lists ----------------------------------------------------------------------------------
  Editor.prototype.renderFields = function (q) {
    var list = this.fieldPanel.list;
    list.textContent = '';
    this.fields.filter(function (f) {
      return !q || f.ref.toLowerCase().indexOf(q) !== -1 || (f.label || '').toLowerCase().indexOf(q) !== -1;
    }).forEach(function (f) {
      var li = el('li', 'fe-item' + (f.ref.indexOf('.') !== -1 ? ' fe-hop' : ''));
      li.dataset.insert = '{' + (f.name || f.ref) + '}';
      li.appendChild(el('span', 'fe-name', f.label || f.ref));
      li.appendChild(el('code', 'fe-ref', '{' + f.ref + '}'));
      li.appendChild(el('span', 'fe-kind', f.type_label || f.type));
      list.appendChild(li);
    });
    if (!list.children.length) { list.appendChild(el('li', 'fe-none', T.noMatch)); }
  };

  Editor.prototype.renderFunctions = function (q) {
    var list = this.funcPanel.list, listFilter = this.area.dataset.context === 'list';
    list.textContent = '';
    this.functions.filter(function (f) {
      var names = [f.name].concat(f.aliases || []).join(' ').toLowerCase();
      return !q || names.indexOf(q) !== -1 || (f.description || '').toLowerCase().indexOf(q) !== -1;
    }).forEach(function (f) {
      var li = el('li', 'fe-item fe-func');
      li.dataset.insert = f.name + '(';
      var head = el('div', 'fe-func-head');
      head.appendChild(el('code', 'fe-sig', f.signature || f.name + '()'));
      if (f.aliases && f.aliases.length) { head.appendChild(el('span', 'fe-alias', T.aliases + ' ' + f.aliases.join(', '))); }
      if (listFilter && f.sql === false) { head.appendChild(el('span', 'fe-badge', T.formsOnly)); }
      li.appendChild(head);
      if (f.description) { li.appendChild(el('div', 'fe-desc', f.description)); }
      (f.examples || (f.example ? [f.example] : [])).forEach(function (ex) {
        li.appendChild(el('div', 'fe-example', T.example + ': ' + ex));
      });
      list.appendChild(li);
    });
    if (!list.children.length) { list.appendChild(el('li', 'fe-none', T.noMatch)); }
  };

  // -- autocomplete ---------------------------------------------------------------------------
  Editor.prototype.context = function () {
    var before = this.area.value.slice(0, this.area.selectionStart);
    var brace = before.lastIndexOf('{');
    if (brace > before.lastIndexOf('}') && !/["'“”]/.test(before.slice(brace))) {
      return { kind: 'field', start: brace, prefix: before.slice(brace + 1).toLowerCase() };
    }
    if (((before.match(/"/g) || []).length % 2) === 1) { return null; }
    var word = /[A-Za-z_\u4e00-\u9fff][A-Za-z0-9_\u4e00-\u9fff]*$/.exec(before);
    if (!word) { return null; }
    return { kind: 'function', start: word.index, prefix: word[0].toLowerCase() };
  };

  Editor.prototype.suggest = function () {
    var ctx = this.context(), items = [];
    if (ctx && ctx.kind === 'field') {
      items = this.fields.filter(function (f) {
        return f.ref.toLowerCase().indexOf(ctx.prefix) !== -1 || (f.label || '').toLowerCase().indexOf(ctx.prefix) !== -1;
      }).slice(0, 12).map(function (f) {
        return { text: '{' + (f.name || f.ref) + '}', main: f.label || f.ref, side: '{' + f.ref + '} · ' + (f.type_label || f.type), ctx: ctx };
      });
    } else if (ctx) {
      // after a value an operator is more likely than a function: AND, OR, IN come first then
      var before = this.area.value.slice(0, ctx.start);
      var afterValue = /[0-9A-Za-z_})\]"'”]\s+$/.test(before);
      var words = [];
      KEYWORDS.forEach(function (k) {
        if (k.toLowerCase().indexOf(ctx.prefix) === 0 && k.toLowerCase() !== ctx.prefix) {
          words.push({ text: k + ' ', main: k, side: T.keyword, ctx: ctx });
        }
      });
      if (afterValue) { items = words; }
      this.functions.forEach(function (f) {
        [f.name].concat(f.aliases || []).forEach(function (name) {
          if (name.toLowerCase().indexOf(ctx.prefix) === 0) {
            items.push({ text: name + '(', main: name, side: f.signature, ctx: ctx });
          }
        });
      });
      if (!afterValue) { items = items.concat(words); }
      items = items.slice(0, 10);
    }
    this.show(items);
  };

  Editor.prototype.show = function (items) {
    this.items = items;
    this.active = 0;
    this.complete.textContent = '';
    this.complete.hidden = !items.length;
    items.forEach(function (item, i) {
      var li = el('li', 'fe-option' + (i === 0 ? ' active' : ''));
      li.dataset.index = i;
      li.setAttribute('role', 'option');
      li.appendChild(el('span', 'fe-name', item.main));
      if (item.side) { li.appendChild(el('span', 'fe-side', item.side)); }
      this.complete.appendChild(li);
    }, this);
  };

  Editor.prototype.close = function () { this.show([]); };

  Editor.prototype.keydown = function (e) {
    if (this.complete.hidden) { return; }
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      var n = this.items.length;
      this.active = (this.active + (e.key === 'ArrowDown' ? 1 : n - 1)) % n;
      Array.prototype.forEach.call(this.complete.children, function (li, i) {
        li.classList.toggle('active', i === this.active);
      }, this);
    } else if (e.key === 'Enter' || e.key === 'Tab') {
      e.preventDefault();
      this.accept(this.items[this.active]);
    } else if (e.key === 'Escape') {
      e.preventDefault();
      this.close();
    }
  };

  Editor.prototype.accept = function (item) {
    if (!item) { return; }
    var area = this.area, end = area.selectionStart, value = area.value;
    if (item.ctx.kind === 'field' && value.charAt(end) === '}') { end += 1; }
    this.replace(item.ctx.start, end, item.text);
    this.close();
  };

  Editor.prototype.insertAtCaret = function (text) {
    var area = this.area;
    this.replace(area.selectionStart, area.selectionEnd, text);
  };

  Editor.prototype.replace = function (start, end, text) {
    var area = this.area;
    area.focus();
    area.setRangeText(text, start, end, 'end');
    area.dispatchEvent(new Event('input', { bubbles: true }));
    area.dispatchEvent(new Event('change', { bubbles: true }));
  };

  // -- checking -------------------------------------------------------------------------------
  Editor.prototype.check = function () {
    var self = this, source = this.area.value;
    if (!source.trim()) { this.report(null); return; }
    this.typeEl.textContent = T.checking;
    postJSON(this.checkUrl, { formula: source, expect: this.expect }).then(function (answer) {
      if (self.area.value !== source) { return; }
      if (answer.status === 200 && answer.data && 'ok' in answer.data) { self.report(answer.data); }
      else { self.unavailable(); }
    }, function () { self.unavailable(); });
  };

  Editor.prototype.unavailable = function () {
    this.typeEl.textContent = '';
    this.message.className = 'fe-message muted';
    this.message.textContent = T.unavailable;
  };

  Editor.prototype.report = function (result) {
    this.result = result;
    this.message.textContent = '';
    this.message.className = 'fe-message';
    this.typeEl.textContent = '';
    this.typeEl.className = 'fe-type';
    this.area.removeAttribute('aria-invalid');
    if (result && result.ok) {
      this.refs = result.refs || [];
      this.typeEl.textContent = '✓ ' + T.gives + ' ' + (result.type_label || result.type);
      this.typeEl.classList.add('ok');
      this.paint(null);
    } else if (result) {
      var err = result.error || {};
      this.message.className = 'fe-message error';
      var where = /column \d|第 ?\d+ ?列/.test(err.message || '') ? ''
        : T.at.replace('{line}', err.line || 1).replace('{column}', err.column || 1);
      this.message.textContent = where + (err.message || '');
      this.area.setAttribute('aria-invalid', 'true');
      this.typeEl.textContent = '✗';
      this.typeEl.classList.add('bad');
      this.paint(typeof err.position === 'number' ? err.position : null);
    } else {
      this.paint(null);
    }
    if (!this.tryPanel.hidden) { this.renderTry(); }
    this.area.dispatchEvent(new CustomEvent('formula:checked', { bubbles: true, detail: result }));
  };

  Editor.prototype.paint = function (position) {
    var text = this.area.value;
    this.backdrop.textContent = '';
    if (position === null || position === undefined) { this.backdrop.textContent = text + '\n'; return; }
    var end = position + 1;
    var word = /^[A-Za-z0-9_\u4e00-\u9fff{}.]+/.exec(text.slice(position));
    if (word) { end = position + word[0].length; }
    this.backdrop.appendChild(document.createTextNode(text.slice(0, position)));
    this.backdrop.appendChild(el('mark', 'fe-err', text.slice(position, end) || '\u00a0'));
    this.backdrop.appendChild(document.createTextNode(text.slice(end) + '\n'));
    this.backdrop.scrollTop = this.area.scrollTop;
  };

  // -- finding editors ------------------------------------------------------------------------
  function enhance(scope) {
    var found = scope.matches && scope.matches('textarea[data-formula-editor]') ? [scope] : [];
    if (scope.querySelectorAll) {
      found = found.concat(Array.prototype.slice.call(scope.querySelectorAll('textarea[data-formula-editor]')));
    }
    found.forEach(function (area) {
      if (area.dataset.formulaReady) { return; }
      area.dataset.formulaReady = '1';
      area.formulaEditor = new Editor(area);
    });
  }

  function start() {
    enhance(document);
    document.addEventListener('htmx:afterSwap', function (e) { enhance(e.target); });
    new MutationObserver(function (records) {
      records.forEach(function (r) {
        Array.prototype.forEach.call(r.addedNodes, function (n) { if (n.nodeType === 1) { enhance(n); } });
      });
    }).observe(document.body, { childList: true, subtree: true });
  }
  // formula-editor-try.js adds "try it" to the editor with these
  window.TrellisFormulaEditor = { enhance: enhance, Editor: Editor, el: el, postJSON: postJSON, T: T };
  if (document.readyState === 'loading') { document.addEventListener('DOMContentLoaded', start); } else { start(); }
})();
