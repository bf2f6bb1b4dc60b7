export * from './commands';
export * from './profiles';
export * from './layout';
export * from './encode';
export * from './escpos-parser';
export * from './status';
export * from './text-raster';
export * from './printer';
