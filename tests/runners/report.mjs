/** Prints a run summary the same way for every runtime; returns the process exit code. */
export function report(runtime, summary) {
  for (const f of summary.failures) {
    console.log(`\nFAIL ${f.name}\n${indent(f.error ?? '(no message)')}`);
  }
  if (summary.passed + summary.failed === 0) console.log(`\n${runtime}: no tests ran`);
  if (summary.skipped) console.log(`${runtime}: ${summary.skipped} skipped`);
  console.log(`${runtime}: ${summary.passed} passed, ${summary.failed} failed`);
  return summary.failed === 0 && summary.passed > 0 ? 0 : 1;
}

function indent(text) {
  return text.split('\n').map((l) => `    ${l}`).join('\n');
}
