// Plain-text and Markdown tables for benchmark results.

/** rows: array of arrays of strings; first row is the header. Numbers right-aligned. */
export function formatTable(rows) {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => String(r[c]).length)));
  const isNum = (s) => /^[-+]?[\d.]+(×|x)?$/.test(String(s));
  const line = (r) => r.map((cell, c) => (isNum(cell) ? String(cell).padStart(widths[c]) : String(cell).padEnd(widths[c]))).join('  ');
  return [line(rows[0]), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.slice(1).map(line)].join('\n');
}

export function markdownTable(rows) {
  const [head, ...body] = rows;
  const sep = head.map((_, c) => (c === 0 ? '---' : '---:'));
  return [head, sep, ...body].map((r) => `| ${r.join(' | ')} |`).join('\n');
}

// A missing figure (an engine a row does not time: undefined, null or NaN) prints as '—'.
const known = (f) => (v) => (v == null || Number.isNaN(v) ? '—' : f(v));
export const fmt = {
  ms: known((v) => (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2))),
  gflops: known((v) => v.toFixed(v >= 10 ? 1 : 2)),
  ratio: known((v) => `${v.toFixed(v >= 10 ? 0 : 1)}×`),
};
