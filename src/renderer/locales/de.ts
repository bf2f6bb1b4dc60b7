import type { Resources } from './en';

export const de: Resources = {
  app: { title: 'Tillstream', register: 'Kasse {{id}}' },
  common: { cancel: 'Abbrechen', ok: 'OK', back: 'Zurück', close: 'Schließen', confirm: 'Bestätigen', clear: 'Löschen', enter: 'Eingabe', print: 'Drucken', error: 'Fehler' },
  signin: { title: 'Anmelden', cashier: 'Kassierernummer', pin: 'PIN', submit: 'Anmelden', hint: 'Kassierernummer eingeben, dann die PIN.' },
  shift: {
    openTitle: 'Schicht öffnen', float: 'Wechselgeld (Bargeld in der Lade)', open: 'Schicht öffnen', title: 'Schicht',
    x: 'X-Bericht', z: 'Schicht schließen (Z)', drop: 'Abschöpfung', paidIn: 'Einlage', paidOut: 'Entnahme', noSale: 'Lade öffnen (kein Verkauf)',
    reason: 'Grund', amount: 'Betrag', counted: 'Gezähltes Bargeld', blind: 'Lade zählen und Summe eingeben. Der Sollbetrag erscheint nach dem Schließen.',
    closeNow: 'Schicht schließen', signOut: 'Abmelden', done: 'Fertig',
    unsyncedWarn: '{{count}} Verkäufe noch nicht bei der Zentrale (ältester {{age}}). Sie sind auf dieser Kasse sicher und werden online übertragen.',
  },
  report: {
    title: '{{kind}}-Bericht', sales: 'Verkäufe', refunds: 'Rückgaben', voids: 'Stornos', gross: 'Bruttoumsatz', discounts: 'Rabatte', tax: 'Steuer',
    net: 'Nettoumsatz', float: 'Wechselgeld', drops: 'Abschöpfungen', paidIn: 'Einlagen', paidOut: 'Entnahmen', expected: 'Soll-Bargeld',
    counted: 'Ist-Bargeld', variance: 'Differenz', unsynced: 'Nicht übertragen', tenders: 'Zahlarten',
  },
  sale: {
    scanHint: 'Scannen, oder Name oder Code eingeben', code: 'Artikelcode oder Suche', add: 'Hinzufügen', empty: 'Ersten Artikel scannen, um zu beginnen.',
    qty: 'Menge', price: 'Preis', total: 'Summe', subtotal: 'Zwischensumme', discount: 'Rabatt', tax: 'MwSt.', due: 'Offen', paid: 'Bezahlt', change: 'Rückgeld',
    pay: 'Bezahlen', voidLine: 'Position stornieren', voidSale: 'Bon stornieren', lineDiscount: 'Positionsrabatt', saleDiscount: 'Bonrabatt', setQty: 'Menge', weigh: 'Wiegen',
    refund: 'Rückgabe', reprint: 'Nachdruck', newSale: 'Neuer Bon', completed: 'Verkauf abgeschlossen', voided: 'Bon storniert',
    receipt: 'Bon {{no}}', priceChanged: 'Preis in der Zentrale geändert: {{from}} → {{to}} (dieser Bon behält {{from}})', items: '{{count}} Artikel',
    promo: 'Aktion', percent: 'Prozent', postVoid: 'Nachstorno', postVoidHint: 'Bonnummer scannen oder eingeben, um einen abgeschlossenen Bon zu stornieren.', postVoided: 'Bon {{no}} nachstorniert: Bargeld zurückgeben.',
    search: 'Suchen', noResults: 'Keine Artikel gefunden.', weightKg: 'Gewicht (kg)', refundSale: 'Rückgabe',
    quickKeys: 'Schnelltasten', perKg: '/ kg', weighed: 'wird gewogen', searchHint: '↑ ↓ wählen, Enter hinzufügen, Esc schließen',
  },
  cardCheck: {
    title: 'Kartenergebnis unbekannt — am Terminal prüfen',
    hint: 'Das Terminal hat nicht gemeldet, ob {{amount}} belastet wurde (Ref. {{ref}}). Bis zur Prüfung kann nichts anderes bezahlt werden.',
    button: 'Am Terminal prüfen',
  },
  tender: {
    title: 'Zahlung', cash: 'Bar', card: 'Karte', gift: 'Gutschein', exact: 'Passend', amount: 'Betrag', giftCode: 'Gutscheinnummer',
    waiting: 'Bitte den Anweisungen am Kartenterminal folgen…', approved: 'Genehmigt', declined: 'Abgelehnt', unknown: 'Ergebnis unbekannt — Terminalbeleg prüfen',
    pending: 'Warten', split: 'Teilzahlung: Betrag unter der Summe eingeben, den Rest anders zahlen.', remaining: 'Rest', back: 'Zurück zum Bon',
    refundCash: 'Bar erstatten', refundCard: 'Auf Karte erstatten',
    points: 'Punkte', pointsAvailable: '{{points}} Punkte verfügbar ({{value}})', balance: 'Guthaben', giftBalance: 'Karte {{code}}: {{available}} verfügbar (Guthaben {{balance}})',
    giftUnknown: 'Karte {{code}} ist dem Hub nicht bekannt', giftPartial: 'Die Karte zahlt {{amount}}; den Rest anders zahlen.',
  },
  customer: {
    button: 'Kunde', title: 'Kunde', card: 'Karte', phone: 'Telefon', name: 'Name', create: 'Neu', search: 'Suchen',
    scanHint: 'Kundenkarte scannen oder Kartennummer eingeben', phoneHint: 'Telefonnummer', nameHint: 'Anfang des Namens',
    none: 'Kein Kunde gefunden.', attach: 'Zuordnen', remove: 'Entfernen',
    points: '{{points}} Punkte', provisional: 'offline: wird später an die Zentrale gesendet', newName: 'Name', newPhone: 'Telefon (Ziffern)', newCard: 'Kundenkartennummer', newEmail: 'E-Mail',
    marketing: 'Möchte Angebote erhalten', createAttach: 'Anlegen und zuordnen', created: '{{name}} zugeordnet', earned: 'Punkte erhalten: {{earned}} · Stand {{balance}}',
  },
  giftcard: {
    button: 'Gutschein', title: 'Gutschein', code: 'Gutscheinnummer', scanHint: 'Karte scannen oder Nummer eingeben', amount: 'Aufzuladender Betrag',
    check: 'Guthaben prüfen', load: 'Verkaufen / aufladen', balance: 'Guthaben {{balance}} · verfügbar {{available}}', unknown: 'Noch nicht verkauft: eine neue Karte',
  },
  refund: {
    title: 'Rückgabe', scan: 'Barcode oder QR-Code des Bons scannen', receipt: 'Bonnummer', find: 'Bon suchen', original: 'Originalbon {{no}}', add: 'Zurücknehmen', returned: 'In dieser Rückgabe',
    left: 'noch {{qty}}', all: 'Alle', none: 'Nichts mehr zurückzunehmen', pay: 'Erstatten', payTitle: 'Erstattung', completed: 'Rückgabe abgeschlossen', voided: 'Rückgabe abgebrochen',
    discount: 'Rabatt zurückgerechnet', total: 'Erstattung gesamt', planned: 'Zurückzugeben', toCard: 'Zurück auf Karte {{pan}}', to_cash: 'Bar aus der Kasse', to_gift: 'Zurück auf Gutschein',
    cardDeclined: 'Das Terminal hat die Kartenerstattung nicht ausgeführt', restInCash: 'Rest bar auszahlen', retry: 'Karte erneut versuchen', processor: 'über {{processor}}',
    noReceipt: 'Rückgabe ohne Bon', noReceiptHint: 'Kein Bon (oder keine Verbindung zum Hub)? Artikelnummer eingeben: mit Freigabe der Marktleitung, bis zum Limit des Markts, zum heutigen Preis, bar.{{limit}}', noReceiptAdd: 'Artikel hinzufügen',
  },
  approval: { title: 'Freigabe durch Marktleitung', hint: '{{what}} erfordert eine Leitungs-PIN.', pin: 'Leitungs-PIN', denied: 'PIN nicht akzeptiert.' },
  status: {
    online: 'Online', offline: 'Offline — Verkauf läuft weiter, Übertragung später', unsynced: '{{count}} nicht übertragen', synced: 'Alles übertragen',
    paperLow: 'Papier fast leer — Rolle bald wechseln', paperOut: 'Drucker ohne Papier — Rolle einlegen', coverOpen: 'Druckerdeckel offen — schließen',
    drawerOpen: 'Lade offen', drawerTooLong: 'Lade zu lange offen — schließen; bei Fehlbetrag Marktleitung rufen', printerOff: 'Drucker offline — Kabel und Strom prüfen', device: '{{name}}: {{state}}',
  },
  it: {
    title: 'Filial-IT', devices: 'Geräte', found: 'An diesem Terminal gefunden', test: 'Test', sync: 'Synchronisation', enrollment: 'Registrierung', terminal: 'Terminal',
    store: 'Filiale', hub: 'Hub', cursor: 'Änderungs-Cursor', lastSeq: 'Letzte Journal-Nr.', applied: 'Im Hub verbucht', lastError: 'Letzter Fehler', syncNow: 'Jetzt synchronisieren',
    link: 'Verbindungssicherheit', linkPinned: 'TLS, Zertifikat gepinnt', linkLoopback: 'Dieser Rechner (Loopback)', linkInsecure: 'UNSICHER: unverschlüsselt oder Zertifikat nicht gepinnt', linkNone: '—',
    language: 'Sprache', enrolled: 'Registriert', notEnrolled: 'Nicht registriert', config: 'Konfiguration', locale: 'Gebietsschema', currency: 'Währung', version: 'Version',
  },
  nav: { sale: 'Verkauf', shift: 'Schicht', it: 'Filial-IT', returns: 'Rückgabe' },
  alerts: { dismiss: 'Ausblenden' },
};
