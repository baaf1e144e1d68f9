// A self-contained HTML page with uPlot charts: uPlot's script and stylesheet are inlined from node_modules (the
// package is a dependency), the data is embedded as JSON, and a short script draws the charts. The file opens from
// disk, offline, in any browser, and can be mailed as it is. uPlot over ECharts: it is already a dependency (the
// dashboard's), ~50 kB against ~1 MB, and draws 100k-point series without stutter; its charts are enough for lines,
// bars and scatters; the sweep's heatmap is an HTML table.

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

let cached: { js: string; css: string } | undefined;

/** uPlot's minified IIFE build and its stylesheet. */
function uplotAssets(): { js: string; css: string } {
  cached ??= {
    js: readFileSync(require.resolve('uplot/dist/uPlot.iife.min.js'), 'utf8'),
    css: readFileSync(require.resolve('uplot/dist/uPlot.min.css'), 'utf8'),
  };
  return cached;
}

export function escapeHtml(s: string): string {
  return s.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;').replaceAll("'", '&#39;');
}

/** Text safe inside a <script> element: no "</script" can close it early. */
function scriptSafe(js: string): string {
  return js.replace(/<\/(script)/gi, '<\\/$1');
}

/** JSON safe inside a <script type="application/json">. */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value).replaceAll('<', '\\u003c');
}

/**
 * The page: `body` is trusted HTML (built with escapeHtml), `data` the JSON the `draw` script reads as `DATA`; the
 * script pushes each uPlot it makes to `window.bailiffCharts` (the browser test reads them).
 */
export function htmlPage(title: string, body: string, data: unknown, draw: string): string {
  const { js, css } = uplotAssets();
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${css}</style>
<style>
body { font: 14px/1.45 system-ui, sans-serif; margin: 24px; color: #1d2330; background: #fff; }
h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 17px; margin: 28px 0 8px; }
.muted { color: #667; } .chart { margin: 8px 0 16px; }
table { border-collapse: collapse; margin: 8px 0; } td, th { border: 1px solid #d8dbe2; padding: 3px 8px; text-align: right; }
th { background: #f3f4f7; } td.l, th.l { text-align: left; } tr.front td { font-weight: 600; }
.heat td { min-width: 70px; }
</style>
<script>${scriptSafe(js)}</script>
</head>
<body>
${body}
<script type="application/json" id="bailiff-data">${jsonForScript(data)}</script>
<script>
window.bailiffCharts = [];
const DATA = JSON.parse(document.getElementById('bailiff-data').textContent);
const WIDTH = Math.min(1100, document.body.clientWidth - 10);
function chart(el, opts, data) {
  const u = new uPlot(Object.assign({ width: WIDTH, height: 280 }, opts), data, document.getElementById(el));
  window.bailiffCharts.push(u);
  return u;
}
${scriptSafe(draw)}
</script>
</body>
</html>
`;
}
