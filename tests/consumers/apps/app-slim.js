import * as dcd from 'dcd-wasm/slim';
import { checkDcd, wasmNextToPage } from './dcd-check.js';

window.__result = checkDcd(dcd, { wasm: wasmNextToPage }).catch((e) => ({ error: String(e?.stack ?? e) }));
