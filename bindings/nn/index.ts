/** The module tree (torch.nn-shaped): containers, layers, and their shared Module base. */
export { Module, StateDictLoadError } from './module';
export type { ModuleBackend, ParameterEntry, StateDict, StateTensor, LoadStateDictOptions, StateDictProblems } from './module';
export { Sequential } from './container';
export { Conv2d } from './conv';
export type { Conv2dModuleOptions } from './conv';
export { Linear } from './linear';
export type { LinearModuleOptions } from './linear';
export { BatchNorm, BatchNorm1d, BatchNorm2d } from './batchnorm';
export type { BatchNormModuleOptions } from './batchnorm';
export { ReLU, ReLU6, Hardsigmoid, Sigmoid } from './activation';
export { MaxPool2d, AvgPool2d, AdaptiveAvgPool2d } from './pooling';
export { Flatten, Identity, Dropout } from './shape';
export { DynamicConv2d } from './dynamic_conv2d';
export type { DynamicConv2dLayerOptions } from './dynamic_conv2d';
export { DCDConv2d, DCDBasicConv2d, DYModule, DYCls, DcdLayer } from './dcd';
export { calibrateBatchNorm } from './calibrate';
export type { DcdBackend } from './dcd';
