// The experiment's report: a Markdown table and an SVG line chart of test accuracy per epoch.
const COLORS = { static: '#6b7280', dy: '#d97706', dcd: '#2563eb' };
const NAMES = { static: 'static', dy: 'DY-Conv (K=4)', dcd: 'DCD' };

export function markdownReport({ runs, command, date, wallSeconds, environment }) {
  const rows = runs.map((r) => `| ${NAMES[r.variant]} | ${r.parameters.toLocaleString('en-US')} | ${(r.madds / 1e6).toFixed(1)}M | ` +
    `${(100 * r.accuracy.at(-1)).toFixed(2)} | ${(100 * Math.max(...r.accuracy)).toFixed(2)} | ${r.trainImagesPerSecond.toFixed(0)} | ` +
    `${r.inferImagesPerSecond.toFixed(0)} | ${(r.seconds / 60).toFixed(1)} |`);
  const dy = runs.find((r) => r.variant === 'dy'), dcd = runs.find((r) => r.variant === 'dcd');
  const claim = dy && dcd
    ? `DCD ${(100 * dcd.accuracy.at(-1)).toFixed(2)}% vs DY-Conv ${(100 * dy.accuracy.at(-1)).toFixed(2)}% ` +
      `(${(100 * (dcd.accuracy.at(-1) - dy.accuracy.at(-1))).toFixed(2)} points) with ` +
      `${(dcd.parameters / dy.parameters * 100).toFixed(0)}% of its parameters.`
    : '';
  return [
    `# Fashion-MNIST: static vs DY-Conv vs DCD (${date})`,
    '',
    `Command: \`${command}\` — wall time ${(wallSeconds / 60).toFixed(1)} min. ${environment}`,
    '',
    '| variant | parameters | MAdds / image | test acc. % (last epoch) | best % | train img/s | inference img/s | minutes |',
    '|---|---:|---:|---:|---:|---:|---:|---:|',
    ...rows,
    '',
    claim,
    '',
    'Test accuracy per epoch:',
    '',
    `| epoch | ${runs.map((r) => NAMES[r.variant]).join(' | ')} |`,
    `|---|${runs.map(() => '---:').join('|')}|`,
    ...runs[0].accuracy.map((_, e) => `| ${e + 1} | ${runs.map((r) => (100 * r.accuracy[e]).toFixed(2)).join(' | ')} |`),
    '',
  ].join('\n');
}

export function svgChart({ runs, title }) {
  const W = 640, H = 360, L = 60, R = 150, T = 40, B = 50;
  const epochs = Math.max(...runs.map((r) => r.accuracy.length));
  const all = runs.flatMap((r) => r.accuracy);
  const lo = Math.floor(Math.min(...all) * 100 - 1), hi = Math.ceil(Math.max(...all) * 100 + 0.5);
  const x = (e) => L + (epochs === 1 ? 0 : (e / (epochs - 1)) * (W - L - R));
  const y = (a) => T + (1 - (a * 100 - lo) / (hi - lo)) * (H - T - B);
  const grid = [];
  for (let v = lo; v <= hi; v += Math.max(1, Math.round((hi - lo) / 6))) {
    grid.push(`<line x1="${L}" x2="${W - R}" y1="${y(v / 100)}" y2="${y(v / 100)}" stroke="#e5e7eb"/>`,
      `<text x="${L - 8}" y="${y(v / 100) + 4}" text-anchor="end" font-size="12">${v}%</text>`);
  }
  for (let e = 0; e < epochs; e++) grid.push(`<text x="${x(e)}" y="${H - B + 18}" text-anchor="middle" font-size="12">${e + 1}</text>`);
  const lines = runs.map((r, k) => {
    const pts = r.accuracy.map((a, e) => `${x(e).toFixed(1)},${y(a).toFixed(1)}`).join(' ');
    const dots = r.accuracy.map((a, e) => `<circle cx="${x(e).toFixed(1)}" cy="${y(a).toFixed(1)}" r="3.5" fill="${COLORS[r.variant]}"/>`).join('');
    const legendY = T + 20 + k * 22;
    return `<polyline points="${pts}" fill="none" stroke="${COLORS[r.variant]}" stroke-width="2.5"/>${dots}` +
      `<rect x="${W - R + 16}" y="${legendY - 9}" width="14" height="4" fill="${COLORS[r.variant]}"/>` +
      `<text x="${W - R + 36}" y="${legendY}" font-size="13">${NAMES[r.variant]} ${(100 * r.accuracy.at(-1)).toFixed(2)}%</text>`;
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif">` +
    `<rect width="100%" height="100%" fill="white"/>` +
    `<text x="${W / 2}" y="22" text-anchor="middle" font-size="15">${title}</text>` +
    grid.join('') +
    `<text x="${(L + W - R) / 2}" y="${H - 12}" text-anchor="middle" font-size="12">epoch</text>` +
    `<text x="16" y="${(T + H - B) / 2}" font-size="12" transform="rotate(-90 16 ${(T + H - B) / 2})" text-anchor="middle">test accuracy</text>` +
    lines.join('') + '</svg>\n';
}
