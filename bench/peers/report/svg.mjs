// A hand-written SVG bar chart: GFLOP/s per layer for each engine, horizontal grouped bars, with the
// peak loop's GFLOP/s as a dashed vertical line so every bar reads as a fraction of the ceiling.
// bench:nets draws ms per image with it (axisLabel, no peak).

const COLORS = ['#1f6feb', '#d29922', '#8250df', '#57ab5a', '#8b949e'];
const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/**
 * groups: [{ label, values: { engine: gflops | null } }]; engines: [{ name, label }]; peak: number | null.
 */
export function barChartSvg({ title, groups, engines, peak, axisLabel = 'GFLOP/s (single thread, median of interleaved rounds)' }) {
  const barH = 9, gap = 1, groupGap = 10, left = 170, right = 60, width = 820;
  const top = 44 + engines.length * 14; // title, one legend line per engine, room for the peak label
  const plotW = width - left - right;
  const groupH = engines.length * (barH + gap) + groupGap;
  const height = top + groups.length * groupH + 40;
  const max = Math.max(peak ?? 0, ...groups.flatMap((g) => Object.values(g.values).filter((v) => v != null))) * 1.05 || 1;
  const x = (v) => left + (v / max) * plotW;
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${left}" y="18" font-size="13" font-weight="bold">${esc(title)}</text>`,
  ];
  engines.forEach((e, i) => {
    const ly = 28 + i * 14;
    out.push(`<rect x="${left}" y="${ly}" width="10" height="10" fill="${COLORS[i % COLORS.length]}"/>`,
      `<text x="${left + 14}" y="${ly + 9}">${esc(e.label)}</text>`);
  });
  groups.forEach((g, gi) => {
    const gy = top + gi * groupH;
    out.push(`<text x="${left - 6}" y="${gy + (engines.length * (barH + gap)) / 2 + 4}" text-anchor="end">${esc(g.label)}</text>`);
    engines.forEach((e, i) => {
      const v = g.values[e.name];
      const y = gy + i * (barH + gap);
      if (v == null) {
        out.push(`<text x="${left + 4}" y="${y + barH - 1}" fill="#cf222e" font-size="9">n/a</text>`);
        return;
      }
      out.push(`<rect x="${left}" y="${y}" width="${(x(v) - left).toFixed(1)}" height="${barH}" fill="${COLORS[i % COLORS.length]}"/>`,
        `<text x="${(x(v) + 3).toFixed(1)}" y="${y + barH - 1}" font-size="9">${v.toFixed(1)}</text>`);
    });
  });
  const axisY = top + groups.length * groupH;
  out.push(`<line x1="${left}" y1="${top - 4}" x2="${left}" y2="${axisY}" stroke="#333"/>`);
  for (let t = 0; t <= max; t += niceStep(max)) {
    out.push(`<line x1="${x(t).toFixed(1)}" y1="${axisY}" x2="${x(t).toFixed(1)}" y2="${axisY + 4}" stroke="#333"/>`,
      `<text x="${x(t).toFixed(1)}" y="${axisY + 15}" text-anchor="middle">${t}</text>`);
  }
  out.push(`<text x="${left + plotW / 2}" y="${axisY + 30}" text-anchor="middle">${esc(axisLabel)}</text>`);
  if (peak) {
    out.push(`<line x1="${x(peak).toFixed(1)}" y1="${top - 4}" x2="${x(peak).toFixed(1)}" y2="${axisY}" stroke="#cf222e" stroke-dasharray="4 3"/>`,
      `<text x="${x(peak).toFixed(1)}" y="${top - 7}" text-anchor="middle" fill="#cf222e">peak ${peak.toFixed(1)}</text>`);
  }
  out.push('</svg>');
  return out.join('\n') + '\n';
}

function niceStep(max) {
  const raw = max / 8;
  const p = 10 ** Math.floor(Math.log10(raw));
  return [1, 2, 5, 10].map((m) => m * p).find((s) => s >= raw);
}
