import assert from 'node:assert/strict';
import {
  compileDateFormat,
  readDate,
  readDecimal,
  readValue,
  type DateFormat,
  type NumberFormat,
  type ValueFormats,
} from '../../../src/csv/values.ts';

function formats(...texts: string[]): DateFormat[] {
  return texts.map((t) => {
    const f = compileDateFormat(t);
    assert.ok(typeof f !== 'string', `${t}: ${typeof f === 'string' ? f : ''}`);
    return f;
  });
}

describe('readDate', () => {
  it('reads month-first, day-first, compact and two-digit-year dates as ISO dates', () => {
    assert.equal(readDate('03/14/2024', formats('MM/DD/YYYY')), '2024-03-14');
    assert.equal(readDate('14.03.2024', formats('DD.MM.YYYY')), '2024-03-14');
    assert.equal(readDate('20240314', formats('YYYYMMDD')), '2024-03-14');
    assert.equal(readDate('14-03-24', formats('DD-MM-YY')), '2024-03-14');
    assert.equal(readDate('3/4/2024', formats('M/D/YYYY')), '2024-03-04');
  });

  it('tries the formats in order', () => {
    const both = formats('YYYYMMDD', 'MM/DD/YYYY');
    assert.equal(readDate('20240102', both), '2024-01-02');
    assert.equal(readDate('01/02/2024', both), '2024-01-02');
  });

  it('refuses days that are not in the calendar and text that is not in the form', () => {
    const f = formats('YYYY-MM-DD');
    assert.equal(readDate('2024-02-29', f), '2024-02-29');
    for (const bad of ['2023-02-29', '2024-04-31', '2024-13-01', '2024-00-10', '2024-3-14', '2024-03-14x']) {
      assert.equal(readDate(bad, f), undefined, bad);
    }
    assert.equal(readDate('1900-02-29', f), undefined);
    assert.equal(readDate('2000-02-29', f), '2000-02-29');
  });
});

describe('compileDateFormat', () => {
  it('rejects formats without a year, month and day, with letters it does not know, or ambiguous ones', () => {
    assert.equal(
      compileDateFormat('YYYY-MM'),
      'must hold exactly one year (YYYY or YY), one month (MM or M) and one day (DD or D)',
    );
    assert.equal(
      compileDateFormat('YYYY-MM-DDThh'),
      'has T where a date format may only use YYYY, YY, MM, M, DD, D and separators',
    );
    assert.equal(compileDateFormat('MDYYYY'), 'uses M or D without separators, which is ambiguous');
  });
});

describe('readDecimal', () => {
  const dot: NumberFormat = { decimalSeparator: '.', thousandsSeparator: '' };
  const euro: NumberFormat = { decimalSeparator: ',', thousandsSeparator: '.' };
  const us: NumberFormat = { decimalSeparator: '.', thousandsSeparator: ',' };

  it('reads numbers in the canonical form: no leading or trailing zeros, no -0', () => {
    assert.equal(readDecimal('0012.500', dot), '12.5');
    assert.equal(readDecimal('-0.00', dot), '0');
    assert.equal(readDecimal('.5', dot), '0.5');
    assert.equal(readDecimal('+7', dot), '7');
    assert.equal(readDecimal('-3.25', dot), '-3.25');
  });

  it('reads decimal commas with dots between thousands, and the other way round', () => {
    assert.equal(readDecimal('1.234.567,89', euro), '1234567.89');
    assert.equal(readDecimal('1234,5', euro), '1234.5');
    assert.equal(readDecimal('1,234.50', us), '1234.5');
  });

  it('refuses thousands separators that do not group by three, and anything else', () => {
    for (const bad of ['12.34,5', '1.2345', '1,5.0', '', '-', 'x1', '1e3', '1 234']) {
      assert.equal(readDecimal(bad, euro), undefined, bad);
    }
    assert.equal(readDecimal('1,5', dot), undefined);
  });
});

describe('readValue', () => {
  const f: ValueFormats = {
    decimalSeparator: ',',
    thousandsSeparator: '',
    dates: formats('DD.MM.YYYY'),
    dateFormats: ['DD.MM.YYYY'],
  };

  it('words each problem to follow the quoted text', () => {
    assert.deepEqual(readValue('31.02.2024', 'date', f), { problem: 'is not a date in the form DD.MM.YYYY' });
    assert.deepEqual(readValue('1.5', 'decimal', f), {
      problem: 'is not a number written with "," before the decimals and no thousands separator',
    });
    assert.deepEqual(readValue('30.5', 'integer', f), { problem: 'is not a whole number' });
    assert.deepEqual(readValue('eur', 'currency', f), {
      problem: 'is not a currency code: three capital letters, e.g. EUR',
    });
    assert.deepEqual(readValue('12345', 'sscc', f), { problem: 'is not an SSCC: eighteen digits' });
  });

  it('returns the value when the text is one', () => {
    assert.equal(readValue('30', 'integer', f), 30);
    assert.equal(readValue('EUR', 'currency', f), 'EUR');
    assert.equal(readValue('2,50', 'decimal', f), '2.5');
  });
});
