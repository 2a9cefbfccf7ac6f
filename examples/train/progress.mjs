// A live progress line in a terminal (rewritten in place, at most ~10 times a second); plain lines,
// one every `everyMs`, when stdout is a file or a pipe (CI logs stay readable).
export function progress({ everyMs = 15_000, stream = process.stdout } = {}) {
  const tty = stream.isTTY === true;
  let last = 0;
  let shown = false;
  return {
    update(text) {
      const now = Date.now();
      if (tty) {
        if (now - last < 100) return;
        stream.write(`\r${text.slice(0, (stream.columns ?? 120) - 1).padEnd(Math.min(stream.columns ?? 120, 120) - 1)}`);
        shown = true;
      } else {
        if (now - last < everyMs) return;
        stream.write(`${text}\n`);
      }
      last = now;
    },
    /** Ends the live line (if any) and prints `text` as a permanent line. */
    line(text) {
      if (tty && shown) stream.write(`\r${''.padEnd(Math.min(stream.columns ?? 120, 120) - 1)}\r`);
      shown = false;
      stream.write(`${text}\n`);
      last = 0;
    },
  };
}

export const formatDuration = (seconds) => {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.round(seconds);
  return s >= 3600 ? `${Math.floor(s / 3600)}h${String(Math.floor(s / 60) % 60).padStart(2, '0')}m`
    : s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
};
