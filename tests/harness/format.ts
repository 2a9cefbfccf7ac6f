/** Short, readable rendering of values for assertion messages (typed arrays are truncated). */
export function formatValue(value: unknown, depth = 0): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'function') return value.name ? `[Function ${value.name}]` : '[Function]';
  if (value === null || typeof value !== 'object') return String(value);
  if (value instanceof Error) return `${value.name}: ${value.message}`;
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) {
    const items = Array.from(value as unknown as ArrayLike<number>);
    const shown = items.slice(0, 8).map((v) => formatValue(v)).join(', ');
    return `${value.constructor.name}(${items.length}) [${shown}${items.length > 8 ? ', …' : ''}]`;
  }
  if (depth > 2) return Array.isArray(value) ? '[…]' : '{…}';
  if (Array.isArray(value)) {
    const shown = value.slice(0, 10).map((v) => formatValue(v, depth + 1)).join(', ');
    return `[${shown}${value.length > 10 ? ', …' : ''}]`;
  }
  const entries = Object.entries(value as Record<string, unknown>).slice(0, 10);
  const name = value.constructor && value.constructor !== Object ? `${value.constructor.name} ` : '';
  return `${name}{ ${entries.map(([k, v]) => `${k}: ${formatValue(v, depth + 1)}`).join(', ')} }`;
}
