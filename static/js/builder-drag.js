/* Form designer, dragging: SortableJS drags fields from the palette (clone), between sections
 * and within them, and sections within a tab. While a field is dragged, the tab under the
 * pointer opens (every tab's sections are drawn, so no redraw interrupts the drag); releasing
 * it on a tab's button puts the field at the end of that tab's last section. The designer is
 * aria-busy from the start of a drag until the drop is read back into the document. */
(function () {
  'use strict';

  var B = window.TrellisBuilder = window.TrellisBuilder || {};
  var sortables = [];
  var dragging = false;
  var overTab = null;  // the index of the tab button under the pointer while dragging

  // -- the tab under the pointer ------------------------------------------------------------
  function tabAt(x, y) {
    var el = document.elementFromPoint(x, y);
    var tab = el && el.closest('#canvas .canvas-tab');
    return tab ? Number(tab.dataset.tab) : null;
  }

  function markTab(index) {
    document.querySelectorAll('#canvas .canvas-tab').forEach(function (el) {
      el.classList.toggle('drop-target', Number(el.dataset.tab) === index);
    });
  }

  function onPointerMove(event) {
    if (!dragging) { return; }
    var point = event.touches ? event.touches[0] : event;
    if (!point) { return; }
    var index = tabAt(point.clientX, point.clientY);
    if (index === overTab) { return; }
    overTab = index;
    markTab(index);
    if (index !== null && index !== B.activeTab) { B.showTab(index); }
  }

  /* A drop is read a moment after SortableJS moved the elements: until then the canvas shows
   * a layout the document does not have yet. */
  function busy(on) {
    if (on) { B.root.setAttribute('aria-busy', 'true'); } else { B.root.removeAttribute('aria-busy'); }
  }

  function startDrag() {
    dragging = true;
    overTab = null;
    busy(true);
    document.body.classList.add('is-dragging-field');
  }

  function endDrag(evt) {
    var tab = overTab;
    dragging = false;
    overTab = null;
    markTab(null);
    document.body.classList.remove('is-dragging-field');
    var item = evt.item;
    setTimeout(function () {
      try { finishDrop(item, tab); } finally { busy(false); }
    }, 0);
  }

  // -- reading a drop back into the document ------------------------------------------------
  /* Every section's keys as the grids now show them; a palette item becomes a new field.
   * Returns the key of the new field, if any. */
  function readGrids() {
    var added = null;
    document.querySelectorAll('#canvas .canvas-section').forEach(function (el) {
      var keys = [];
      el.querySelectorAll('[data-grid] > *').forEach(function (item) {
        if (item.dataset.key) { keys.push(item.dataset.key); return; }
        if (item.dataset.type) {
          var fld = B.newField(item.dataset.type);
          B.doc.fields.push(fld);
          keys.push(fld.key);
          added = fld.key;
        }
      });
      B.tabs()[Number(el.dataset.tab)].sections[Number(el.dataset.section)].fields = keys;
    });
    return added;
  }

  function finishDrop(item, tab) {
    var before = JSON.stringify(B.doc.layout);
    var added = readGrids();
    var key = added || item.dataset.key || null;
    if (tab !== null && !key && item.dataset.type) {  // from the palette straight onto a tab
      var fld = B.newField(item.dataset.type);
      B.doc.fields.push(fld);
      key = added = fld.key;
    }
    if (tab !== null && key) {
      B.moveToTab(key, tab);
      B.activeTab = tab;
    }
    if (!added && JSON.stringify(B.doc.layout) === before) { B.render(); return; }
    var select = added || (tab !== null && key);
    var reselect = select && select !== B.selected;
    if (select) { B.selected = select; }
    B.change();
    if (reselect) { B.loadPanel(); }
  }

  function readSectionOrder(list) {
    var tab = B.tabs()[Number(list.dataset.tab)];
    var sections = tab.sections;
    tab.sections = Array.prototype.map.call(list.querySelectorAll(':scope > .canvas-section'),
                                            function (el) { return sections[Number(el.dataset.section)]; });
    B.change();
  }

  // -- binding ------------------------------------------------------------------------------
  B.unbindDrag = function () {
    B.retireSortables(sortables);
    sortables = [];
  };

  B.bindDrag = function (canvas) {
    canvas.querySelectorAll('[data-grid]').forEach(function (grid) {
      sortables.push(new Sortable(grid, {
        group: {name: 'fields', pull: true, put: true}, animation: 150, forceFallback: true,
        filter: '.card-tools', preventOnFilter: false, ghostClass: 'drag-ghost',
        chosenClass: 'drag-chosen', emptyInsertThreshold: 40,
        onStart: startDrag, onEnd: endDrag
      }));
    });
    canvas.querySelectorAll('.canvas-sections').forEach(function (list) {
      sortables.push(new Sortable(list, {
        handle: '.section-grip', draggable: '.canvas-section', animation: 150,
        forceFallback: true, onStart: function () { busy(true); },
        onUpdate: function () { setTimeout(function () { readSectionOrder(list); }, 0); },
        onEnd: function () { setTimeout(function () { busy(false); }, 0); }  // after onUpdate's
      }));
    });
  };

  function addOnKey(event) {
    var item = event.target.closest('[data-type]');
    if (item && (event.key === 'Enter' || event.key === ' ')) {
      event.preventDefault();
      B.addField(item.dataset.type);
    }
  }

  B.initDrag = function () {
    var palette = document.getElementById('palette');
    new Sortable(palette, {
      group: {name: 'fields', pull: 'clone', put: false}, sort: false, animation: 150,
      forceFallback: true, ghostClass: 'drag-ghost',  // mouse events: the same in every browser
      onStart: startDrag, onEnd: endDrag
    });
    palette.addEventListener('click', function (event) {
      var item = event.target.closest('[data-type]');
      if (item) { B.addField(item.dataset.type); }
    });
    palette.addEventListener('keydown', addOnKey);
    document.addEventListener('mousemove', onPointerMove);
    document.addEventListener('touchmove', onPointerMove, {passive: true});
  };
})();
