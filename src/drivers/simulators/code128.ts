// Code 128 (code set B) bar patterns, so the printer simulator can draw the barcodes it is asked
// to print (a real printer draws them itself from GS k). Widths of bar/space/bar/space/bar/space.

const PATTERNS = [
  '212222', '222122', '222221', '121223', '121322', '131222', '122213', '122312', '132212', '221213',
  '221312', '231212', '112232', '122132', '122231', '113222', '123122', '123221', '223211', '221132',
  '221231', '213212', '223112', '312131', '311222', '321122', '321221', '312212', '322112', '322211',
  '212123', '212321', '232121', '111323', '131123', '131321', '112313', '132113', '132311', '211313',
  '231113', '231311', '112133', '112331', '132131', '113123', '113321', '133121', '313121', '211331',
  '231131', '213113', '213311', '213131', '311123', '311321', '331121', '312113', '312311', '332111',
  '314111', '221411', '431111', '111224', '111422', '121124', '121421', '141122', '141221', '112214',
  '112412', '122114', '122411', '142112', '142211', '241211', '221114', '413111', '241112', '134111',
  '111242', '121142', '121241', '114212', '124112', '124211', '411212', '421112', '421211', '212141',
  '214121', '412121', '111143', '111341', '131141', '114113', '114311', '411113', '411311', '113141',
  '114131', '311141', '411131', '211412', '211214', '211232', '2331112',
];
const START_B = 104;
const STOP = 106;

/** Module widths (bar first, alternating) of `data` in code set B, with quiet zones excluded. */
export function code128Modules(data: string): number[] {
  const values: number[] = [START_B];
  for (const ch of data) {
    const v = ch.charCodeAt(0) - 32;
    if (v < 0 || v > 95) throw new RangeError(`character ${JSON.stringify(ch)} is not in Code 128 set B`);
    values.push(v);
  }
  let sum = values[0]!;
  for (let i = 1; i < values.length; i++) sum += values[i]! * i;
  values.push(sum % 103, STOP);
  return values.flatMap((v) => [...PATTERNS[v]!].map(Number));
}
