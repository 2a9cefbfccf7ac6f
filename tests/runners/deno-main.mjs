/** Runs inside Deno: executes the bundled suites and exits with the report's code. */
import { run } from '../../build/tests/suite.mjs';
import { report } from './report.mjs';

const summary = await run();
Deno.exit(report('Deno', summary));
