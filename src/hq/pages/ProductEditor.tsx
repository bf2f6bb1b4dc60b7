import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { isValidGtin } from '../../core/barcode';
import { ApiError, errorText, type ChangeReply, type ProductRow, type StoreRow } from '../api';
import { fmt, parsePrice, priceProblem, toInput } from '../money';
import { Notice, useSession } from '../ui';

// One product edited from the console: name, category, tax category, barcodes (each checked
// with core's GS1 check digit as it is typed), active, and optionally its price for all stores,
// chosen stores or store groups. The hub keeps a version per save (the form sends the version
// it started from, so a save over someone else's is refused) and sends the change to the
// registers like a price book (PATCH /api/products/:sku).

export interface TargetPick {
  mode: 'all' | 'stores' | 'groups';
  stores: string[];
  groups: string[];
}
/** The API's target for a pick: all stores, the groups (resolved when published), or the stores named. */
export function toTarget(p: TargetPick): { all: true } | { groups: string[] } | { store_ids: string[] } {
  if (p.mode === 'all') return { all: true };
  if (p.mode === 'groups') return { groups: p.groups };
  return { store_ids: p.stores };
}
/** The stores a pick names now (groups resolved with the stores' current groups). */
export function resolveStores(p: TargetPick, stores: StoreRow[]): string[] {
  if (p.mode === 'all') return stores.map((s) => s.store_id);
  if (p.mode === 'groups') return stores.filter((s) => s.groups.some((g) => p.groups.includes(g))).map((s) => s.store_id);
  return p.stores;
}
export const pickEmpty = (p: TargetPick) => (p.mode === 'stores' ? p.stores.length === 0 : p.mode === 'groups' ? p.groups.length === 0 : false);

/** All stores, a set of stores, or store groups (admins and HQ); a store manager picks among their stores. */
export function TargetPicker(props: { value: TargetPick; onChange(v: TargetPick): void; name: string }) {
  const { t } = useTranslation();
  const { stores, me } = useSession();
  const chainWide = me.role === 'admin' || me.role === 'hq';
  const groups = [...new Set(stores.flatMap((s) => s.groups))].sort();
  const v = props.value;
  const toggle = (xs: string[], x: string, on: boolean) => (on ? [...xs, x] : xs.filter((y) => y !== x));
  return (
    <fieldset className="targets" data-testid={props.name}>
      <legend>{t('products.publishTo')}</legend>
      {chainWide ? (
        <div className="modes">
          {(['all', 'stores', 'groups'] as const).map((m) => (
            <label key={m} className="check">
              <input type="radio" name={`${props.name}-mode`} checked={v.mode === m} onChange={() => props.onChange({ ...v, mode: m })} data-testid={`${props.name}-mode-${m}`} />
              {t(`product.mode_${m}`)}
            </label>
          ))}
        </div>
      ) : null}
      {v.mode === 'stores' || !chainWide
        ? stores.map((s) => (
            <label key={s.store_id} className="check">
              <input type="checkbox" checked={v.stores.includes(s.store_id)} onChange={(e) => props.onChange({ ...v, mode: 'stores', stores: toggle(v.stores, s.store_id, e.target.checked) })} data-testid={`${props.name}-${s.store_id}`} />
              {s.name} <span className="muted">({s.currency})</span>
            </label>
          ))
        : null}
      {v.mode === 'groups' && chainWide
        ? groups.map((g) => (
            <label key={g} className="check">
              <input type="checkbox" checked={v.groups.includes(g)} onChange={(e) => props.onChange({ ...v, groups: toggle(v.groups, g, e.target.checked) })} data-testid={`${props.name}-group-${g}`} />
              <span className="tag">{g}</span>
              <span className="muted small">{stores.filter((s) => s.groups.includes(g)).map((s) => s.name).join(', ')}</span>
            </label>
          ))
        : null}
    </fieldset>
  );
}

type Msg = { kind: 'ok' | 'error'; text: string; field?: string } | null;

export function ProductEditor(props: { product: ProductRow; currency: string; onDone(r: ChangeReply): void; onCancel(): void }) {
  const { t } = useTranslation();
  const { api } = useSession();
  const p = props.product;
  const [name, setName] = useState(p.name);
  const [category, setCategory] = useState(p.category);
  const [taxCategory, setTaxCategory] = useState(p.tax_category);
  const [codes, setCodes] = useState(p.gtins.join('\n'));
  const [active, setActive] = useState(p.active);
  const [priceText, setPriceText] = useState('');
  const [target, setTarget] = useState<TargetPick>({ mode: 'all', stores: [], groups: [] });
  const [msg, setMsg] = useState<Msg>(null);
  const [busy, setBusy] = useState(false);
  const gtins = codes.split(/[\s,]+/).map((c) => c.trim()).filter(Boolean);
  const badCode = gtins.find((c) => !/^\d{8}$|^\d{12,14}$/.test(c) || !isValidGtin(c));
  const price = priceText.trim() ? parsePrice(priceText, props.currency) : null;
  const bad = (f: string) => (msg?.kind === 'error' && msg.field !== undefined && (msg.field === f || msg.field.startsWith(`${f}.`)) ? true : undefined);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setMsg(null);
    if (badCode) return setMsg({ kind: 'error', text: t('product.badBarcode', { code: badCode }), field: 'gtins' });
    if (price && !price.ok) return setMsg({ kind: 'error', text: priceProblem(price), field: 'price' });
    const body: Record<string, unknown> = { expected_version: p.version };
    if (name.trim() !== p.name) body.name = name.trim();
    if (category.trim() !== p.category) body.category = category.trim();
    if (taxCategory.trim() !== p.tax_category) body.tax_category = taxCategory.trim();
    if (gtins.join(',') !== p.gtins.join(',')) body.gtins = gtins;
    if (active !== p.active) body.active = active;
    if (price?.ok) {
      if (pickEmpty(target)) return setMsg({ kind: 'error', text: t('product.chooseTarget'), field: 'price.target' });
      body.price = { amount: price.amount, target: toTarget(target) };
    }
    if (Object.keys(body).length === 1) return setMsg({ kind: 'ok', text: t('product.unchanged') });
    setBusy(true);
    try {
      const r = await api.patch<{ version: number; stores: string[]; changes: ChangeReply['changes'] }>(`/api/products/${encodeURIComponent(p.sku)}`, body);
      props.onDone({ stores: r.stores, scheduled: null, changes: r.changes });
    } catch (err) {
      setMsg({ kind: 'error', text: errorText(err), field: err instanceof ApiError ? err.field : undefined });
      setBusy(false);
    }
  };
  return (
    <form className="card" onSubmit={submit} aria-labelledby="product-edit-h" data-testid="product-editor">
      <h2 id="product-edit-h">{t('product.editTitle', { sku: p.sku })}</h2>
      <p className="muted small">{t('product.versionNote', { version: p.version })}</p>
      <label className="field">
        <span>{t('product.name')}</span>
        <input value={name} onChange={(e) => setName(e.target.value)} required maxLength={120} aria-invalid={bad('name')} data-testid="product-name" />
      </label>
      <div className="row gap">
        <label className="field grow">
          <span>{t('product.category')}</span>
          <input value={category} onChange={(e) => setCategory(e.target.value)} required aria-invalid={bad('category')} data-testid="product-category" />
        </label>
        <label className="field grow">
          <span>{t('product.taxCategory')}</span>
          <input value={taxCategory} onChange={(e) => setTaxCategory(e.target.value)} required aria-invalid={bad('tax_category')} data-testid="product-tax-category" />
        </label>
      </div>
      <label className="field">
        <span>{t('product.barcodes')}</span>
        <textarea
          value={codes}
          onChange={(e) => {
            setCodes(e.target.value);
            if (msg?.field?.startsWith('gtins')) setMsg(null);
          }}
          rows={2}
          aria-invalid={badCode || bad('gtins') ? true : undefined}
          data-testid="product-gtins"
        />
      </label>
      <div className="muted small" aria-live="polite" data-testid="product-gtins-check">
        {badCode ? t('product.badBarcode', { code: badCode }) : gtins.length ? t('product.barcodesOk', { count: gtins.length }) : t('product.noBarcodes')}
      </div>
      <label className="check">
        <input type="checkbox" checked={active} onChange={(e) => setActive(e.target.checked)} data-testid="product-active" />
        {t('product.active')}
      </label>
      <label className="field">
        <span>{t('product.newPrice', { currency: props.currency })}</span>
        <input inputMode="decimal" value={priceText} onChange={(e) => setPriceText(e.target.value)} placeholder={p.price ? toInput(p.price.amount, props.currency) : ''} aria-invalid={price && !price.ok ? true : bad('price')} data-testid="product-price-input" />
      </label>
      {price ? <div className="muted small">{price.ok ? `= ${fmt(price.amount, props.currency)}` : priceProblem(price)}</div> : null}
      {price?.ok ? <TargetPicker value={target} onChange={setTarget} name="product-target" /> : null}
      {msg ? (
        <Notice kind={msg.kind} testId="product-msg">
          {msg.text}
        </Notice>
      ) : null}
      <div className="row gap">
        <button className="btn btn-primary" type="submit" disabled={busy} data-testid="product-save">
          {t('product.save')}
        </button>
        <button className="btn" type="button" onClick={props.onCancel}>
          {t('common.cancel')}
        </button>
      </div>
    </form>
  );
}
