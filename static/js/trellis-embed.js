/* Embed a Trellis public form in any site:
     <script src="https://trellis.example.com/f/embed.js"
             data-form="https://trellis.example.com/f/crm/signup" async></script>
   The script puts an iframe of the form where it stands, passes the page's utm_* (and
   source, campaign) parameters on to the form, and sizes the iframe to the form's height as
   the form reports it (postMessage from static/js/public-form.js). */
(function () {
  'use strict';
  var PASSED = /^(utm_[a-z]+|source|campaign|medium|term|content)$/;
  var scripts = document.querySelectorAll('script[data-form]:not([data-trellis-done])');
  Array.prototype.forEach.call(scripts, function (script) {
    script.setAttribute('data-trellis-done', '1');
    var src = new URL(script.getAttribute('data-form'), script.src);
    new URLSearchParams(window.location.search).forEach(function (value, name) {
      if (PASSED.test(name) && !src.searchParams.has(name)) { src.searchParams.set(name, value); }
    });
    var frame = document.createElement('iframe');
    frame.src = src.toString();
    frame.title = script.getAttribute('data-title') || 'Form';
    frame.style.cssText = 'width:100%;border:0;min-height:480px;display:block;';
    frame.setAttribute('loading', 'lazy');
    script.parentNode.insertBefore(frame, script.nextSibling);
    window.addEventListener('message', function (event) {
      if (event.source !== frame.contentWindow || event.origin !== src.origin) { return; }
      var data = event.data || {};
      if (data.type === 'trellis-form-height' && data.height > 0 && data.height < 20000) {
        frame.style.height = data.height + 'px';
        frame.style.minHeight = '0';
      }
    });
  });
})();
