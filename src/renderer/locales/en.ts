export const en = {
  app: { title: 'Tillstream', register: 'Register {{id}}' },
  common: { cancel: 'Cancel', ok: 'OK', back: 'Back', close: 'Close', confirm: 'Confirm', clear: 'Clear', enter: 'Enter', print: 'Print', error: 'Error' },
  signin: { title: 'Sign in', cashier: 'Cashier number', pin: 'PIN', submit: 'Sign in', hint: 'Enter your cashier number, then your PIN.' },
  shift: {
    openTitle: 'Open shift', float: 'Opening float (cash in drawer)', open: 'Open shift', title: 'Shift',
    x: 'X report', z: 'Close shift (Z)', drop: 'Cash drop', paidIn: 'Paid in', paidOut: 'Paid out', noSale: 'No sale (open drawer)',
    reason: 'Reason', amount: 'Amount', counted: 'Counted cash', blind: 'Count the drawer and enter the total. The expected amount is shown after closing.',
    closeNow: 'Close shift', signOut: 'Sign out', done: 'Done',
    unsyncedWarn: '{{count}} sale(s) not yet at HQ (oldest {{age}}). They stay safe on this register and will sync when online.',
  },
  report: {
    title: '{{kind}} report', sales: 'Sales', refunds: 'Refunds', voids: 'Voids', gross: 'Gross sales', discounts: 'Discounts', tax: 'Tax',
    net: 'Net sales', float: 'Opening float', drops: 'Cash drops', paidIn: 'Paid in', paidOut: 'Paid out', expected: 'Expected cash',
    counted: 'Counted cash', variance: 'Variance', unsynced: 'Unsynced sales', tenders: 'Tenders',
  },
  sale: {
    scanHint: 'Scan, or type a name or code', code: 'Item code or search', add: 'Add', empty: 'Scan the first item to start a sale.',
    qty: 'Qty', price: 'Price', total: 'Total', subtotal: 'Subtotal', discount: 'Discount', tax: 'Tax', due: 'Due', paid: 'Paid', change: 'Change',
    pay: 'Pay', voidLine: 'Void line', voidSale: 'Void sale', lineDiscount: 'Line discount', saleDiscount: 'Sale discount', setQty: 'Quantity', weigh: 'Weigh',
    refund: 'Return', reprint: 'Reprint', newSale: 'New sale', completed: 'Sale complete', voided: 'Sale voided',
    receipt: 'Receipt {{no}}', priceChanged: 'Price changed at HQ: {{from}} → {{to}} (this sale keeps {{from}})', items: '{{count}} item(s)',
    promo: 'Promotion', percent: 'Percent', postVoid: 'Post-void', postVoidHint: 'Scan or type the receipt number to void a completed sale.',
    search: 'Search', noResults: 'No items found.', weightKg: 'Weight (kg)', refundSale: 'Return',
    quickKeys: 'Quick keys', perKg: '/ kg', weighed: 'weighed on the scale', searchHint: '↑ ↓ to choose, Enter to add, Esc to close',
  },
  tender: {
    title: 'Payment', cash: 'Cash', card: 'Card', gift: 'Gift card', exact: 'Exact', amount: 'Amount', giftCode: 'Gift card number',
    waiting: 'Follow the instructions on the card terminal…', approved: 'Approved', declined: 'Declined', unknown: 'Result unknown — check the terminal receipt',
    pending: 'Waiting', split: 'Split: key an amount below the total, then pay the rest another way.', remaining: 'Remaining', back: 'Back to sale',
    refundCash: 'Refund cash', refundCard: 'Refund to card',
  },
  refund: {
    title: 'Return', scan: 'Scan the receipt barcode or QR code', receipt: 'Receipt number', find: 'Find receipt', original: 'Original receipt {{no}}', add: 'Return', returned: 'In this return',
    left: '{{qty}} left', all: 'All', none: 'Nothing left to return', pay: 'Refund', payTitle: 'Refund', completed: 'Return complete', voided: 'Return cancelled',
    discount: 'Discount returned', total: 'Refund total', planned: 'To give back', toCard: 'Back to card {{pan}}', to_cash: 'Cash from the drawer', to_gift: 'Back to gift card',
    cardDeclined: 'The terminal did not refund the card', restInCash: 'Give the rest in cash', processor: 'via {{processor}}',
    noReceipt: 'Return without receipt', noReceiptHint: 'No receipt (or the hub cannot be reached)? Type the item code: a manager approves, within the store limit, at today\'s price, in cash.{{limit}}', noReceiptAdd: 'Add item',
  },
  approval: { title: 'Manager approval', hint: '{{what}} needs a manager PIN.', pin: 'Manager PIN', denied: 'PIN not accepted.' },
  status: {
    online: 'Online', offline: 'Offline — selling continues, sales sync later', unsynced: '{{count}} unsynced', synced: 'All synced',
    paperLow: 'Paper low — change the roll soon', paperOut: 'Printer out of paper — replace the roll', coverOpen: 'Printer cover open — close it',
    drawerOpen: 'Drawer open', drawerTooLong: 'Drawer open too long — close it; call a manager if cash is missing', printerOff: 'Printer offline — check cable and power', device: '{{name}}: {{state}}',
  },
  it: {
    title: 'Store IT', devices: 'Devices', found: 'Found on this terminal', test: 'Test', sync: 'Sync', enrollment: 'Enrollment', terminal: 'Terminal',
    store: 'Store', hub: 'Hub', cursor: 'Change cursor', lastSeq: 'Last journal seq', applied: 'Applied at hub', lastError: 'Last error', syncNow: 'Sync now',
    language: 'Language', enrolled: 'Enrolled', notEnrolled: 'Not enrolled', config: 'Configuration', locale: 'Locale', currency: 'Currency', version: 'Version',
  },
  nav: { sale: 'Sale', shift: 'Shift', it: 'Store IT', returns: 'Returns' },
  alerts: { dismiss: 'Dismiss' },
};
export type Resources = typeof en;
