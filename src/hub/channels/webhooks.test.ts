import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyChain, type JournalEvent } from '../../core/protocol';
import { openTestDb, testBackends, type TestDb } from '../testing/test-db';
import { api, startTestHub } from '../testing/hub-fixture';
import { createTestChannel, fixture, postWebhook, seedChannelStore } from '../testing/channel-fixture';
import { trialBalance } from '../ledger-queries';
import type { HubHandle } from '../server';

// Shopify and WooCommerce webhooks with payloads shaped as the platforms document them
// (src/hub/channels/fixtures): several lines, discounts, shipping, tax, a partial refund, a
// cancellation; each posted with a valid signature, then again (the platform's retry), then
// with a bad signature. Applied once, the ledger balanced, stock moved once.

const SHOP = 'web-shopify';
const WOO = 'web-woo';

describe.each(testBackends())('shop platform webhooks on $name', (backend) => {
  let t: TestDb;
  let hub: HubHandle;
  let shopSecret: string;
  let wooSecret: string;

  beforeAll(async () => {
    t = await openTestDb(backend);
    await seedChannelStore(t.db, 'S', {
      rate_ppm: 60_000,
      jurisdiction: 'US-NY',
      products: [
        { sku: 'IPOD2008GREEN', name: 'IPod Nano - 8gb green' },
        { sku: 'IPOD2008RED', name: 'IPod Nano - 8gb red' },
        { sku: 'IPOD2008BLACK', name: 'IPod Nano - 8gb black' },
      ],
      stock: { IPOD2008GREEN: 5, IPOD2008RED: 5, IPOD2008BLACK: 5 },
    });
    await seedChannelStore(t.db, 'W', {
      rate_ppm: 75_000,
      jurisdiction: 'US-CA',
      products: [
        { sku: 'WOO-SINGLE-1', name: 'Woo Single #1' },
        { sku: 'SHIRT-IDEA-BLACK-M', name: 'Ship Your Idea, black, M', category: 'apparel' },
      ],
      stock: { 'WOO-SINGLE-1': 10, 'SHIRT-IDEA-BLACK-M': 10 },
    });
    hub = await startTestHub(t.db);
    shopSecret = (await createTestChannel(hub, { channel_id: SHOP, store_id: 'S', kind: 'shopify', name: 'Shopify web shop', processor_map: { bogus: 'stripe' }, webhook_secret: 'shpss_0123456789abcdef0123456789abcdef' })).webhook_secret;
    wooSecret = (await createTestChannel(hub, { channel_id: WOO, store_id: 'W', kind: 'woocommerce', name: 'WooCommerce shop', sku_map: { '93': 'WOO-SINGLE-1', Bar3: 'SHIRT-IDEA-BLACK-M' }, default_processor: 'stripe' })).webhook_secret;
  }, 120_000);
  afterAll(async () => {
    await hub?.close();
    await t?.dispose();
  });

  const level = async (store: string, sku: string) =>
    Number((await t.db.query<{ on_hand: string }>(`SELECT on_hand::text AS on_hand FROM stock_levels WHERE store_id = $1 AND sku = $2`, [store, sku])).rows[0]?.on_hand);
  const events = async (terminal: string) =>
    (await t.db.query<JournalEvent & { seq: number }>(`SELECT terminal_id, store_id, seq::int AS seq, event_id::text AS event_id, type, occurred_at, payload, prev_hash, hash, 1 AS version FROM journal_events WHERE terminal_id = $1 ORDER BY seq`, [terminal])).rows;

  it('Shopify: an order with three lines, a discount code, shipping and tax; retried; a bad signature; a partial refund; a cancellation', { timeout: 120_000 }, async () => {
    const order = fixture('shopify-orders-create.json');
    const first = await postWebhook(hub, 'shopify', SHOP, order, { secret: shopSecret, topic: 'orders/create', id: 'b54557e4-1001-create' });
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    expect(first.body).toMatchObject({ status: 'applied', repeated: false, result: { operations: [{ op: 'order', order_ref: '450789469', status: 'applied', events: [{ seq: 1, type: 'sale.completed' }] }], tax_differences: [] } });

    // Shopify retries with the same X-Shopify-Webhook-Id: the original result, nothing applied again.
    const retry = await postWebhook(hub, 'shopify', SHOP, order, { secret: shopSecret, topic: 'orders/create', id: 'b54557e4-1001-create' });
    expect(retry.status).toBe(200);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(retry.body).toMatchObject({ delivery_id: first.body.delivery_id, status: 'applied', repeated: true });

    // The same order under another webhook id (orders/updated) is recognised by the order id.
    const updated = await postWebhook(hub, 'shopify', SHOP, order, { secret: shopSecret, topic: 'orders/updated', id: 'b54557e4-1001-updated' });
    expect(updated.body).toMatchObject({ status: 'duplicate' });

    // A wrong signature, and none at all: refused, logged without the body, nothing applied.
    const forged = await postWebhook(hub, 'shopify', SHOP, order.replace('"199.00"', '"1.00"'), { secret: shopSecret, topic: 'orders/create', id: 'forged-1', signature: Buffer.from('x'.repeat(32)).toString('base64') });
    expect(forged.status).toBe(401);
    expect(forged.body.error.code).toBe('BAD_SIGNATURE');
    const unsigned = await postWebhook(hub, 'shopify', SHOP, order, { secret: shopSecret, topic: 'orders/create', id: 'unsigned-1', signature: null });
    expect(unsigned.status).toBe(401);
    expect(unsigned.body.error.message).toMatch(/missing X-Shopify-Hmac-Sha256/);
    const wrongKey = await postWebhook(hub, 'shopify', SHOP, order, { secret: 'another-shops-secret-0123456789', topic: 'orders/create', id: 'other-1' });
    expect(wrongKey.status).toBe(401);

    const sale = (await events(SHOP))[0]!;
    expect(sale.type).toBe('sale.completed');
    const p = sale.payload as { lines: Array<{ sku: string; quantity: { units: number }; discounts: unknown[]; taxes: Array<{ code: string; amount: number }>; stock?: boolean }>; totals: { total: number; discount_total: number; tax_total: number }; tenders: Array<{ processor: string; amount: number }> };
    expect(p.lines.map((l) => [l.sku, l.quantity.units])).toEqual([['IPOD2008GREEN', 1], ['IPOD2008RED', 1], ['IPOD2008BLACK', 2], ['SHIPPING', 1]]);
    expect(p.lines[3]!.stock).toBe(false);
    expect(p.totals).toMatchObject({ total: 84376, discount_total: 1000, tax_total: 4776 });
    expect(p.lines[0]!.taxes[0]).toMatchObject({ code: 'US-NY-STATE', amount: 1174 });
    expect(p.tenders).toEqual([expect.objectContaining({ kind: 'card', processor: 'stripe', amount: 84376, terminal_ref: '450789469' })]);
    expect([await level('S', 'IPOD2008GREEN'), await level('S', 'IPOD2008RED'), await level('S', 'IPOD2008BLACK')]).toEqual([4, 4, 3]);
    expect((await t.db.query(`SELECT 1 FROM stock_levels WHERE sku = 'SHIPPING'`)).rows).toEqual([]);

    // A partial refund (one of the two black ones), retried.
    const refund = fixture('shopify-refunds-create.json');
    const r1 = await postWebhook(hub, 'shopify', SHOP, refund, { secret: shopSecret, topic: 'refunds/create', id: 'b54557e4-1001-refund' });
    expect(r1.status, JSON.stringify(r1.body)).toBe(200);
    expect(r1.body.result.operations[0]).toMatchObject({ op: 'refund', status: 'applied', events: [{ seq: 2, type: 'sale.refunded' }] });
    const r2 = await postWebhook(hub, 'shopify', SHOP, refund, { secret: shopSecret, topic: 'refunds/create', id: 'b54557e4-1001-refund' });
    expect(r2.body).toMatchObject({ repeated: true, delivery_id: r1.body.delivery_id });
    const refunded = (await events(SHOP))[1]!.payload as { totals: { total: number }; lines: Array<{ original_line_id: string; quantity: { units: number } }>; tenders: Array<{ processor: string; amount: number }> };
    expect(refunded.totals.total).toBe(20918); // 197.34 + 11.84 tax, as Shopify's refund transaction
    expect(refunded.lines).toEqual([expect.objectContaining({ original_line_id: 'L3', quantity: { units: 1, scale: 0 } })]);
    expect(refunded.tenders).toEqual([expect.objectContaining({ kind: 'card', processor: 'stripe', amount: 20918 })]);
    expect(await level('S', 'IPOD2008BLACK')).toBe(4);

    // A second order, then its cancellation: a post-void that puts the goods back.
    const o2 = await postWebhook(hub, 'shopify', SHOP, fixture('shopify-orders-create-1002.json'), { secret: shopSecret, topic: 'orders/create', id: 'b54557e4-1002-create' });
    expect(o2.body.status).toBe('applied');
    expect(await level('S', 'IPOD2008GREEN')).toBe(3);
    const cancel = fixture('shopify-orders-cancelled-1002.json');
    const c1 = await postWebhook(hub, 'shopify', SHOP, cancel, { secret: shopSecret, topic: 'orders/cancelled', id: 'b54557e4-1002-cancel' });
    expect(c1.body.result.operations[0]).toMatchObject({ op: 'cancel', status: 'applied', events: [{ seq: 4, type: 'sale.post_voided' }] });
    const c2 = await postWebhook(hub, 'shopify', SHOP, cancel, { secret: shopSecret, topic: 'orders/cancelled', id: 'b54557e4-1002-cancel' });
    expect(c2.body.repeated).toBe(true);
    expect(await level('S', 'IPOD2008GREEN')).toBe(4);

    // One gap-free hash chain for the channel's virtual terminal, as a register's.
    const chain = await events(SHOP);
    expect(chain.map((e) => [e.seq, e.type])).toEqual([[1, 'sale.completed'], [2, 'sale.refunded'], [3, 'sale.completed'], [4, 'sale.post_voided']]);
    expect(verifyChain(chain.map((e) => ({ ...e, occurred_at: new Date(e.occurred_at).toISOString().replace('.000Z', '.000Z') })))).toBe(null);

    const tb = await trialBalance(t.db);
    expect(tb.balanced).toBe(true);
    const card = tb.rows.find((r) => r.account === '1110')!;
    expect(card.debit - card.credit).toBe(84376 - 20918);
    const taxNy = tb.rows.find((r) => r.account === '2210')!;
    expect(taxNy.credit - taxNy.debit).toBe(4776 - 1184);

    const log = await api(hub, 'GET', `/api/channels/${SHOP}/deliveries?limit=50`);
    expect(log.status).toBe(200);
    const statuses = log.body.deliveries.map((d: { status: string; code: string | null }) => `${d.status}${d.code ? `:${d.code}` : ''}`);
    expect(statuses.filter((s: string) => s === 'refused:BAD_SIGNATURE')).toHaveLength(3);
    expect(statuses.filter((s: string) => s === 'applied')).toHaveLength(4);
    const bad = log.body.deliveries.find((d: { code: string | null }) => d.code === 'BAD_SIGNATURE');
    expect(bad).toMatchObject({ delivery_key: null, replayable: false, events: [] });
    // Each applied delivery names the journal events it wrote (the console opens them in the sales explorer).
    const firstLogged = log.body.deliveries.find((d: { delivery_id: number }) => d.delivery_id === first.body.delivery_id);
    expect(firstLogged.events).toEqual([{ event_id: sale.event_id, type: 'sale.completed' }]);
    // The channel list shows the newest delivery.
    const listed = (await api(hub, 'GET', '/api/channels')).body.channels.find((c: { channel_id: string }) => c.channel_id === SHOP);
    expect(listed.last_delivery).toMatchObject({ delivery_id: log.body.deliveries[0].delivery_id, status: log.body.deliveries[0].status });
  });

  it('Shopify: a tax line that is not its rate of the line is refused whole and kept for a person', { timeout: 60_000 }, async () => {
    const before = (await events(SHOP)).length;
    const doc = JSON.parse(fixture('shopify-orders-create.json'));
    doc.id = 450789499;
    doc.line_items[0].tax_lines[0].price = '3.98'; // 2% of the line where the rate says 6%
    doc.total_price = '836.00';
    const raw = JSON.stringify(doc);
    const r = await postWebhook(hub, 'shopify', SHOP, raw, { secret: shopSecret, topic: 'orders/create', id: 'bad-tax-1' });
    expect(r.status).toBe(422);
    expect(r.body.error.code).toBe('INVALID_ORDER');
    expect(r.body.error.message).toMatch(/tax US-NY-STATE amount 398 is not 60000 ppm/);
    expect((await events(SHOP)).length).toBe(before);
    const d = await api(hub, 'GET', `/api/channels/${SHOP}/deliveries/${r.body.delivery_id}`);
    expect(d.body).toMatchObject({ status: 'refused', code: 'INVALID_ORDER', replayable: true });
    expect(d.body.raw_body).toBe(raw);
  });

  it('WooCommerce: an unpaid order is held, its payment books it, its cancellation reverses it; retries and a bad signature change nothing', { timeout: 120_000 }, async () => {
    const pending = await postWebhook(hub, 'woocommerce', WOO, fixture('woocommerce-order-created-pending.json'), { secret: wooSecret, topic: 'order.created', id: 'wc-delivery-1' });
    expect(pending.status, JSON.stringify(pending.body)).toBe(202);
    expect(pending.body).toMatchObject({ status: 'held', code: 'AWAITING_PAYMENT' });
    expect(await level('W', 'WOO-SINGLE-1')).toBe(10);

    const processing = fixture('woocommerce-order-updated-processing.json');
    const paid = await postWebhook(hub, 'woocommerce', WOO, processing, { secret: wooSecret, topic: 'order.updated', id: 'wc-delivery-2' });
    expect(paid.status, JSON.stringify(paid.body)).toBe(200);
    expect(paid.body.result.operations[0]).toMatchObject({ op: 'order', status: 'applied', events: [{ seq: 1, type: 'sale.completed' }] });
    const again = await postWebhook(hub, 'woocommerce', WOO, processing, { secret: wooSecret, topic: 'order.updated', id: 'wc-delivery-2' });
    expect(again.body).toMatchObject({ repeated: true });
    const forged = await postWebhook(hub, 'woocommerce', WOO, processing, { secret: wooSecret, topic: 'order.updated', id: 'wc-delivery-x', signature: 'AAAA' });
    expect(forged.status).toBe(401);
    expect(await level('W', 'WOO-SINGLE-1')).toBe(8);
    expect(await level('W', 'SHIRT-IDEA-BLACK-M')).toBe(9);
    const first = await api(hub, 'GET', `/api/channels/${WOO}/deliveries/${pending.body.delivery_id}`);
    expect(first.body).toMatchObject({ status: 'applied' });

    const sale = (await events(WOO))[0]!.payload as { totals: { total: number; tax_total: number }; lines: Array<{ sku: string; taxes: Array<{ code: string }> }> };
    expect(sale.totals).toMatchObject({ total: 2935, tax_total: 135 });
    expect(sale.lines.map((l) => l.sku)).toEqual(['WOO-SINGLE-1', 'SHIRT-IDEA-BLACK-M', 'SHIPPING']);
    expect(sale.lines[0]!.taxes[0]!.code).toBe('US-CA-STATE');

    const cancelled = await postWebhook(hub, 'woocommerce', WOO, fixture('woocommerce-order-updated-cancelled.json'), { secret: wooSecret, topic: 'order.updated', id: 'wc-delivery-3' });
    expect(cancelled.status, JSON.stringify(cancelled.body)).toBe(200);
    expect(cancelled.body.result.operations.map((o: { op: string; status: string }) => `${o.op}:${o.status}`)).toEqual(['order:duplicate', 'cancel:applied']);
    expect(await level('W', 'WOO-SINGLE-1')).toBe(10);
    expect((await trialBalance(t.db)).balanced).toBe(true);
  });

  it('WooCommerce: a payload shape it does not know and an unmapped product are refused whole, kept, and replayed once fixed', { timeout: 120_000 }, async () => {
    const before = (await events(WOO)).length;
    const odd = JSON.parse(fixture('woocommerce-order-updated-processing.json'));
    odd.id = 800;
    odd.line_items[0].quantity = 'two';
    const shape = await postWebhook(hub, 'woocommerce', WOO, JSON.stringify(odd), { secret: wooSecret, topic: 'order.created', id: 'wc-odd-1' });
    expect(shape.status).toBe(422);
    expect(shape.body.error.code).toBe('UNKNOWN_SHAPE');
    expect(shape.body.error.message).toMatch(/line_items\.0\.quantity/);

    const unmapped = JSON.parse(fixture('woocommerce-order-updated-processing.json'));
    unmapped.id = 801;
    unmapped.line_items[0].product_id = 94;
    const raw = JSON.stringify(unmapped);
    const r = await postWebhook(hub, 'woocommerce', WOO, raw, { secret: wooSecret, topic: 'order.created', id: 'wc-unmapped-1' });
    expect(r.status).toBe(422);
    expect(r.body.error.code).toBe('UNKNOWN_SKU');
    expect((await events(WOO)).length).toBe(before);
    // The platform retries: the same refusal, still nothing applied.
    const retry = await postWebhook(hub, 'woocommerce', WOO, raw, { secret: wooSecret, topic: 'order.created', id: 'wc-unmapped-1' });
    expect(retry.status).toBe(422);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');

    // A person maps the product and replays the delivery.
    const patch = await api(hub, 'PATCH', `/api/channels/${WOO}`, { sku_map: { '93': 'WOO-SINGLE-1', '94': 'WOO-SINGLE-1', Bar3: 'SHIRT-IDEA-BLACK-M' } });
    expect(patch.status).toBe(200);
    const replay = await api(hub, 'POST', `/api/channels/${WOO}/deliveries/${r.body.delivery_id}/replay`);
    expect(replay.status, JSON.stringify(replay.body)).toBe(200);
    expect(replay.body).toMatchObject({ delivery_id: r.body.delivery_id, status: 'applied' });
    const twice = await api(hub, 'POST', `/api/channels/${WOO}/deliveries/${r.body.delivery_id}/replay`);
    expect(twice.status).toBe(409);
    expect((await events(WOO)).length).toBe(before + 1);
    const d = await api(hub, 'GET', `/api/channels/${WOO}/deliveries/${r.body.delivery_id}`);
    expect(d.body).toMatchObject({ status: 'applied', attempts: 2 });
    expect((await trialBalance(t.db)).balanced).toBe(true);
  });
});
