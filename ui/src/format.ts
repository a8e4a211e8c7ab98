// Formatting of durations and times; the only place the UI turns numbers into text.

/** "H:MM:SS" from seconds, never negative. */
export function hms(totalSeconds: number): string {
  const s = Math.max(0, Math.floor(totalSeconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  return `${h}:${String(m).padStart(2, "0")}:${String(sec).padStart(2, "0")}`;
}

/** Seconds between two instants (the end defaulting to now), never negative. */
export function secondsBetween(startIso: string, endIso: string | null, nowMs = Date.now()): number {
  const end = endIso === null ? nowMs : Date.parse(endIso);
  return Math.max(0, (end - Date.parse(startIso)) / 1000);
}

/** "09:05" in the user's time zone. */
export function clock(iso: string): string {
  return new Date(iso).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
}

const pad = (n: number) => String(n).padStart(2, "0");

/** The value a `datetime-local` input shows for an instant, in local time. */
export function toLocalInput(iso: string): string {
  const d = new Date(iso);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(
    d.getMinutes(),
  )}:${pad(d.getSeconds())}`;
}

/** A `datetime-local` value (local time) as a UTC ISO string, or null if empty or invalid. */
export function fromLocalInput(value: string): string | null {
  if (!value) return null;
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
}
