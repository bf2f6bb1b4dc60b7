import { watchDrawer } from './drawer-watch';
import { RegisterError, type CommandName, type CommandParams, type RegisterDevices, type RegisterHandler, type RegisterJournal, type StreamName } from '../../core/register-api';
import type { Actor, Approval } from '../../core/sale';
import type { RegisterConfig } from './config';
import { cashierPermissions, managerApproval } from './engine-sale';
import { errText } from './errors';
import type { HubLink } from './hub-link';
import { ReceiptLookup } from './receipt-lookup';
import { storeHeader } from '../../core/receipt';
import { SaleDesk, type SaleDeskCommand } from './sale-desk';
import type { PinCheck } from './pin-check';
import { Session } from './session';
import { ShiftDesk } from './shift-desk';
import { StoreFeed, type Listener } from './store-feed';
import { ValueDesk } from './value-desk';

// The register engine's front door: one per register. Every RegisterApi command lands here
// after the boundary validated it, and goes to the desk that owns it:
//   Session    who is signed in, PINs, manager approvals, language
//   SaleDesk   the one open transaction (sale or return), post-voids, receipts
//   ShiftDesk  the shift as core's fold of the journal, cash moves, X and Z
//   StoreFeed  windows listening, sync status, price book, store changes and alerts
// The engine reaches its journal and its devices only through RegisterJournal and
// RegisterDevices (core/register-api/ports.ts), and the hub through HubLink.

export interface RegisterServiceOptions {
  config: RegisterConfig;
  journal: RegisterJournal;
  devices: RegisterDevices;
  sync?: HubLink | null;
  /** How PINs are checked: the runtime's native scrypt where it has one (nodePinCheck); the pure one by default. */
  pins?: PinCheck;
  now?: () => Date;
  log?: (msg: string) => void;
}

type Params<N extends CommandName> = CommandParams<N>;

const SALE_DESK: ReadonlySet<CommandName> = new Set<SaleDeskCommand>([
  'sale.get', 'sale.scan', 'sale.addSku', 'catalog.search', 'catalog.quickKeys', 'sale.setQuantity', 'sale.setWeight', 'sale.discount', 'sale.voidLine', 'sale.void',
  'sale.tender', 'sale.checkCard', 'sale.new', 'sale.postVoid', 'refund.start', 'refund.addLine', 'refund.noReceipt', 'refund.pay', 'receipt.reprint', 'receipt.last',
  'customer.find', 'customer.create', 'customer.attach', 'giftcard.balance', 'giftcard.load',
]);

export class RegisterService implements RegisterHandler {
  private readonly cfg: RegisterConfig;
  private readonly devices: RegisterDevices;
  private readonly log: (msg: string) => void;
  readonly session: Session;
  readonly feed: StoreFeed;
  readonly shifts: ShiftDesk;
  readonly sales: SaleDesk;
  private readonly unsubs: (() => void)[] = [];
  private readonly journal: RegisterJournal;

  constructor(opts: RegisterServiceOptions) {
    this.cfg = opts.config;
    this.devices = opts.devices;
    this.journal = opts.journal;
    const now = opts.now ?? (() => new Date());
    this.log = opts.log ?? (() => {});
    this.session = new Session(this.cfg, opts.pins);
    this.feed = new StoreFeed(this.cfg, opts.journal, opts.devices, opts.sync ?? null, now, this.log);
    this.shifts = new ShiftDesk(this.cfg, opts.journal, this.session, now);
    const receipts = new ReceiptLookup(this.cfg.terminal_id, opts.journal, opts.sync ?? null);
    this.sales = new SaleDesk(this.cfg, opts.journal, opts.devices, this.session, this.shifts, this.feed, receipts, now, new ValueDesk(opts.journal, opts.sync ?? null, now));
    this.unsubs.push(
      watchDrawer(opts.journal, (l) => this.devices.onStatus(l), {
        store_id: this.cfg.store_id, terminal_id: this.cfg.terminal_id, cashier: () => this.session.cashier?.cashier_id, now, log: this.log,
      }),
      this.devices.onScan((s) => {
        // Scans from a serial/USB scanner go straight into the sale, as the wedge does in the window.
        if (!this.session.cashier || !this.shifts.current) return;
        this.handle('sale.scan', { data: s.data, symbology: s.symbology }).catch((err) => this.feed.alert('info', 'warning', errText(err)));
      }),
    );
  }

  /** True while a sale has lines and is not finished (no restarts, no updates). */
  saleOpen(): boolean {
    return this.sales.busyWithTransaction();
  }

  syncStatus() {
    return this.feed.syncStatus();
  }

  close(): void {
    for (const u of this.unsubs.splice(0)) u();
    this.shifts.close();
    this.feed.close();
  }

  subscribe(listener: Listener): () => void {
    return this.feed.subscribe(listener);
  }

  /** The store's name as the hub last sent it (HQ console store edit), else the register's config. */
  private storeInfo() {
    return { ...this.session.storeInfo(), store_name: storeHeader(this.journal.getSettings('config'), this.cfg).storeName };
  }

  async handle(name: CommandName, params: unknown): Promise<unknown> {
    const p = params as never;
    if (SALE_DESK.has(name)) return this.sales.handle(name as SaleDeskCommand, p);
    switch (name) {
      case 'store.info': return this.storeInfo();
      case 'session.signIn': return this.signIn(p);
      case 'session.signOut': return this.signOut();
      case 'session.current': return this.session.current(this.shifts.view());
      case 'shift.open': return this.openShift(p);
      case 'cash.drop': return this.cashMove('drop', p);
      case 'cash.paidIn': return this.cashMove('paid_in', p);
      case 'cash.paidOut': return this.cashMove('paid_out', p);
      case 'drawer.noSale': return this.noSale(p);
      case 'report.x': return this.shifts.xReport();
      case 'shift.close': return this.closeShift(p);
      case 'devices.list': return { status: this.devices.status(), found: await this.devices.found() };
      case 'devices.test': return this.devices.test((p as Params<'devices.test'>).kind);
      case 'sync.status': return this.feed.refresh();
      case 'sync.now': return this.feed.kick();
      case 'settings.setLanguage':
        this.session.language = (p as Params<'settings.setLanguage'>).language;
        return this.storeInfo();
      default: throw new RegisterError('BAD_REQUEST', `unknown command ${String(name).slice(0, 40)}`);
    }
  }

  private emit(stream: StreamName, data: unknown): void {
    this.feed.emit(stream, data);
  }

  private emitSession(): void {
    this.emit('session', this.session.current(this.shifts.view()));
  }

  /** The signed-in cashier as core's actor (permissions by role). */
  private actor(): Actor {
    const c = this.session.require();
    return { cashier_id: c.cashier_id, permissions: cashierPermissions(c.role, this.cfg.void_line_needs_manager) };
  }

  /** A manager's PIN, verified here, becomes core's approval; core decides whether it was needed. */
  private approval(a: { manager_pin: string } | undefined): Approval | undefined {
    if (!a) return undefined;
    const id = this.session.approve('this', a, true);
    return id ? managerApproval(id) : undefined;
  }

  private signIn(p: Params<'session.signIn'>) {
    const c = this.session.signIn(p);
    this.emitSession();
    this.emit('sale', this.sales.view());
    this.feed.refresh();
    return this.session.view(c);
  }

  private signOut() {
    if (this.sales.busyWithTransaction()) throw new RegisterError('INVALID_STATE', 'finish or void the open sale before signing out');
    this.session.signOut();
    this.emitSession();
    return { ok: true as const };
  }

  private openShift(p: Params<'shift.open'>) {
    const v = this.shifts.open(p, this.actor());
    this.emitSession();
    return v;
  }

  private async cashMove(kind: 'drop' | 'paid_in' | 'paid_out', p: { amount: { amount: number; currency: string }; reason?: string; approval?: { manager_pin: string } }) {
    this.shifts.cashMove(kind, p, this.actor(), this.approval(p.approval));
    await this.devices.openDrawer().catch((err) => this.feed.alert('device', 'warning', `Drawer did not open: ${errText(err)}`));
    return { ok: true as const };
  }

  private async noSale(p: Params<'drawer.noSale'>) {
    this.shifts.noSale(this.actor(), this.approval(p.approval));
    await this.devices.openDrawer().catch((err) => {
      throw new RegisterError('DEVICE', `drawer: ${errText(err)}`);
    });
    return { ok: true as const };
  }

  private closeShift(p: Params<'shift.close'>) {
    const actor = this.actor();
    if (this.sales.busyWithTransaction()) throw new RegisterError('INVALID_STATE', 'finish or void the open sale before closing the shift');
    if (p.counted_cash.currency !== this.cfg.currency || p.counted_cash.amount < 0) throw new RegisterError('BAD_REQUEST', `counted cash must be ${this.cfg.currency} and not negative`);
    const report = this.shifts.zClose(p.counted_cash.amount, actor, this.approval(p.approval));
    this.sales.reset();
    this.emitSession();
    this.emit('sale', this.sales.view());
    return report;
  }
}
