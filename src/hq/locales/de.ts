import type { Resources } from './en';

export const de: Resources = {
  language: { label: 'Sprache' },
  nav: {
    console: 'Konsole', dashboard: 'Übersicht', sales: 'Verkäufe', products: 'Artikel & Preise', stock: 'Bestand', stores: 'Filialen',
    terminals: 'Kassen', alerts: 'Meldungen', books: 'Buchhaltung', channels: 'Kanäle', users: 'Benutzer', openAlerts: '{{count}} offene Meldungen',
  },
  shell: {
    booting: 'Tillstream Zentrale…', live: 'Live', connecting: 'Verbinde…', refused: 'Feed abgelehnt', reconnecting: 'Verbinde neu…',
    signOut: 'Abmelden', storeManager: 'Filialleitung · {{stores}}',
  },
  role: { admin: 'Administrator', hq: 'Zentrale', store_manager: 'Filialleitung' },
  signin: {
    title: 'Bei der Zentrale anmelden', lead: 'Umsätze, Preise, Bestand, Kassen und Buchhaltung aller Filialen der Kette.',
    user: 'Benutzername', password: 'Passwort', submit: 'Anmelden', busy: 'Anmeldung…',
    hint: 'Benutzer legt Ihre Administration in der Konsole an (Benutzer) oder mit tillstream users add.',
  },
  common: { store: 'Filiale', allStores: 'Alle Filialen', save: 'Speichern', cancel: 'Abbrechen', change: 'Ändern', actions: 'Aktionen', none: '—', never: 'nie', of: '{{done}} von {{total}}' },
  ago: { s: 'vor {{n}} s', min: 'vor {{n}} min', h: 'vor {{n}} h', d: 'vor {{n}} T' },
  type: { 'sale.completed': 'Verkauf', 'sale.refunded': 'Rückgabe', 'sale.post_voided': 'Nachstorno', 'sale.voided': 'Storniert', 'shift.opened': 'Schicht geöffnet', 'shift.closed': 'Schicht geschlossen' },
  dashboard: {
    today: 'Heute', yesterday: 'Gestern', d7: 'Letzte 7 Tage', d30: 'Letzte 30 Tage', period: 'Zeitraum', chainTotals: 'Summen der Kette',
    netSales: 'Nettoumsatz', salesSub: '{{amount}} Verkäufe', noSalesYet: 'noch keine Verkäufe', transactions: 'Bons', averageBasket: 'Durchschn. Bon',
    refundsVoids: 'Rückgaben & Stornos', refundsSub: '{{refunds}} Rückgaben · {{voids}} Nachstornos', alertsWaiting: 'Offene Meldungen', nothing: 'nichts zu tun',
    byTime_hour: 'Verkäufe und Rückgaben je Stunde', byTime_day: 'Verkäufe und Rückgaben je Tag', byStore: 'Je Filiale', trans: 'Bons', avgBasket: 'Ø Bon', returns: 'Rückgaben',
    latest: 'Neueste Verkäufe', latestSub: 'live von allen Kassen', empty: 'Noch keine Verkäufe. Sie erscheinen hier, sobald eine Kasse sie sendet.',
    time: 'Zeit', receipt: 'Bon', type: 'Art', amount: 'Betrag', chartSales: 'Verkäufe', chartReturns: 'Rückgaben & Nachstornos',
    tooltipSales: '{{count}} Verkäufe', chartLabel: 'Balkendiagramm der Verkäufe und Rückgaben: {{count}} Verkäufe, netto {{net}}', chartEmpty: 'Balkendiagramm der Verkäufe: keine Verkäufe',
  },
  users: {
    title: 'Benutzer', subtitle: '{{count}} Benutzer · {{enabled}} aktiv', user: 'Benutzer', role: 'Rolle', signIn: 'Anmeldung', sessions: 'Sitzungen',
    disabled: 'Gesperrt', password: 'Passwort', tokenOnly: 'Nur Token', passwordSet: 'gesetzt {{when}}', tokens: '{{count}} API-Token', changeUser: '{{user}} ändern',
    storesTheyManage: 'Filialen, die sie leiten', newUser: 'Neuer Benutzer', userName: 'Benutzername', fullName: 'Vollständiger Name', firstPassword: 'Erstes Passwort (mindestens 10 Zeichen)',
    create: 'Benutzer anlegen', created: 'Benutzer {{user}} angelegt: Anmeldung ist jetzt möglich.', changed: '{{user}} geändert.', newPassword: 'Neues Passwort', setPassword: 'Passwort setzen',
    passwordSetMsg: 'Neues Passwort für {{user}}; die anderen Sitzungen sind beendet.', enable: 'Entsperren', disable: 'Sperren', enabledMsg: '{{user}} entsperrt.',
    disabledMsg: '{{user}} gesperrt: überall abgemeldet.',
  },
  alerts: {
    title: 'Meldungen', subtitle: 'Was eine Person ansehen muss, neueste zuerst.', showDone: 'Erledigte zeigen', loading: 'Lädt…', empty: 'Keine offenen Meldungen. Alles in Ordnung.',
    when: 'Wann', kind: 'Art', what: 'Was geschah', more: '(+{{count}} gleichartige)', acknowledged: 'erledigt {{when}}', acknowledgedBy: 'erledigt von {{who}} {{when}}',
    ack: 'Erledigt', ackLabel: 'Meldung {{id}} als erledigt markieren: {{message}}', acked: 'Meldung {{id}} erledigt.', pages: 'Seiten', newer: '← Neuere', older: 'Ältere →', page: 'Seite {{page}} · {{open}} offen',
    k_oversell: 'Überverkauf', k_rejected_event: 'Abgelehntes Ereignis', k_tamper: 'Manipulation', k_auth_lockout: 'Anmeldesperre', k_alert_flood: 'Viele Meldungen',
  },
};
