// AIM symbology identifiers (ISO/IEC 15424): "]" + code character + modifier, sent by a scanner
// ahead of the data when so configured. They tell a GS1 carrier (FNC1 in first position) from
// a plain one, which the data alone cannot always do.

export type Symbology =
  | 'EAN-13'
  | 'EAN-8'
  | 'UPC-A'
  | 'UPC-E'
  | 'GTIN-14'
  | 'ITF-14'
  | 'GS1-128'
  | 'GS1 DataBar'
  | 'GS1 DataMatrix'
  | 'GS1 QR'
  | 'GS1 DotCode'
  | 'GS1' // an element string whose carrier is not known (FNC1/GS-led data or bracketed text)
  | 'Code 128'
  | 'Code 39'
  | 'Code 93'
  | 'Codabar'
  | 'ITF'
  | 'Data Matrix'
  | 'QR Code'
  | 'PDF417'
  | 'Aztec'
  | 'MaxiCode'
  | 'Code 11'
  | 'MSI'
  | 'EAN add-on' // a 2- or 5-digit add-on sent on its own (]E1, ]E2)
  | 'unknown';

/** How the payload after the identifier is read. */
export type Payload = 'gs1' | 'ean' | 'ean8' | 'itf' | 'plain';

export interface AimInfo {
  readonly symbology: Symbology;
  readonly payload: Payload;
}

const AIM: Record<string, AimInfo> = {
  ']C0': { symbology: 'Code 128', payload: 'plain' },
  ']C1': { symbology: 'GS1-128', payload: 'gs1' },
  ']C2': { symbology: 'Code 128', payload: 'plain' },
  ']C4': { symbology: 'Code 128', payload: 'plain' },
  ']e0': { symbology: 'GS1 DataBar', payload: 'gs1' },
  ']e1': { symbology: 'GS1 DataBar', payload: 'gs1' },
  ']e2': { symbology: 'GS1 DataBar', payload: 'gs1' },
  ']e3': { symbology: 'GS1 DataBar', payload: 'gs1' },
  ']d1': { symbology: 'Data Matrix', payload: 'plain' },
  ']d2': { symbology: 'GS1 DataMatrix', payload: 'gs1' },
  ']d3': { symbology: 'Data Matrix', payload: 'plain' },
  ']d4': { symbology: 'Data Matrix', payload: 'plain' },
  ']d5': { symbology: 'GS1 DataMatrix', payload: 'gs1' }, // FNC1 first, with ECI
  ']d6': { symbology: 'Data Matrix', payload: 'plain' },
  ']Q0': { symbology: 'QR Code', payload: 'plain' },
  ']Q1': { symbology: 'QR Code', payload: 'plain' },
  ']Q2': { symbology: 'QR Code', payload: 'plain' },
  ']Q3': { symbology: 'GS1 QR', payload: 'gs1' },
  ']Q4': { symbology: 'GS1 QR', payload: 'gs1' }, // FNC1 first, with ECI
  ']Q5': { symbology: 'QR Code', payload: 'plain' },
  ']Q6': { symbology: 'QR Code', payload: 'plain' },
  ']J1': { symbology: 'GS1 DotCode', payload: 'gs1' },
  ']E0': { symbology: 'EAN-13', payload: 'ean' },
  ']E1': { symbology: 'EAN add-on', payload: 'plain' },
  ']E2': { symbology: 'EAN add-on', payload: 'plain' },
  ']E3': { symbology: 'EAN-13', payload: 'ean' },
  ']E4': { symbology: 'EAN-8', payload: 'ean8' },
  ']I0': { symbology: 'ITF', payload: 'itf' },
  ']I1': { symbology: 'ITF', payload: 'itf' },
  ']I3': { symbology: 'ITF', payload: 'itf' },
  ']G0': { symbology: 'Code 93', payload: 'plain' },
  ']F0': { symbology: 'Codabar', payload: 'plain' },
  ']F1': { symbology: 'Codabar', payload: 'plain' },
  ']L0': { symbology: 'PDF417', payload: 'plain' },
  ']L1': { symbology: 'PDF417', payload: 'plain' },
  ']L2': { symbology: 'PDF417', payload: 'plain' },
  ']z0': { symbology: 'Aztec', payload: 'plain' },
  ']z1': { symbology: 'Aztec', payload: 'plain' },
  ']U0': { symbology: 'MaxiCode', payload: 'plain' },
  ']U1': { symbology: 'MaxiCode', payload: 'plain' },
  ']H0': { symbology: 'Code 11', payload: 'plain' },
  ']H1': { symbology: 'Code 11', payload: 'plain' },
  ']M0': { symbology: 'MSI', payload: 'plain' },
  ']M1': { symbology: 'MSI', payload: 'plain' },
};
for (let m = 0; m <= 7; m++) AIM[`]A${m}`] ??= { symbology: 'Code 39', payload: 'plain' };

/** The meaning of a 3-character AIM identifier such as "]C1", or undefined. */
export function aimInfo(id: string): AimInfo | undefined {
  return AIM[id];
}

const HINTS: Readonly<Record<string, AimInfo>> = {
  EAN13: { symbology: 'EAN-13', payload: 'ean' },
  JAN13: { symbology: 'EAN-13', payload: 'ean' },
  EAN8: { symbology: 'EAN-8', payload: 'ean8' },
  UPCA: { symbology: 'UPC-A', payload: 'ean' },
  UPCE: { symbology: 'UPC-E', payload: 'ean' },
  UPCE0: { symbology: 'UPC-E', payload: 'ean' },
  UPCE1: { symbology: 'UPC-E', payload: 'ean' },
  GTIN14: { symbology: 'GTIN-14', payload: 'ean' },
  ITF14: { symbology: 'ITF-14', payload: 'itf' },
  ITF: { symbology: 'ITF', payload: 'itf' },
  I25: { symbology: 'ITF', payload: 'itf' },
  INTERLEAVED2OF5: { symbology: 'ITF', payload: 'itf' },
  GS1128: { symbology: 'GS1-128', payload: 'gs1' },
  EAN128: { symbology: 'GS1-128', payload: 'gs1' },
  UCCEAN128: { symbology: 'GS1-128', payload: 'gs1' },
  GS1DATABAR: { symbology: 'GS1 DataBar', payload: 'gs1' },
  DATABAR: { symbology: 'GS1 DataBar', payload: 'gs1' },
  GS1DATABAREXPANDED: { symbology: 'GS1 DataBar', payload: 'gs1' },
  DATABAREXPANDED: { symbology: 'GS1 DataBar', payload: 'gs1' },
  RSS14: { symbology: 'GS1 DataBar', payload: 'gs1' },
  RSSEXPANDED: { symbology: 'GS1 DataBar', payload: 'gs1' },
  GS1DATAMATRIX: { symbology: 'GS1 DataMatrix', payload: 'gs1' },
  GS1QR: { symbology: 'GS1 QR', payload: 'gs1' },
  GS1QRCODE: { symbology: 'GS1 QR', payload: 'gs1' },
  GS1: { symbology: 'GS1', payload: 'gs1' },
  CODE128: { symbology: 'Code 128', payload: 'plain' },
  CODE39: { symbology: 'Code 39', payload: 'plain' },
  CODE93: { symbology: 'Code 93', payload: 'plain' },
  CODABAR: { symbology: 'Codabar', payload: 'plain' },
  DATAMATRIX: { symbology: 'Data Matrix', payload: 'plain' },
  QR: { symbology: 'QR Code', payload: 'plain' },
  QRCODE: { symbology: 'QR Code', payload: 'plain' },
  PDF417: { symbology: 'PDF417', payload: 'plain' },
  AZTEC: { symbology: 'Aztec', payload: 'plain' },
  MAXICODE: { symbology: 'MaxiCode', payload: 'plain' },
  CODE11: { symbology: 'Code 11', payload: 'plain' },
  MSI: { symbology: 'MSI', payload: 'plain' },
  // src/drivers/scanner reports ]E1/]E2/]E3 as "ean-addon": an EAN/UPC with its add-on, or the add-on alone.
  EANADDON: { symbology: 'EAN-13', payload: 'ean' },
  OTHER: { symbology: 'unknown', payload: 'plain' },
};

/**
 * Interpret a symbology name reported by a scanner driver ("EAN13", "upc-e", "GS1 DataBar",
 * "code_128"…). Returns undefined for names it does not know, so the data decides.
 */
export function symbologyHint(name: string): AimInfo | undefined {
  return HINTS[name.toUpperCase().replace(/[^A-Z0-9]/g, '')];
}
