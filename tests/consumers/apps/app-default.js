import * as dcd from 'dcd-wasm';
import { checkDcd } from './dcd-check.js';

window.__result = checkDcd(dcd, {}).catch((e) => ({ error: String(e?.stack ?? e) }));
