/** HTTP dates (IMF-fixdate, e.g. `Thu, 18 Apr 2016 15:13:00 GMT`). */

let cachedSecond = -1;
let cachedText = '';

/** The current time as an HTTP date, formatted at most once per second (hot path). */
export function httpNow(): string {
  const now = Date.now();
  const second = Math.floor(now / 1000);
  if (second !== cachedSecond) {
    cachedSecond = second;
    cachedText = new Date(now).toUTCString();
  }
  return cachedText;
}

/** A given time as an HTTP date. */
export function httpDate(date: Date): string {
  return date.toUTCString();
}
