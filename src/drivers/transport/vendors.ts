// USB vendor ids of common point-of-sale hardware, to label `tillstream devices list` output.
// The same ids are in resources/udev/60-tillstream.rules.

export const POS_VENDORS: Record<number, { name: string; kind: string }> = {
  0x04b8: { name: 'Seiko Epson', kind: 'receipt printer' },
  0x0519: { name: 'Star Micronics', kind: 'receipt printer' },
  0x1504: { name: 'Bixolon', kind: 'receipt printer' },
  0x1d90: { name: 'Citizen', kind: 'receipt printer' },
  0x2730: { name: 'Citizen', kind: 'receipt printer' },
  0x0c2e: { name: 'Honeywell (Metrologic)', kind: 'barcode scanner' },
  0x0536: { name: 'Honeywell (Hand Held Products)', kind: 'barcode scanner' },
  0x05e0: { name: 'Zebra (Symbol)', kind: 'barcode scanner' },
  0x05f9: { name: 'Datalogic', kind: 'barcode scanner' },
  0x0403: { name: 'FTDI', kind: 'USB-serial adapter' },
  0x067b: { name: 'Prolific', kind: 'USB-serial adapter' },
  0x1a86: { name: 'QinHeng (CH340)', kind: 'USB-serial adapter' },
  0x10c4: { name: 'Silicon Labs (CP210x)', kind: 'USB-serial adapter' },
};
