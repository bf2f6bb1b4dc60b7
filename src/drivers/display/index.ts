export { CustomerDisplay, type CustomerDisplayOptions } from './display';
export { displaySettingsSchema, displaySettingsShape, createDisplay, type DisplaySettings } from './config';
export type { DisplayCodePage } from './codepages';
