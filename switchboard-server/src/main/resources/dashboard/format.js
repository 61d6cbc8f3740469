// How numbers, times and statuses read on the dashboard, in one place.

const integer = new Intl.NumberFormat(undefined, { maximumFractionDigits: 0 });
const compact = new Intl.NumberFormat(undefined, { notation: 'compact', maximumFractionDigits: 1 });

export const missing = '–';

export function count(value) {
  if (value === null || value === undefined) return missing;
  return value >= 100_000 ? compact.format(value) : integer.format(value);
}

export function ms(value) {
  if (value === null || value === undefined || Number.isNaN(value)) return missing;
  if (value === 0) return '0';
  if (value < 1) return `${value.toFixed(2)} ms`;
  if (value < 1000) return `${Math.round(value)} ms`;
  if (value < 60_000) return `${(value / 1000).toFixed(2)} s`;
  return `${(value / 60_000).toFixed(1)} min`;
}

export function percent(rate) {
  if (rate === null || rate === undefined || Number.isNaN(rate)) return missing;
  const value = rate * 100;
  return `${value === 0 || value >= 10 ? value.toFixed(0) : value.toFixed(1)}%`;
}

export function usd(value) {
  if (value === null || value === undefined) return missing;
  const amount = Number(value);
  if (amount === 0) return '$0';
  if (Math.abs(amount) < 0.01) {
    // Two significant digits, in plain notation ($0.000008, never $8e-6).
    const digits = Math.min(10, Math.ceil(-Math.log10(Math.abs(amount))) + 1);
    return `$${amount.toFixed(digits).replace(/0+$/, '')}`;
  }
  return `$${amount.toFixed(amount < 100 ? 2 : 0)}`;
}

export function clock(epochMs) {
  return new Date(epochMs).toLocaleTimeString(undefined, { hour12: false });
}

export function dateTime(epochMs) {
  return new Date(epochMs).toLocaleString(undefined, {
    month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false,
  });
}

/** A chart's bucket label: the time of day, with the weekday when buckets span days. */
export function bucketLabel(epochMs, bucketMs) {
  const date = new Date(epochMs);
  const time = date.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit', hour12: false });
  return bucketMs >= 3_600_000 ? `${date.toLocaleDateString(undefined, { weekday: 'short' })} ${time}` : time;
}

/** The pill class of an HTTP status: ok (2xx), warn (4xx), err (5xx), none for 499 (client left). */
export function statusTone(status) {
  if (status >= 200 && status < 300) return 'ok';
  if (status === 499) return '';
  if (status >= 400 && status < 500) return 'warn';
  return 'err';
}

export function isCacheHit(cacheStatus) {
  return cacheStatus === 'HIT' || cacheStatus === 'SEMANTIC HIT';
}

/** An instant the API sent as epoch millis or ISO-8601. */
export function epochMillis(value) {
  return typeof value === 'number' ? value : Date.parse(value);
}

/** A rate with its 95% interval ([low, high] from the API): "12.0% (8.1–17.3)". */
export function rateWithInterval(rate, interval) {
  if (rate === null || rate === undefined || Number.isNaN(rate)) return missing;
  const one = (value) => (value * 100).toFixed(1);
  return Array.isArray(interval) && interval.length === 2 && interval[0] !== null
    ? `${one(rate)}% (${one(interval[0])}–${one(interval[1])})`
    : `${one(rate)}%`;
}
