// The console's English texts. German (de.ts) must have every key: its type is this one's.
export const en = {
  language: { label: 'Language' },
  nav: {
    console: 'Console', dashboard: 'Dashboard', sales: 'Sales', products: 'Products & prices', stock: 'Stock', stores: 'Stores',
    terminals: 'Registers', alerts: 'Alerts', books: 'Books', channels: 'Channels', users: 'Users', openAlerts: '{{count}} open alerts',
  },
  shell: {
    booting: 'Tillstream HQ…', live: 'Live', connecting: 'Connecting…', refused: 'Feed refused', reconnecting: 'Reconnecting…',
    signOut: 'Sign out', storeManager: 'store manager · {{stores}}',
  },
  role: { admin: 'Admin', hq: 'Head office', store_manager: 'Store manager' },
  signin: {
    title: 'Sign in to head office', lead: 'Sales, prices, stock, registers and books for every store of the chain.',
    user: 'User name', password: 'Password', submit: 'Sign in', busy: 'Signing in…',
    hint: 'Your administrator creates users in the console (Users) or with tillstream users add.',
  },
  common: { store: 'Store', allStores: 'All stores', save: 'Save', cancel: 'Cancel', change: 'Change', actions: 'Actions', none: '—', never: 'never', of: '{{done}} of {{total}}' },
  ago: { s: '{{n}} s ago', min: '{{n}} min ago', h: '{{n}} h ago', d: '{{n}} d ago' },
  type: { 'sale.completed': 'Sale', 'sale.refunded': 'Refund', 'sale.post_voided': 'Post-void', 'sale.voided': 'Voided', 'shift.opened': 'Shift opened', 'shift.closed': 'Shift closed' },
  dashboard: {
    today: 'Today', yesterday: 'Yesterday', d7: 'Last 7 days', d30: 'Last 30 days', period: 'Period', chainTotals: 'Chain totals',
    netSales: 'Net sales', salesSub: '{{amount}} sales', noSalesYet: 'no sales yet', transactions: 'Transactions', averageBasket: 'Average basket',
    refundsVoids: 'Refunds & voids', refundsSub: '{{refunds}} refunds · {{voids}} post-voids', alertsWaiting: 'Alerts waiting', nothing: 'nothing to look at',
    byTime_hour: 'Sales and returns by hour', byTime_day: 'Sales and returns by day', byStore: 'By store', trans: 'Trans.', avgBasket: 'Avg basket', returns: 'Returns',
    latest: 'Latest sales', latestSub: 'live from every register', empty: 'No sales yet. They appear here the moment a register sends them.',
    time: 'Time', receipt: 'Receipt', type: 'Type', amount: 'Amount', chartSales: 'Sales', chartReturns: 'Refunds & post-voids',
    tooltipSales: '{{count}} sales', chartLabel: 'Bar chart of sales and returns: {{count}} sales, net {{net}}', chartEmpty: 'Bar chart of sales by time: no sales',
  },
  users: {
    title: 'Users', subtitle: '{{count}} users · {{enabled}} enabled', user: 'User', role: 'Role', signIn: 'Sign-in', sessions: 'Sessions',
    disabled: 'Disabled', password: 'Password', tokenOnly: 'Token only', passwordSet: 'set {{when}}', tokens: '{{count}} API token(s)', changeUser: 'Change {{user}}',
    storesTheyManage: 'Stores they manage', newUser: 'New user', userName: 'User name', fullName: 'Full name', firstPassword: 'First password (at least 10 characters)',
    create: 'Create user', created: 'User {{user}} created: they can sign in now.', changed: '{{user}} changed.', newPassword: 'New password', setPassword: 'Set password',
    passwordSetMsg: 'New password for {{user}}; their other sessions ended.', enable: 'Enable', disable: 'Disable', enabledMsg: '{{user}} enabled.',
    disabledMsg: '{{user}} disabled: signed out everywhere.',
  },
  alerts: {
    title: 'Alerts', subtitle: "What needs a person's attention, newest first.", showDone: 'Show acknowledged', loading: 'Loading…', empty: 'No open alerts. Everything is in order.',
    when: 'When', kind: 'Kind', what: 'What happened', more: '(+{{count}} more like it)', acknowledged: 'acknowledged {{when}}', acknowledgedBy: 'acknowledged by {{who}} {{when}}',
    ack: 'Acknowledge', ackLabel: 'Acknowledge alert {{id}}: {{message}}', acked: 'Alert {{id}} acknowledged.', pages: 'Pages', newer: '← Newer', older: 'Older →', page: 'Page {{page}} · {{open}} open',
    k_oversell: 'Oversell', k_rejected_event: 'Rejected event', k_tamper: 'Tampering', k_auth_lockout: 'Sign-in lockout', k_alert_flood: 'Many alerts',
  },
};
export type Resources = typeof en;
