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

export { toLocalInput } from "./localtime";
import { resolveLocal } from "./localtime";

/** A `datetime-local` value (local time) as a UTC ISO string, or null if empty, invalid or
 * not one instant (a skipped or repeated local time: the edit form asks instead). */
export function fromLocalInput(value: string): string | null {
  const meant = resolveLocal(value);
  return meant.kind === "one" ? meant.iso : null;
}
