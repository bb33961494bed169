/* Undo and redo over snapshots of a document (JSON text), shared by the form and list-view
 * designers. A run of edits of one input within a moment is one step (``coalesce``). */
(function () {
  'use strict';

  var COALESCE_MS = 1500;

  function History(limit) {
    this.limit = limit || 200;
    this.past = [];
    this.future = [];
    this.lastCoalesce = null;
    this.lastAt = 0;
  }

  /* Start over from ``state``: nothing to undo. */
  History.prototype.reset = function (state) {
    this.past = [state];
    this.future = [];
    this.lastCoalesce = null;
  };

  History.prototype.current = function () { return this.past[this.past.length - 1]; };

  /* Remember ``state`` after an edit; false when nothing changed. */
  History.prototype.record = function (state, coalesce) {
    var now = Date.now();
    if (state === this.current()) { return false; }
    if (this.past.length > 1 && state === this.past[this.past.length - 2]) {
      // back to the state before the last step: an input's own undo (Ctrl+Z in a text box)
      // took the step back, so it counts as one: an undo outside it goes further back rather
      // than putting the text back again
      this.future.push(this.past.pop());
      this.lastCoalesce = null;
      this.lastAt = now;
      return true;
    }
    if (coalesce && coalesce === this.lastCoalesce && now - this.lastAt < COALESCE_MS &&
        this.past.length > 1) {
      this.past[this.past.length - 1] = state;
    } else {
      this.past.push(state);
      if (this.past.length > this.limit) { this.past.shift(); }
    }
    this.future = [];
    this.lastCoalesce = coalesce || null;
    this.lastAt = now;
    return true;
  };

  History.prototype.canUndo = function () { return this.past.length > 1; };
  History.prototype.canRedo = function () { return this.future.length > 0; };

  /* The state to go back to, or null. */
  History.prototype.undo = function () {
    if (!this.canUndo()) { return null; }
    this.future.push(this.past.pop());
    this.lastCoalesce = null;
    return this.current();
  };

  History.prototype.redo = function () {
    if (!this.canRedo()) { return null; }
    this.past.push(this.future.pop());
    this.lastCoalesce = null;
    return this.current();
  };

  /* Ctrl+Z / Ctrl+Shift+Z / Ctrl+Y outside text inputs (those keep their own undo). */
  History.bindKeys = function (undo, redo) {
    document.addEventListener('keydown', function (event) {
      if (!(event.ctrlKey || event.metaKey) || event.altKey) { return; }
      var key = event.key.toLowerCase();
      if (event.target.closest('input, textarea, select, [contenteditable]')) { return; }
      if (key === 'z' && !event.shiftKey) { event.preventDefault(); undo(); }
      else if ((key === 'z' && event.shiftKey) || key === 'y') { event.preventDefault(); redo(); }
    });
  };

  window.TrellisHistory = History;
})();
