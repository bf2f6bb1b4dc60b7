// AIs (391n)/(393n)/(421)… carry ISO 4217 *numeric* currency codes; the rest of Tillstream uses
// the alphabetic codes. Currencies a store is likely to meet; an unknown numeric code is kept
// as is on the parsed price (currencyNumeric) with no alphabetic code.
const NUMERIC_TO_ALPHA: Readonly<Record<string, string>> = {
  '036': 'AUD', '124': 'CAD', '156': 'CNY', '203': 'CZK', '208': 'DKK', '344': 'HKD', '348': 'HUF',
  '352': 'ISK', '356': 'INR', '376': 'ILS', '392': 'JPY', '410': 'KRW', '458': 'MYR', '484': 'MXN',
  '554': 'NZD', '578': 'NOK', '643': 'RUB', '682': 'SAR', '702': 'SGD', '710': 'ZAR', '752': 'SEK',
  '756': 'CHF', '764': 'THB', '784': 'AED', '826': 'GBP', '840': 'USD', '946': 'RON', '949': 'TRY',
  '975': 'BGN', '978': 'EUR', '985': 'PLN', '986': 'BRL', '941': 'RSD', '980': 'UAH', '901': 'TWD',
};

export function currencyFromNumeric(numeric: string): string | undefined {
  return NUMERIC_TO_ALPHA[numeric];
}
