// Local wall-clock times of the edit forms and the instants they mean. A wall-clock time
// can mean two instants (the repeated hour when clocks go back) or none (the hour skipped
// when they go forward); nothing here guesses: the caller shows the choices with their UTC
// offsets and the user picks. Pure functions of the process's time zone (TZ), tested in
// several zones by ui/tests/localtime.test.mjs.

const pad = (n: number) => String(n).padStart(2, "0");

/** The value a `datetime-local` input (step 1 s) shows for an instant, in local time. */
export function toLocalInput(iso: string): string {
  const d = new Date(iso);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(
    d.getMinutes(),
  )}:${pad(d.getSeconds())}`;
}

/** The UTC offset in force at an instant, as "+03:00" / "-04:30". */
export function offsetOf(iso: string): string {
  const minutes = -new Date(iso).getTimezoneOffset();
  const sign = minutes < 0 ? "-" : "+";
  const abs = Math.abs(minutes);
  return `${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

/** What a `datetime-local` value means here. */
export type LocalTime =
  | { kind: "invalid" }
  | { kind: "skipped" }
  | { kind: "one"; iso: string }
  | { kind: "two"; earlier: string; later: string };

/** A `datetime-local` value with its seconds: browsers leave out ":00". */
export function normalise(value: string): string {
  return /T\d{2}:\d{2}$/.test(value) ? `${value}:00` : value;
}

const INPUT = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/;

/**
 * Every instant whose local wall-clock time is `value` ("YYYY-MM-DDTHH:MM[:SS]"): none in
 * a skipped hour, two in a repeated one. Offsets are taken from the day around the value,
 * so any zone rule (30-minute shifts included) is covered.
 */
export function resolveLocal(value: string): LocalTime {
  const m = INPUT.exec(value);
  if (!m) return { kind: "invalid" };
  const [y, mo, d, h, mi, s] = m.slice(1).map((part) => Number(part ?? 0));
  const naive = Date.UTC(y, mo - 1, d, h, mi, s);
  if (Number.isNaN(naive)) return { kind: "invalid" };
  const offsets = new Set<number>();
  for (let probe = naive - 36 * 3600_000; probe <= naive + 36 * 3600_000; probe += 900_000) {
    offsets.add(new Date(probe).getTimezoneOffset());
  }
  const normalised = normalise(value);
  const found = [...offsets]
    .map((offset) => naive + offset * 60_000)
    .filter((t) => toLocalInput(new Date(t).toISOString()) === normalised)
    .sort((a, b) => a - b)
    .map((t) => new Date(t).toISOString());
  const unique = [...new Set(found)];
  if (unique.length === 0) return { kind: "skipped" };
  if (unique.length === 1) return { kind: "one", iso: unique[0] };
  return { kind: "two", earlier: unique[0], later: unique[unique.length - 1] };
}

/**
 * What an edit sends for one time field: `unchanged` when the input still shows the
 * original instant (so an untouched field never moves it or drops its milliseconds), the
 * instant when it means exactly one (or the user picked one of two), and otherwise why not.
 */
export function editedTime(
  originalIso: string | null,
  value: string,
  pick: "earlier" | "later" | null,
): { kind: "unchanged" } | { kind: "set"; iso: string } | { kind: "choose" } | { kind: "skipped" } | { kind: "invalid" } {
  if (originalIso !== null && normalise(value) === toLocalInput(originalIso)) return { kind: "unchanged" };
  const meant = resolveLocal(value);
  switch (meant.kind) {
    case "one":
      return { kind: "set", iso: meant.iso };
    case "two":
      return pick === null ? { kind: "choose" } : { kind: "set", iso: pick === "earlier" ? meant.earlier : meant.later };
    default:
      return meant;
  }
}
