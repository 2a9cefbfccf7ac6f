/** Whole networks with PyTorch state-dict names: ResNets and MobileNetV2, static / DCD / DY-Conv. */
export {
  ResNet, BasicBlock, Bottleneck,
  resnet18, resnet34, resnet50, resnet101, resnet152,
  resnet18_dcd, resnet34_dcd, resnet50_dcd, resnet101_dcd, resnet152_dcd,
  resnet18_dy, resnet34_dy, resnet50_dy, resnet101_dy, resnet152_dy,
} from './resnet';
export { MobileNetV2, InvertedResidual, mobilenet_v2, mobilenetv2_dcd, mobilenetv2_dy, makeDivisible } from './mobilenetv2';
export type { MobileNetV2Options, MobileNetV2DyOptions } from './mobilenetv2';
export { ResidualBlock } from './blocks';
export { setTemperature } from './common';
export type { ConvFlavour, NetBackend, NetworkOptions, DyNetworkOptions } from './common';
export { SmallCnn, SmallCnnBlock, smallCnn } from './small_cnn';
export type { SmallCnnOptions } from './small_cnn';
