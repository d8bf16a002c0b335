import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  addDecimals,
  compareDecimals,
  impliedDecimal,
  multiplyDecimals,
  normalizeDecimal,
} from '../../../src/documents/index.ts';

describe('decimal', () => {
  it('normalises sign, leading and trailing zeros so equal values are equal text', () => {
    assert.deepEqual(
      ['+004.250', '-0.00', '.5', '7.', '-12.0100', '0'].map((t) => normalizeDecimal(t)),
      ['4.25', '0', '0.5', '7', '-12.01', '0'],
    );
  });

  it('reads a comma decimal separator when told to', () => {
    assert.equal(normalizeDecimal('1234,50', ','), '1234.5');
    assert.equal(normalizeDecimal('1234,50'), undefined);
  });

  it('refuses what is not a plain decimal: exponents, blanks, lone points, two points', () => {
    assert.deepEqual(
      ['1e5', '', ' ', '.', '1.2.3', '12a', 'NaN', '--1'].map((t) => normalizeDecimal(t)),
      [undefined, undefined, undefined, undefined, undefined, undefined, undefined, undefined],
    );
  });

  it('places implied decimals and refuses a point in an implied-decimal number', () => {
    assert.deepEqual(
      [
        impliedDecimal('26375', 2),
        impliedDecimal('5', 2),
        impliedDecimal('-150', 2),
        impliedDecimal('12.5', 2),
      ],
      ['263.75', '0.05', '-1.5', undefined],
    );
  });

  it('multiplies without binary rounding', () => {
    // As floats: 0.1 * 3 = 0.30000000000000004, 1.1 * 1.1 = 1.2100000000000002.
    assert.equal(multiplyDecimals('0.1', '3'), '0.3');
    assert.equal(multiplyDecimals('1.1', '1.1'), '1.21');
    assert.equal(multiplyDecimals('99999999999999999.99', '3'), '299999999999999999.97');
  });

  it('adds and compares exactly', () => {
    assert.equal(addDecimals('0.1', '0.2', '-0.3'), '0');
    assert.equal(compareDecimals('4.25', '4.250'), 0);
    assert.equal(compareDecimals('-1', '0.5'), -1);
    assert.equal(compareDecimals('10', '9.99'), 1);
  });

  it('agrees with integer arithmetic on cents for any amounts', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: -(10n ** 15n), max: 10n ** 15n }),
        fc.bigInt({ min: 0n, max: 10n ** 6n }),
        (cents, qty) => {
          const amount = impliedDecimal(cents.toString(), 2)!;
          assert.equal(normalizeDecimal(amount), amount);
          assert.equal(multiplyDecimals(amount, qty.toString()), impliedDecimal((cents * qty).toString(), 2));
        },
      ),
    );
  });
});
