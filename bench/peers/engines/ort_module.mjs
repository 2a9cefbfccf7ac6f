// ONNX Runtime Web as installed in bench/peers/node_modules, for scripts outside bench/peers/ (bench/nets/),
// which Node's resolution from their own directory would not find.
import * as ort from 'onnxruntime-web';

export { ort };
