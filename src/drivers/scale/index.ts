export { Scale8217, type WeightReading, type Scale8217Options, type ReadWeightOptions } from './scale';
export { scaleSettingsSchema, scaleSettingsShape, createScale, type ScaleSettings } from './config';
export type { ScaleStatusBits } from './codec';
