import type { PlatformAdapter } from './common';
import { shopifyAdapter } from './shopify';
import { wooCommerceAdapter } from './woocommerce';

// One adapter per shop platform; a new platform is a new file here and one line below
// (docs/channels.md, "Adding an adapter").
export const ADAPTERS: Readonly<Record<PlatformAdapter['kind'], PlatformAdapter>> = {
  shopify: shopifyAdapter,
  woocommerce: wooCommerceAdapter,
};

export type { PlatformAdapter, WebhookRequest } from './common';
export { signBase64 } from './common';
