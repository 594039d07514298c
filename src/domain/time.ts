/**
 * Strict ISO-8601 timestamps ↔ epoch seconds. Pure: no clock, no locale, no `Date.parse`
 * (whose accepted formats are implementation-defined).
 *
 * Accepted (the RFC 3339 profile of ISO-8601, extended form):
 *
 *     YYYY-MM-DDTHH:MM:SS[.f…]Z
 *     YYYY-MM-DDTHH:MM:SS[.f…]±HH:MM
 *
 * - the date must exist (`2026-02-30`, `2026-13-01` are refused; leap years are honoured);
 * - hours 00–23, minutes 00–59, seconds 00–59 (no leap second `:60`, no `24:00`);
 * - a fraction has at least one digit; any number of digits is read, exactly up to the
 *   microsecond (beyond that the value is the nearest double);
 * - the timezone is mandatory: `Z` or a `±HH:MM` offset (offset hours 00–23).
 *
 * Everything else (lowercase `t`/`z`, a space separator, basic format `20260101T…`, a
 * missing timezone, week or ordinal dates, surrounding whitespace) is refused.
 */
import type { EpochSeconds } from './identity-events.ts';

const C_0 = 48; // '0'
const C_DASH = 45;
const C_COLON = 58;
const C_T = 84;
const C_Z = 90;
const C_DOT = 46;
const C_PLUS = 43;

/** Decimal scales 10^0 … 10^6: fractions up to 6 digits are combined exactly. */
const POW10 = [1, 10, 100, 1_000, 10_000, 100_000, 1_000_000];

const digit = (s: string, i: number): number => {
  const d = s.charCodeAt(i) - C_0;
  return d >= 0 && d <= 9 ? d : -1;
};

/** Two decimal digits at `i`, or -1. */
const two = (s: string, i: number): number => {
  const a = digit(s, i);
  const b = digit(s, i + 1);
  return a < 0 || b < 0 ? -1 : a * 10 + b;
};

const isLeap = (y: number): boolean => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

export const daysInMonth = (year: number, month: number): number =>
  month === 2 && isLeap(year) ? 29 : DAYS_IN_MONTH[month - 1];

/**
 * Days from 1970-01-01 to the given proleptic Gregorian date (H. Hinnant's `days_from_civil`).
 * Exact for every year, unlike `Date.UTC`, which maps years 0–99 to 1900–1999.
 */
export const daysFromCivil = (y: number, m: number, d: number): number => {
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const mp = (m + 9) % 12; // March = 0
  const doy = Math.floor((153 * mp + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
};

/**
 * Parse a strict ISO-8601 timestamp into epoch seconds (fractions kept). Returns `null` for
 * anything that is not a valid timestamp of the profile above; never throws.
 */
export function parseIso(s: string): EpochSeconds | null {
  const n = s.length;
  // Shortest valid form: "YYYY-MM-DDTHH:MM:SSZ" (20 chars).
  if (n < 20) return null;
  const y0 = two(s, 0);
  const y1 = two(s, 2);
  if (y0 < 0 || y1 < 0) return null;
  const year = y0 * 100 + y1;
  if (s.charCodeAt(4) !== C_DASH) return null;
  const month = two(s, 5);
  if (month < 1 || month > 12 || s.charCodeAt(7) !== C_DASH) return null;
  const day = two(s, 8);
  if (day < 1 || day > daysInMonth(year, month) || s.charCodeAt(10) !== C_T) return null;
  const hour = two(s, 11);
  if (hour < 0 || hour > 23 || s.charCodeAt(13) !== C_COLON) return null;
  const minute = two(s, 14);
  if (minute < 0 || minute > 59 || s.charCodeAt(16) !== C_COLON) return null;
  const second = two(s, 17);
  if (second < 0 || second > 59) return null;

  let i = 19;
  let frac = 0; // the first min(6, digits) fraction digits, as an integer
  let fracDigits = 0;
  let fracTail = 0; // digits beyond the sixth, as a fraction of a microsecond
  let tailScale = 1;
  if (s.charCodeAt(i) === C_DOT) {
    i++;
    const startFrac = i;
    for (; i < n; i++) {
      const d = digit(s, i);
      if (d < 0) break;
      if (fracDigits < 6) {
        frac = frac * 10 + d;
        fracDigits++;
      } else if (tailScale < 1e9) {
        tailScale *= 10;
        fracTail += d / tailScale;
      }
    }
    if (i === startFrac) return null;
  }

  let offset = 0; // seconds east of UTC
  const tz = s.charCodeAt(i);
  if (tz === C_Z) {
    if (i + 1 !== n) return null;
  } else if (tz === C_PLUS || tz === C_DASH) {
    if (i + 6 !== n) return null;
    const oh = two(s, i + 1);
    const om = two(s, i + 4);
    if (oh < 0 || oh > 23 || s.charCodeAt(i + 3) !== C_COLON || om < 0 || om > 59) return null;
    offset = (oh * 3600 + om * 60) * (tz === C_PLUS ? 1 : -1);
  } else {
    return null;
  }

  const whole =
    daysFromCivil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second - offset;
  if (fracDigits === 0) return whole;
  const scale = POW10[fracDigits];
  const scaled = whole * scale + frac;
  // Exact integer ÷ exact power of ten = the correctly rounded double of the true value, so
  // "…41.25Z", "…41.250Z" and formatIso's output all give the very same number.
  if (fracTail === 0 && Number.isSafeInteger(scaled)) return scaled / scale;
  return whole + (frac + fracTail) / scale;
}

const pad2 = (v: number): string => (v < 10 ? '0' + v : '' + v);
const pad3 = (v: number): string => (v < 10 ? '00' + v : v < 100 ? '0' + v : '' + v);

/**
 * Epoch seconds → ISO-8601 in UTC with `Z`, rounded to the millisecond; the milliseconds are
 * written only when non-zero: `2026-01-01T04:39:41Z`, `2026-01-01T04:39:41.250Z`.
 * Years outside 0000–9999 have no 4-digit form: they throw a RangeError, as does a non-finite
 * input.
 */
export function formatIso(seconds: EpochSeconds): string {
  if (!Number.isFinite(seconds)) throw new RangeError(`formatIso: not a finite time: ${seconds}`);
  const ms = Math.round(seconds * 1000);
  const d = new Date(ms);
  const year = d.getUTCFullYear();
  if (Number.isNaN(year) || year < 0 || year > 9999) {
    throw new RangeError(`formatIso: year out of range 0000-9999: ${seconds}`);
  }
  const millis = d.getUTCMilliseconds();
  const base =
    (year < 1000 ? ('000' + year).slice(-4) : '' + year) +
    '-' + pad2(d.getUTCMonth() + 1) + '-' + pad2(d.getUTCDate()) +
    'T' + pad2(d.getUTCHours()) + ':' + pad2(d.getUTCMinutes()) + ':' + pad2(d.getUTCSeconds());
  return millis === 0 ? base + 'Z' : base + '.' + pad3(millis) + 'Z';
}

// ---- formatIso without a Date, for the hot path (campaign profiles format every activity bound)

const isoText = Buffer.alloc(24);
const MS_PER_DAY = 86_400_000;
const YEAR_10000_MS = 253_402_300_800_000;
// ASCII tens and units digits of 0–99. Looked up, not divided: a helper doing the divisions
// measured ~20% slower than writing each digit inline; with the lookups it is as fast.
const TENS = Uint8Array.from({ length: 100 }, (_, v) => 48 + Math.floor(v / 10));
const UNITS = Uint8Array.from({ length: 100 }, (_, v) => 48 + (v % 10));
/** `v` (0–99) as two ASCII digits at `at` of `isoText`. */
function digits2(at: number, v: number): void {
  isoText[at] = TENS[v];
  isoText[at + 1] = UNITS[v];
}
/**
 * `formatIso` without a Date: the civil date from the day number (H. Hinnant's algorithm),
 * written as bytes and decoded once. Same string for every input in [1970, 10000); anything
 * else (and every error case) goes to `formatIso` itself.
 */
export function fastIso(seconds: number): string {
  const ms = Math.round(seconds * 1000);
  if (!(ms >= 0 && ms < YEAR_10000_MS)) return formatIso(seconds);
  const days = Math.floor(ms / MS_PER_DAY);
  let rest = ms - days * MS_PER_DAY;
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  const hh = Math.floor(rest / 3_600_000);
  rest -= hh * 3_600_000;
  const mm = Math.floor(rest / 60_000);
  rest -= mm * 60_000;
  const ss = Math.floor(rest / 1000);
  const millis = rest - ss * 1000;
  const b = isoText;
  digits2(0, Math.floor(year / 100));
  digits2(2, year % 100);
  b[4] = 45; // '-'
  digits2(5, month);
  b[7] = 45;
  digits2(8, day);
  b[10] = 84; // 'T'
  digits2(11, hh);
  b[13] = 58; // ':'
  digits2(14, mm);
  b[16] = 58;
  digits2(17, ss);
  if (millis === 0) {
    b[19] = 90; // 'Z'
    return b.toString('latin1', 0, 20);
  }
  b[19] = 46; // '.'
  b[20] = 48 + Math.floor(millis / 100);
  digits2(21, millis % 100);
  b[23] = 90;
  return b.toString('latin1', 0, 24);
}
