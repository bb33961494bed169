/* A public form inside another site's iframe (static/js/trellis-embed.js outside): tell the
   page around it how tall this page is, whenever that changes, so the iframe fits it. */
(function () {
  'use strict';
  if (window.parent === window) { return; }
  var last = 0;
  function report() {
    var height = Math.ceil(document.documentElement.scrollHeight);
    if (height !== last) {
      last = height;
      window.parent.postMessage({type: 'trellis-form-height', height: height}, '*');
    }
  }
  window.addEventListener('load', report);
  if (window.ResizeObserver) {
    new ResizeObserver(report).observe(document.body);
  } else {
    setInterval(report, 500);
  }
})();
