import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  decimalFromNumber,
  negate,
  percentOf,
  positivePart,
  shiftDown,
  subtract,
} from '../../../src/reconcile/decimal-math.ts';

describe('reconcile decimal-math', () => {
  it('turns the tolerances of a partner file into the decimal text their author wrote', () => {
    assert.deepEqual([0.1, 2, 0.05, 12.5, 0, 1e-7, 1.5e-9, 1e21, -0.3].map(decimalFromNumber), [
      '0.1',
      '2',
      '0.05',
      '12.5',
      '0',
      '0.0000001',
      '0.0000000015',
      '1000000000000000000000',
      '-0.3',
    ]);
  });

  it('refuses a tolerance that is not a finite number', () => {
    assert.throws(() => decimalFromNumber(Number.NaN), RangeError);
    assert.throws(() => decimalFromNumber(Infinity), RangeError);
  });

  it('shifts the decimal point left without rounding', () => {
    assert.deepEqual(
      [
        shiftDown('4.25', 2),
        shiftDown('425', 2),
        shiftDown('-7', 3),
        shiftDown('0', 2),
        shiftDown('1000', 2),
      ],
      ['0.0425', '4.25', '-0.007', '0', '10'],
    );
  });

  it('takes a percent of an amount exactly', () => {
    assert.deepEqual(
      [percentOf('925', '1'), percentOf('4.25', '2'), percentOf('0.1', '33.3')],
      ['9.25', '0.085', '0.0333'],
    );
  });

  it('subtracts, negates and keeps only a positive difference', () => {
    assert.deepEqual([subtract('4.336', '4.25'), negate('-3'), negate('0')], ['0.086', '3', '0']);
    assert.deepEqual([positivePart('-0.01'), positivePart('0'), positivePart('2.50')], ['0', '0', '2.5']);
  });

  it('agrees with integer arithmetic on cents for any two amounts', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: -(10n ** 15n), max: 10n ** 15n }),
        fc.bigInt({ min: 0n, max: 10n ** 6n }),
        (a, p) => {
          const cents = shiftDown(a.toString(), 2);
          const expected = shiftDown((a * p).toString(), 4);
          assert.equal(percentOf(cents, p.toString()), expected);
        },
      ),
    );
  });
});
