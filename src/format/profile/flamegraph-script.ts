// The script a flame graph SVG carries (flamegraph.ts embeds it): click a frame to zoom into it,
// Reset Zoom to go back, Search to highlight the frames whose names match a pattern (and how much
// of the profile they hold), the hovered frame's details on the bottom line. Plain ES5 in a
// string, run by the browser that opens the file: no network, no library.

/** The script's source; `width` and `pad` are the drawing area's width and left offset. */
export function flameGraphScript(width: number, pad: number, charWidth: number): string {
  return `(function () {
  var W = ${width}, PAD = ${pad}, CHAR = ${charWidth};
  var doc = document;
  var frames = [].slice.call(doc.querySelectorAll('g.f'));
  var details = doc.getElementById('details');
  var resetButton = doc.getElementById('reset');
  var matched = doc.getElementById('matched');
  function num(g, a) { return +g.getAttribute(a); }
  function label(g) {
    var name = g.getAttribute('data-n');
    var text = g.querySelector('text');
    var w = +g.querySelector('rect').getAttribute('width');
    var fits = Math.floor((w - 6) / CHAR);
    text.textContent = fits < 3 ? '' : name.length <= fits ? name : name.slice(0, fits - 2) + '..';
  }
  function place(g, x, w) {
    var rect = g.querySelector('rect');
    rect.setAttribute('x', (PAD + x * W).toFixed(2));
    rect.setAttribute('width', (w * W).toFixed(2));
    g.querySelector('text').setAttribute('x', (PAD + x * W + 3).toFixed(2));
    label(g);
  }
  var EPS = 1e-9;
  function zoom(target) {
    var x0 = num(target, 'data-x'), w0 = num(target, 'data-w'), d0 = num(target, 'data-d');
    frames.forEach(function (g) {
      var x = num(g, 'data-x'), w = num(g, 'data-w'), d = num(g, 'data-d');
      var show = false;
      if (d < d0) {
        show = x <= x0 + EPS && x + w >= x0 + w0 - EPS;
        if (show) place(g, 0, 1);
        g.setAttribute('class', show ? 'f parent' : 'f');
      } else {
        show = x >= x0 - EPS && x + w <= x0 + w0 + EPS;
        if (show) place(g, (x - x0) / w0, w / w0);
        g.setAttribute('class', 'f');
      }
      g.style.display = show ? '' : 'none';
    });
    resetButton.style.opacity = '1';
  }
  function reset() {
    frames.forEach(function (g) {
      g.style.display = '';
      g.setAttribute('class', 'f');
      place(g, num(g, 'data-x'), num(g, 'data-w'));
    });
    resetButton.style.opacity = '0';
  }
  function search(term) {
    var re = null;
    if (term) {
      try { re = new RegExp(term); } catch (e) { re = new RegExp(term.replace(/[.*+?^\${}()|[\\]\\\\]/g, '\\\\$&')); }
    }
    var spans = [];
    frames.forEach(function (g) {
      var rect = g.querySelector('rect');
      var hit = re !== null && re.test(g.getAttribute('data-n'));
      rect.setAttribute('fill', hit ? 'rgb(230,0,230)' : g.getAttribute('data-c'));
      if (hit) spans.push([num(g, 'data-x'), num(g, 'data-x') + num(g, 'data-w')]);
    });
    spans.sort(function (a, b) { return a[0] - b[0]; });
    var total = 0, end = -1;
    spans.forEach(function (s) {
      if (s[0] >= end) { total += s[1] - s[0]; end = s[1]; }
      else if (s[1] > end) { total += s[1] - end; end = s[1]; }
    });
    matched.textContent = re === null ? '' : 'Matched: ' + (total * 100).toFixed(1) + '%';
    return total;
  }
  frames.forEach(function (g) {
    g.addEventListener('click', function () { zoom(g); });
    g.addEventListener('mouseover', function () { details.textContent = g.querySelector('title').textContent; });
    g.addEventListener('mouseout', function () { details.textContent = ' '; });
  });
  resetButton.addEventListener('click', reset);
  doc.getElementById('search').addEventListener('click', function () {
    if (matched.textContent !== '') { search(''); return; }
    var term = window.prompt('Search for (a regular expression):', '');
    if (term) search(term);
  });
  window.flameGraph = { zoom: zoom, reset: reset, search: search };
})();`;
}
