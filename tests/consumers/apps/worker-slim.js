// A module Web Worker running the slim entry; the page (app-worker.js) waits for its one message.
import * as dcd from 'dcd-wasm/slim';
import { checkDcd, wasmNextToPage } from './dcd-check.js';

checkDcd(dcd, { wasm: wasmNextToPage }).then((r) => postMessage(r), (e) => postMessage({ error: String(e?.stack ?? e) }));
