import { loadChart } from '../../../core/ledger/chart';
import { US_DEFAULT_CHART } from '../../../core/ledger/default-charts';

// The shipped US chart plus a card clearing for Square's "Other Tender" of type Check (the
// mapping posts Other Tender as processor square-other:<type>, which a chart maps like any processor).
export const squareChart = loadChart({
  ...US_DEFAULT_CHART,
  mapping: { ...US_DEFAULT_CHART.mapping, card_clearing: { by_processor: { ...US_DEFAULT_CHART.mapping.card_clearing.by_processor, 'square-other:Check': '1190' } } },
});
