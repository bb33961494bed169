/* The import's drop zone: a file dropped on it is chosen and uploaded at once. */
(function () {
  'use strict';
  document.addEventListener('DOMContentLoaded', function () {
    document.querySelectorAll('[data-drop-zone]').forEach(function (zone) {
      var input = zone.querySelector('[data-import-file]');
      ['dragenter', 'dragover'].forEach(function (name) {
        zone.addEventListener(name, function (event) { event.preventDefault(); zone.classList.add('dragging'); });
      });
      ['dragleave', 'drop'].forEach(function (name) {
        zone.addEventListener(name, function () { zone.classList.remove('dragging'); });
      });
      zone.addEventListener('drop', function (event) {
        event.preventDefault();
        if (event.dataTransfer && event.dataTransfer.files.length) {
          input.files = event.dataTransfer.files;
          zone.requestSubmit();
        }
      });
    });
  });
})();
