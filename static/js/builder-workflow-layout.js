/* Where the workflow diagram's nodes go (TrellisWFCanvas.layout): a layered layout top to
   bottom by dagre (static/vendor/@dagrejs/dagre, from npm), each connection's label given room
   between the layers. Used for the nodes a document gives no ``position`` and, with ``all``,
   by the designer's "Auto layout" button for every node. */
(function () {
  'use strict';

  var LABEL_H = 22;

  function textWidth(text) {  // 11 px type: a Chinese character is wider
    var w = 16;
    for (var i = 0; i < text.length; i += 1) { w += text.charCodeAt(i) > 0x2e80 ? 12 : 7; }
    return Math.min(180, w);
  }

  window.TrellisWFCanvas.layout = function (doc, canvas, all) {
    var missing = doc.nodes.filter(function (n) { return !n.position; });
    if (!all && !missing.length) { return; }
    var size = window.TrellisWFCanvas.size, keys = {};
    var g = new window.dagre.graphlib.Graph({ multigraph: true });
    g.setGraph({ rankdir: 'TB', nodesep: 40, ranksep: 56, edgesep: 16, marginx: 40, marginy: 40 });
    g.setDefaultEdgeLabel(function () { return {}; });
    doc.nodes.forEach(function (n) {
      keys[n.key] = true;
      g.setNode(n.key, { width: size.w, height: size.h });
    });
    doc.edges.forEach(function (e, i) {
      if (!keys[e.from] || !keys[e.to] || e.from === e.to) { return; }
      var text = canvas.edgeLabel(e);
      g.setEdge(e.from, e.to, { width: text ? textWidth(text) : 0,
                                height: text ? LABEL_H : 0, labelpos: 'c' }, 'e' + i);
    });
    window.dagre.layout(g);
    doc.nodes.forEach(function (n) {
      if (n.position && !all) { return; }
      var p = g.node(n.key);
      n.position = { x: Math.round(p.x - size.w / 2), y: Math.round(p.y - size.h / 2) };
    });
  };
})();
