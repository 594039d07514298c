import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { daysFromCivil, formatIso, parseIso } from '../../src/domain/time.ts';

const T0 = 1767242381; // 2026-01-01T04:39:41Z

describe('parseIso', () => {
  it('accepts Z, offsets and fractions', () => {
    assert.equal(parseIso('2026-01-01T04:39:41Z'), T0);
    assert.equal(parseIso('2026-01-01T06:39:41+02:00'), T0);
    assert.equal(parseIso('2026-01-01T00:09:41-04:30'), T0);
    assert.equal(parseIso('2026-01-01T04:39:41+00:00'), T0);
    assert.equal(parseIso('2026-01-01T04:39:41-00:00'), T0);
    assert.equal(parseIso('2026-01-01T04:39:41.25Z'), T0 + 0.25);
    assert.equal(parseIso('2026-01-01T04:39:41.250Z'), T0 + 0.25);
    assert.equal(parseIso('2026-01-01T04:39:41.250000Z'), T0 + 0.25);
    assert.equal(parseIso('2026-01-01T04:39:41.001Z'), 1767242381001 / 1000);
    assert.equal(parseIso('2026-01-01T04:39:41.000001Z'), 1767242381000001 / 1e6);
    assert.ok(Math.abs(parseIso('2026-01-01T04:39:41.123456789Z')! - (T0 + 0.123456789)) < 1e-6);
    assert.equal(parseIso('2026-01-01T06:39:41.5+02:00'), T0 + 0.5);
    assert.equal(parseIso('1970-01-01T00:00:00Z'), 0);
    assert.equal(parseIso('1969-12-31T23:59:59.5Z'), -0.5);
  });

  it('honours leap years and month lengths', () => {
    assert.notEqual(parseIso('2024-02-29T00:00:00Z'), null);
    assert.notEqual(parseIso('2000-02-29T00:00:00Z'), null);
    assert.equal(parseIso('2100-02-29T00:00:00Z'), null);
    assert.equal(parseIso('2026-02-29T00:00:00Z'), null);
    assert.equal(parseIso('2026-02-30T00:00:00Z'), null);
    assert.equal(parseIso('2026-04-31T00:00:00Z'), null);
    assert.notEqual(parseIso('2026-12-31T23:59:59Z'), null);
  });

  it('refuses everything outside the profile', () => {
    for (const s of [
      '', 'garbage', '2026-13-01T00:00:00Z', '2026-00-01T00:00:00Z', '2026-01-00T00:00:00Z',
      '2026-01-01T04:39:41', // no timezone
      '2026-01-01', '2026-01-01T04:39Z', '2026-01-01 04:39:41Z', '2026-01-01t04:39:41Z', '2026-01-01T04:39:41z',
      '20260101T043941Z', '2026-01-01T24:00:00Z', '2026-01-01T23:60:00Z', '2026-01-01T23:59:60Z',
      '2026-01-01T04:39:41.Z', '2026-01-01T04:39:41+0200', '2026-01-01T04:39:41+02', '2026-01-01T04:39:41+24:00',
      '2026-01-01T04:39:41+02:60', ' 2026-01-01T04:39:41Z', '2026-01-01T04:39:41Z ', '2026-01-01T04:39:41ZZ',
      '+2026-01-01T04:39:41Z', '2026-1-01T04:39:41Z', '2026-01-01T04:39:41.12a4Z', '２０２６-01-01T04:39:41Z',
      '2026-W01-1T00:00:00Z',
    ]) {
      assert.equal(parseIso(s), null, s);
    }
  });

  it('agrees with Date for every millisecond timestamp and offset (oracle)', () => {
    fc.assert(fc.property(
      fc.integer({ min: Date.UTC(1000, 0, 1), max: Date.UTC(9998, 11, 31) }),
      fc.integer({ min: -23 * 60 - 59, max: 23 * 60 + 59 }),
      (ms, off) => {
        const local = new Date(ms + off * 60_000).toISOString().slice(0, 23);
        const sign = off < 0 ? '-' : '+';
        const a = Math.abs(off);
        const s = `${local}${sign}${String(Math.floor(a / 60)).padStart(2, '0')}:${String(a % 60).padStart(2, '0')}`;
        assert.equal(parseIso(s), ms / 1000);
        assert.equal(parseIso(s), Date.parse(s) / 1000);
      },
    ), { numRuns: 2000 });
  });

  it('daysFromCivil matches Date.UTC, including years before 100', () => {
    assert.equal(daysFromCivil(1970, 1, 1), 0);
    assert.equal(daysFromCivil(2026, 1, 1), 20454);
    const d = new Date(0);
    d.setUTCFullYear(50, 0, 1);
    assert.equal(daysFromCivil(50, 1, 1) * 86_400_000, d.getTime());
  });
});

describe('formatIso', () => {
  it('writes Z and milliseconds only when non-zero', () => {
    assert.equal(formatIso(T0), '2026-01-01T04:39:41Z');
    assert.equal(formatIso(T0 + 0.25), '2026-01-01T04:39:41.250Z');
    assert.equal(formatIso(T0 + 0.001), '2026-01-01T04:39:41.001Z');
    assert.equal(formatIso(T0 + 0.0004), '2026-01-01T04:39:41Z');
    assert.equal(formatIso(0), '1970-01-01T00:00:00Z');
    assert.equal(formatIso(-0.5), '1969-12-31T23:59:59.500Z');
  });

  it('refuses non-finite values and years without a 4-digit form', () => {
    assert.throws(() => formatIso(Number.NaN), RangeError);
    assert.throws(() => formatIso(Infinity), RangeError);
    assert.throws(() => formatIso(Date.UTC(10000, 0, 1) / 1000), RangeError);
  });

  it('round-trips with parseIso at millisecond resolution', () => {
    const YEAR_0000 = -62_167_219_200_000; // 0000-01-01T00:00:00Z in ms (Date.UTC maps year 0 to 1900)
    fc.assert(fc.property(fc.integer({ min: YEAR_0000, max: Date.UTC(9999, 11, 31, 23, 59, 59, 999) }), (ms) => {
      const t = ms / 1000;
      assert.equal(parseIso(formatIso(t)), t);
    }), { numRuns: 5000 });
  });
});
