// bench:train's SVG: images/s per variant and engine, horizontal grouped bars on a log scale (the
// engines span three orders of magnitude: TensorFlow.js's CPU backend next to compiled kernels).
const COLORS = ['#1f6feb', '#0a3069', '#d29922', '#8250df'];
const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** groups: [{ label, values: { engine: images/s | null } }]; engines: [{ name, label }]. */
export function logBarChartSvg({ title, groups, engines, axisLabel }) {
  const barH = 10, gap = 1, groupGap = 12, left = 150, right = 70, width = 860;
  const top = 34 + engines.length * 14, plotW = width - left - right;
  const groupH = engines.length * (barH + gap) + groupGap;
  const height = top + groups.length * groupH + 44;
  const values = groups.flatMap((g) => Object.values(g.values)).filter((v) => v != null && v > 0);
  const lo = 10 ** Math.floor(Math.log10(Math.min(...values, 1))), hi = 10 ** Math.ceil(Math.log10(Math.max(...values, 10)));
  const px = (v) => left + (Math.log10(v / lo) / Math.log10(hi / lo)) * plotW;
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">`,
    '<rect width="100%" height="100%" fill="white"/>',
    `<text x="${left}" y="18" font-size="13" font-weight="bold">${esc(title)}</text>`,
  ];
  engines.forEach((e, i) => {
    const ly = 26 + i * 14;
    out.push(`<rect x="${left}" y="${ly}" width="10" height="10" fill="${COLORS[i % COLORS.length]}"/>`, `<text x="${left + 14}" y="${ly + 9}">${esc(e.label)}</text>`);
  });
  const axisY = top + groups.length * groupH;
  for (let t = lo; t <= hi; t *= 10) {
    out.push(`<line x1="${px(t).toFixed(1)}" y1="${top - 4}" x2="${px(t).toFixed(1)}" y2="${axisY}" stroke="#ddd"/>`,
      `<text x="${px(t).toFixed(1)}" y="${axisY + 15}" text-anchor="middle">${t}</text>`);
  }
  groups.forEach((g, gi) => {
    const gy = top + gi * groupH;
    out.push(`<text x="${left - 6}" y="${gy + (engines.length * (barH + gap)) / 2 + 4}" text-anchor="end">${esc(g.label)}</text>`);
    engines.forEach((e, i) => {
      const v = g.values[e.name], y = gy + i * (barH + gap);
      if (v === undefined) return; // this engine has no bar in this group (2 threads: training only)
      if (v == null || !(v > 0)) { out.push(`<text x="${left + 4}" y="${y + barH - 1}" fill="#cf222e" font-size="9">n/a</text>`); return; }
      out.push(`<rect x="${left}" y="${y}" width="${Math.max(1, px(v) - left).toFixed(1)}" height="${barH}" fill="${COLORS[i % COLORS.length]}"/>`,
        `<text x="${(px(v) + 3).toFixed(1)}" y="${y + barH - 1}" font-size="9">${v >= 10 ? v.toFixed(0) : v.toFixed(2)}</text>`);
    });
  });
  out.push(`<line x1="${left}" y1="${top - 4}" x2="${left}" y2="${axisY}" stroke="#333"/>`,
    `<text x="${left + plotW / 2}" y="${axisY + 32}" text-anchor="middle">${esc(axisLabel)}</text>`, '</svg>');
  return out.join('\n') + '\n';
}
