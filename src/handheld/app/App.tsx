import { useCallback, useEffect, useRef, useState, type FormEvent } from 'react';
import QRCode from 'qrcode';
import type { SaleView } from '../../core/register-api';
import type { ReceiptDocument } from '../../core/receipt';
import type { DeviceView, LinkView } from '../messages';
import { HandheldError, RegisterWorker } from './register-worker';
import { decodeImage, startCameraScan, type CameraScan } from './camera';

// The handheld's screens at phone size: enroll (one-time code typed or scanned from the HQ
// console's QR), sign in, open the shift, sell (type or scan codes), take payment (cash, or a
// card taken on a separate terminal), and the receipt as a QR code and an e-mail link. The
// status bar always shows the link and the queue of unsynced sales (count and age).

type Storage = 'asking' | 'persistent' | 'refused' | 'unsupported';

function money(m: { amount: number; currency: string }): string {
  try {
    return new Intl.NumberFormat('en-US', { style: 'currency', currency: m.currency }).format(m.amount / 100);
  } catch {
    return `${(m.amount / 100).toFixed(2)} ${m.currency}`;
  }
}

function age(iso: string | null, now: number): string {
  if (!iso) return '';
  const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

function errText(err: unknown): string {
  return err instanceof HandheldError || err instanceof Error ? err.message : String(err);
}

export function App({ workerUrl }: { workerUrl: string }) {
  const [worker, setWorker] = useState<RegisterWorker | null>(null);
  const [device, setDevice] = useState<DeviceView | null>(null);
  const [link, setLink] = useState<LinkView | null>(null);
  const [storage, setStorage] = useState<Storage>('asking');
  const [fatal, setFatal] = useState<string | null>(null);
  const [receipt, setReceipt] = useState<{ doc: ReceiptDocument; text: string } | null>(null);
  const [now, setNow] = useState(Date.now());

  useEffect(() => {
    const w = new RegisterWorker(workerUrl, {
      link: setLink,
      receipt: (doc, text) => setReceipt({ doc, text }),
      stream: () => {},
      fatal: setFatal,
    });
    setWorker(w);
    w.init().then(setDevice, (err) => setFatal(errText(err)));
    // The journal must outlive storage pressure: ask for persistent storage, and say so when refused.
    if (navigator.storage?.persist) {
      navigator.storage.persisted()
        .then((already) => (already ? true : navigator.storage.persist()))
        .then((ok) => setStorage(ok ? 'persistent' : 'refused'), () => setStorage('refused'));
    } else setStorage('unsupported');
    const t = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(t);
  }, [workerUrl]);

  return (
    <div className="hh">
      <StatusBar device={device} link={link} now={now} />
      {storage === 'refused' || storage === 'unsupported' ? (
        <div className="banner warn" data-testid="storage-warning">
          This browser did not grant persistent storage: it may clear the sales on this phone when space runs low. Install the app (Add to Home Screen) and keep it synced.
        </div>
      ) : null}
      {fatal ? <div className="banner error" role="alert">{fatal}</div> : null}
      {!worker || !device ? <div className="center muted">Opening the register…</div>
        : !device.enrolled ? <Enroll worker={worker} onEnrolled={setDevice} />
        : <Register worker={worker} device={device} receipt={receipt} clearReceipt={() => setReceipt(null)} />}
    </div>
  );
}

function StatusBar({ device, link, now }: { device: DeviceView | null; link: LinkView | null; now: number }) {
  const online = link?.state === 'connected';
  return (
    <header className="bar">
      <div className="who">{device?.enrolled ? `${device.store_name} · ${device.terminal_id}` : 'Tillstream handheld'}</div>
      <div className="link">
        {!device?.enrolled ? <span className="queue">Not enrolled</span> : null}
        {device?.enrolled ? <span className={`dot ${online ? 'on' : 'off'}`} data-testid="link-state">{online ? 'Online' : link ? 'Offline' : 'Connecting…'}</span> : null}
        <span className={`queue ${link && link.unsynced > 0 ? 'pending' : ''}`} data-testid="queue" data-unsynced={link?.unsynced ?? 0} data-change-cursor={link?.change_cursor ?? 0}>
          {link ? (link.unsynced === 0 ? 'All synced' : `${link.unsynced} unsynced · oldest ${age(link.oldest_unsynced_at, now)}`) : ''}
        </span>
      </div>
    </header>
  );
}

function Enroll({ worker, onEnrolled }: { worker: RegisterWorker; onEnrolled(d: DeviceView): void }) {
  const [code, setCode] = useState(() => new URL(location.href).searchParams.get('code') ?? '');
  const [cashierId, setCashierId] = useState('');
  const [name, setName] = useState('');
  const [pin, setPin] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [scanning, setScanning] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      onEnrolled(await worker.enroll(code, { cashier_id: cashierId, name, pin }));
    } catch (err) {
      setError(errText(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="card" onSubmit={submit} aria-label="Enroll this device">
      <h1>Enroll this handheld</h1>
      <p className="muted">Type the one-time code from the HQ console, or scan its QR code.</p>
      <label>Enrollment code<input name="code" value={code} onChange={(e) => setCode(e.target.value)} autoCapitalize="characters" autoComplete="off" required maxLength={40} /></label>
      <button type="button" className="secondary" onClick={() => setScanning(true)}>Scan QR code</button>
      {scanning ? (
        <div className="camera">
          <Scanner onCode={(c) => { setCode(codeFromQr(c)); setScanning(false); }} onClose={() => setScanning(false)} />
          <PhotoScan label="Scan from photo" onCode={(c) => { setCode(codeFromQr(c)); setScanning(false); }} onError={setError} />
        </div>
      ) : null}
      <h2>You, on this device</h2>
      <label>Cashier number<input name="cashier_id" value={cashierId} onChange={(e) => setCashierId(e.target.value)} inputMode="numeric" required maxLength={32} /></label>
      <label>Name<input name="name" value={name} onChange={(e) => setName(e.target.value)} required maxLength={64} /></label>
      <label>PIN (4–8 digits)<input name="pin" type="password" value={pin} onChange={(e) => setPin(e.target.value)} inputMode="numeric" required pattern="[0-9]{4,8}" /></label>
      {error ? <div className="banner error" role="alert">{error}</div> : null}
      <button type="submit" className="primary" disabled={busy}>{busy ? 'Enrolling…' : 'Enroll'}</button>
    </form>
  );
}

/**
 * The code from an enrollment QR: the HQ console's (JSON `{hub, code, pin?}`, Registers page),
 * a link to this page with `?code=…`, or the bare code.
 */
export function codeFromQr(text: string): string {
  try {
    const j = JSON.parse(text) as unknown;
    if (j && typeof j === 'object' && typeof (j as { code?: unknown }).code === 'string') return (j as { code: string }).code;
  } catch {
    // not JSON
  }
  try {
    const u = new URL(text);
    return u.searchParams.get('code') ?? text;
  } catch {
    return text.trim();
  }
}

function Scanner({ onCode, onClose }: { onCode(text: string): void; onClose(): void }) {
  const video = useRef<HTMLVideoElement>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let scan: CameraScan | null = null;
    let stopped = false;
    startCameraScan(video.current!, (t) => onCode(t))
      .then((s) => (stopped ? s.stop() : (scan = s)), (err) => setError(errText(err)));
    return () => {
      stopped = true;
      scan?.stop();
    };
  }, [onCode]);
  return (
    <div className="scanner">
      <video ref={video} playsInline muted />
      {error ? <div className="banner error">{error}</div> : null}
      <button type="button" className="secondary" onClick={onClose}>Close camera</button>
    </div>
  );
}

/** A still photo of a code (taken now or chosen), read by the same decoder as the live camera. */
function PhotoScan({ onCode, onError, label }: { onCode(text: string): void; onError(message: string): void; label: string }) {
  return (
    <label className="button secondary photo">
      {label}
      <input
        type="file"
        accept="image/*"
        capture="environment"
        aria-label={label}
        onChange={async (e) => {
          const file = e.target.files?.[0];
          e.target.value = '';
          if (!file) return;
          try {
            const code = await decodeImage(file);
            if (code) onCode(code);
            else onError('No code found in the photo: hold the code flat and close, and try again.');
          } catch (err) {
            onError(errText(err));
          }
        }}
      />
    </label>
  );
}

function Register({ worker, device, receipt, clearReceipt }: { worker: RegisterWorker; device: DeviceView; receipt: { doc: ReceiptDocument; text: string } | null; clearReceipt(): void }) {
  const [signedIn, setSignedIn] = useState<{ name: string } | null>(null);
  const [shiftOpen, setShiftOpen] = useState(false);
  const [sale, setSale] = useState<SaleView | null>(null);
  const [error, setError] = useState<string | null>(null);
  // Calls can overlap (a scan typed while the last one is still in the worker): busy until the
  // last one settles, not the first.
  const [pending, setPending] = useState(0);
  const busy = pending > 0;

  const run = useCallback(async (f: () => Promise<void>) => {
    setPending((n) => n + 1);
    setError(null);
    try {
      await f();
    } catch (err) {
      setError(errText(err));
    } finally {
      setPending((n) => n - 1);
    }
  }, []);

  useEffect(() => {
    void run(async () => {
      const cur = await worker.call('session.current', {});
      if (cur.cashier) setSignedIn({ name: cur.cashier.name });
      setShiftOpen(!!cur.shift);
      if (cur.cashier) setSale(await worker.call('sale.get', {}));
    });
  }, [worker, run]);

  if (!signedIn) return <SignIn worker={worker} onSignedIn={async (n) => { setSignedIn({ name: n }); const cur = await worker.call('session.current', {}); setShiftOpen(!!cur.shift); setSale(await worker.call('sale.get', {})); }} />;
  if (!shiftOpen) {
    return (
      <div className="card">
        <h1>Open the shift</h1>
        <p className="muted">A handheld takes no cash float: cash goes into the store’s drawer.</p>
        {error ? <div className="banner error" role="alert">{error}</div> : null}
        <button className="primary" disabled={busy} onClick={() => run(async () => { await worker.call('shift.open', { opening_float: { amount: 0, currency: device.currency! } }); setShiftOpen(true); setSale(await worker.call('sale.get', {})); })}>Open shift</button>
      </div>
    );
  }
  return <Sell worker={worker} device={device} sale={sale} setSale={setSale} receipt={receipt} clearReceipt={clearReceipt} error={error} busy={busy} run={run} cashier={signedIn.name} />;
}

function SignIn({ worker, onSignedIn }: { worker: RegisterWorker; onSignedIn(name: string): Promise<void> }) {
  const [cashierId, setCashierId] = useState('');
  const [pin, setPin] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const c = await worker.call('session.signIn', { cashier_id: cashierId, pin });
      await onSignedIn(c.name);
    } catch (err) {
      setError(errText(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="card" onSubmit={submit} aria-label="Sign in">
      <h1>Sign in</h1>
      <label>Cashier number<input name="cashier_id" value={cashierId} onChange={(e) => setCashierId(e.target.value)} inputMode="numeric" required /></label>
      <label>PIN<input name="pin" type="password" value={pin} onChange={(e) => setPin(e.target.value)} inputMode="numeric" required /></label>
      {error ? <div className="banner error" role="alert">{error}</div> : null}
      <button type="submit" className="primary" disabled={busy}>{busy ? 'Checking…' : 'Sign in'}</button>
      <button type="button" className="secondary" onClick={async () => {
        try {
          const bytes = await worker.exportJournal();
          const a = document.createElement('a');
          a.href = URL.createObjectURL(new Blob([bytes as BlobPart], { type: 'application/vnd.sqlite3' }));
          a.download = 'handheld-journal.sqlite';
          a.click();
          setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
        } catch (err) {
          setError(errText(err));
        }
      }}>Export journal (store IT)</button>
    </form>
  );
}

interface SellProps {
  worker: RegisterWorker;
  device: DeviceView;
  sale: SaleView | null;
  setSale(s: SaleView): void;
  receipt: { doc: ReceiptDocument; text: string } | null;
  clearReceipt(): void;
  error: string | null;
  busy: boolean;
  run(f: () => Promise<void>): Promise<void>;
  cashier: string;
}

function Sell({ worker, device, sale, setSale, receipt, clearReceipt, error, busy, run, cashier }: SellProps) {
  const [code, setCode] = useState('');
  const [scanning, setScanning] = useState(false);
  const [confirmCard, setConfirmCard] = useState(false);
  const [photoError, setPhotoError] = useState<string | null>(null);
  const input = useRef<HTMLInputElement>(null);
  const scan = (data: string) => {
    setPhotoError(null);
    return run(async () => setSale(await worker.call('sale.scan', { data })));
  };
  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    const c = code.trim();
    if (!c) return;
    setCode('');
    void scan(c).then(() => input.current?.focus());
  };
  const due = sale?.due ?? { amount: 0, currency: device.currency ?? 'USD' };
  const lines = sale?.lines.filter((l) => !l.voided) ?? [];

  if (sale?.status === 'completed') {
    return (
      <Done sale={sale} receipt={receipt} onNext={() => run(async () => { clearReceipt(); setSale(await worker.call('sale.new', {})); })} />
    );
  }
  return (
    <main className="sell">
      <form onSubmit={onSubmit} className="scan">
        <input ref={input} name="scan" value={code} onChange={(e) => setCode(e.target.value)} placeholder="Scan or type a code" inputMode="text" autoComplete="off" aria-label="Scan or type a code" />
        {/* Never disabled: with a disabled default button the browser drops Enter (implicit
            submission), so a code typed or sent by a wedge scanner while the worker is still busy
            would vanish. Scans queue in the worker in the order they were sent. */}
        <button type="submit" className="primary">Add</button>
        <button type="button" className="secondary cam" onClick={() => setScanning((s) => !s)} aria-label="Scan with the camera">📷</button>
      </form>
      {scanning ? (
        <div className="camera">
          <Scanner onCode={(c) => { setScanning(false); void scan(c); }} onClose={() => setScanning(false)} />
          <PhotoScan label="Scan from photo" onCode={(c) => { setScanning(false); void scan(c); }} onError={setPhotoError} />
        </div>
      ) : null}
      {photoError ? <div className="banner error" role="alert">{photoError}</div> : null}
      {error ? <div className="banner error" role="alert">{error}</div> : null}
      <ul className="lines" data-testid="lines">
        {lines.length === 0 ? <li className="muted empty">Signed in as {cashier}. Scan the first item.</li> : null}
        {lines.map((l) => (
          <li key={l.line_id}>
            <span className="name">{l.name}</span>
            <span className="qty">{l.quantity.scale === 0 ? `${l.quantity.units} ×` : ''}</span>
            <span className="amt">{money(l.total)}</span>
          </li>
        ))}
      </ul>
      <footer className="pay">
        <div className="total"><span>Total</span><strong data-testid="total">{money(sale?.total ?? due)}</strong></div>
        {confirmCard ? (
          <div className="confirm">
            <p>Take <strong>{money(due)}</strong> on the separate card terminal. Did it approve?</p>
            <button className="primary" disabled={busy} onClick={() => run(async () => {
              await worker.confirmCard(due.amount, due.currency);
              setConfirmCard(false);
              setSale(await worker.call('sale.tender', { kind: 'card', amount: due }));
            })}>Approved</button>
            <button className="secondary" onClick={() => setConfirmCard(false)}>Not approved</button>
          </div>
        ) : (
          <div className="buttons">
            <button className="primary" disabled={busy || lines.length === 0 || due.amount === 0} onClick={() => run(async () => setSale(await worker.call('sale.tender', { kind: 'cash', amount: due })))}>Cash {money(due)}</button>
            <button className="secondary" disabled={busy || lines.length === 0 || due.amount === 0} onClick={() => setConfirmCard(true)}>Card (separate terminal)</button>
          </div>
        )}
      </footer>
    </main>
  );
}

function Done({ sale, receipt, onNext }: { sale: SaleView; receipt: { doc: ReceiptDocument; text: string } | null; onNext(): void }) {
  const [qr, setQr] = useState<string | null>(null);
  const receiptNo = sale.receipt_no ?? '';
  useEffect(() => {
    if (receiptNo) QRCode.toDataURL(receiptNo, { margin: 1, width: 180 }).then(setQr, () => setQr(null));
  }, [receiptNo]);
  const mail = receipt ? `mailto:?subject=${encodeURIComponent(`Receipt ${receiptNo}`)}&body=${encodeURIComponent(receipt.text.slice(0, 1800))}` : null;
  return (
    <main className="done" data-testid="done">
      <h1>Sale complete</h1>
      <p className="receipt-no">Receipt <strong data-testid="receipt-no">{receiptNo}</strong> · saved on this device</p>
      <p className="change">{sale.change_due.amount > 0 ? `Change ${money(sale.change_due)}` : `Paid ${money(sale.paid)}`}</p>
      {qr ? <img className="qr" src={qr} alt={`QR code of receipt ${receiptNo}`} /> : null}
      <p className="muted">The code is the receipt number: a countertop register takes it for a return.</p>
      {mail ? <a className="button secondary" href={mail}>E-mail the receipt</a> : null}
      <button className="primary" onClick={onNext}>Next sale</button>
    </main>
  );
}
