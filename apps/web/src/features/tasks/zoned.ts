/**
 * Wall-clock times in the user's time zone (their profile's, not the browser's): a date or
 * datetime-local input holds "2026-03-05" / "2026-03-05T17:30" with no zone, read here as a time
 * in `timeZone`, and an instant is shown back the same way.
 */

const formats = new Map<string, Intl.DateTimeFormat>();

function partsIn(instant: number, timeZone: string) {
  let format = formats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
    });
    formats.set(timeZone, format);
  }
  const part = Object.fromEntries(format.formatToParts(instant).map((p) => [p.type, Number(p.value)]));
  return {
    year: part.year ?? 0,
    month: part.month ?? 1,
    day: part.day ?? 1,
    hour: part.hour ?? 0,
    minute: part.minute ?? 0,
  };
}

/** How far `timeZone`'s clock is ahead of UTC at `instant`, in ms. */
function offsetAt(instant: number, timeZone: string): number {
  const p = partsIn(instant, timeZone);
  return Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute) - Math.floor(instant / 60_000) * 60_000;
}

/** "2026-03-05T17:30" (or "2026-03-05", midnight) in `timeZone` as an instant. */
export function fromZoned(local: string, timeZone: string): Date {
  const [date = "", time = "00:00"] = local.split("T");
  const [y, m, d] = date.split("-").map(Number);
  const [h, min] = time.split(":").map(Number);
  const wall = Date.UTC(y ?? Number.NaN, (m ?? 1) - 1, d ?? 1, h ?? 0, min ?? 0);
  if (Number.isNaN(wall)) return new Date(Number.NaN);
  // The offset at the guess, then at the result: right across a daylight-saving change.
  const first = wall - offsetAt(wall, timeZone);
  return new Date(wall - offsetAt(first, timeZone));
}

const pad = (n: number) => String(n).padStart(2, "0");

/** An instant as a datetime-local value ("2026-03-05T17:30") in `timeZone`. */
export function toZoned(instant: Date, timeZone: string): string {
  const p = partsIn(instant.getTime(), timeZone);
  return `${p.year}-${pad(p.month)}-${pad(p.day)}T${pad(p.hour)}:${pad(p.minute)}`;
}

/** Today's date in `timeZone` as "2026-03-05", moved by `days`. */
export function dayIn(timeZone: string, days = 0, now = Date.now()): string {
  const p = partsIn(now, timeZone);
  const day = new Date(Date.UTC(p.year, p.month - 1, p.day + days));
  return day.toISOString().slice(0, 10);
}
