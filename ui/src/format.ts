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

/** A day's heading: "Today", "Yesterday", or "Mon, Nov 30" (the user's language). `date`
 * and `today` are local dates, "YYYY-MM-DD". */
export function dayHeading(date: string, today: string): string {
  if (date === today) return "Today";
  const [y, m, d] = date.split("-").map(Number);
  const [ty, tm, td] = today.split("-").map(Number);
  const day = new Date(y, m - 1, d);
  const yesterday = new Date(ty, tm - 1, td - 1);
  if (day.getTime() === yesterday.getTime()) return "Yesterday";
  return day.toLocaleDateString([], { weekday: "short", month: "short", day: "numeric" });
}

/** The local date of an instant (default now), "YYYY-MM-DD". */
export function localDate(when: Date = new Date()): string {
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${when.getFullYear()}-${pad(when.getMonth() + 1)}-${pad(when.getDate())}`;
}

export { toLocalInput } from "./localtime";
import { resolveLocal } from "./localtime";

/** A `datetime-local` value (local time) as a UTC ISO string, or null if empty, invalid or
 * not one instant (a skipped or repeated local time: the edit form asks instead). */
export function fromLocalInput(value: string): string | null {
  const meant = resolveLocal(value);
  return meant.kind === "one" ? meant.iso : null;
}
