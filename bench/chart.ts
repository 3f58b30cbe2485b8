// A horizontal bar chart as SVG text, generated from a run's results (never drawn by hand).

export interface Bar {
  label: string;
  value: number;
  text: string;
}

const escape = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');

/** Bars on a logarithmic axis, so a 1,000× spread stays readable; each bar is labelled with its value. */
export function barChart(title: string, unit: string, bars: Bar[]): string {
  const width = 760,
    left = 130,
    right = 220,
    rowHeight = 34,
    top = 48;
  const height = top + bars.length * rowHeight + 36;
  const max = Math.max(...bars.map((b) => b.value)),
    min = Math.min(...bars.map((b) => b.value));
  const lo = Math.pow(10, Math.floor(Math.log10(min))),
    hi = Math.pow(10, Math.ceil(Math.log10(max)));
  const x = (v: number): number =>
    left + ((Math.log10(v) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo))) * (width - left - right);
  const ticks: string[] = [];
  for (let v = lo; v <= hi * 1.0001; v *= 10) {
    ticks.push(
      `<line x1="${x(v)}" y1="${top - 6}" x2="${x(v)}" y2="${height - 30}" stroke="#ddd"/>`,
      `<text x="${x(v)}" y="${height - 14}" text-anchor="middle" font-size="11" fill="#666">${v.toExponential(0)}</text>`,
    );
  }
  const rows = bars.map((b, i) => {
    const y = top + i * rowHeight;
    const colour = b.label.startsWith('wasm') ? '#2f6fd6' : b.label === 'js' ? '#7a7a7a' : '#d9822b';
    return (
      `<text x="${left - 8}" y="${y + 19}" text-anchor="end" font-size="13">${escape(b.label)}</text>` +
      `<rect x="${left}" y="${y + 6}" width="${Math.max(1, x(b.value) - left)}" height="${rowHeight - 12}" fill="${colour}"/>` +
      `<text x="${x(b.value) + 6}" y="${y + 19}" font-size="12">${escape(b.text)}</text>`
    );
  });
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${left}" y="24" font-size="15" font-weight="bold">${escape(title)}</text>`,
    `<text x="${width - 10}" y="${height - 14}" text-anchor="end" font-size="11" fill="#666">${escape(unit)} (log scale)</text>`,
    ...ticks,
    ...rows,
    '</svg>',
    '',
  ].join('\n');
}
