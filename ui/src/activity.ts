// The private auto tracker's view: one day at a time, grouped by app or by site/title,
// with a timeline. Rows can be added as an entry (this fills the manual entry form, to be
// checked and confirmed), deleted, or ignored forever. Nothing here is ever synced.

import { commands, type StoredSpan_Serialize as StoredSpan, type IgnoreKind } from "./bindings";
import { makePrivate } from "./privacy";
import { confirmTwice } from "./confirm";
import { clock, hms, secondsBetween, toLocalInput } from "./format";

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

let day = new Date();
let spans: StoredSpan[] = [];
const selected = new Set<number>();

function isoDate(d: Date): string {
  const p = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
}

function groupKey(span: StoredSpan, by: string): string {
  return by === "app" ? span.app : (span.site ?? span.title) || span.app;
}

function seconds(span: StoredSpan): number {
  return secondsBetween(span.start, span.end);
}

function renderTimeline(): void {
  const line = $("activity-timeline");
  line.replaceChildren();
  const midnight = new Date(day.getFullYear(), day.getMonth(), day.getDate()).getTime();
  for (const span of spans) {
    const bar = document.createElement("span");
    const from = Math.max(0, (Date.parse(span.start) - midnight) / 864e5);
    const to = Math.min(1, (Date.parse(span.end) - midnight) / 864e5);
    bar.style.left = `${from * 100}%`;
    bar.style.width = `${Math.max(0.2, (to - from) * 100)}%`;
    bar.title = `${clock(span.start)}–${clock(span.end)} ${span.app}: ${span.title}`;
    line.append(bar);
  }
}

/** One click puts an app or site on the private list (its monitor becomes a plain tile). */
function privateButton(value: string): HTMLButtonElement {
  const button = document.createElement("button");
  button.type = "button";
  button.className = "make-private";
  button.textContent = "Private in screenshots";
  button.addEventListener("click", () => void makePrivate(value));
  return button;
}

function ignoreButton(kind: IgnoreKind, value: string): HTMLButtonElement {
  const button = document.createElement("button");
  button.type = "button";
  button.className = "ignore";
  button.dataset.kind = kind;
  button.dataset.value = value;
  button.textContent = kind === "app" ? "Ignore app forever" : "Ignore site forever";
  button.addEventListener("click", async () => {
    await commands.ignoreActivity(kind, value);
  });
  return button;
}

function render(): void {
  $("activity-date").textContent = day.toLocaleDateString([], { weekday: "short", day: "numeric", month: "short" });
  const by = $<HTMLSelectElement>("activity-group").value;
  const groups = new Map<string, StoredSpan[]>();
  for (const span of spans) groups.set(groupKey(span, by), [...(groups.get(groupKey(span, by)) ?? []), span]);
  const list = $("activity-list");
  list.replaceChildren();
  const sorted = [...groups].sort((a, b) => b[1].reduce((s, x) => s + seconds(x), 0) - a[1].reduce((s, x) => s + seconds(x), 0));
  for (const [name, members] of sorted) {
    const group = document.createElement("li");
    group.className = "activity-group";
    const head = document.createElement("div");
    head.className = "activity-head";
    const title = document.createElement("strong");
    title.textContent = name;
    const total = document.createElement("span");
    total.className = "duration";
    total.textContent = hms(members.reduce((s, x) => s + seconds(x), 0));
    head.append(title, total);
    if (by === "app") head.append(ignoreButton("app", name), privateButton(name));
    else if (members[0].site) head.append(ignoreButton("site", members[0].site), privateButton(members[0].site));
    const rows = document.createElement("ul");
    for (const span of members) {
      const row = document.createElement("li");
      row.className = "activity-span";
      row.dataset.id = String(span.id);
      const box = document.createElement("input");
      box.type = "checkbox";
      box.checked = selected.has(span.id);
      box.addEventListener("change", () => (box.checked ? selected.add(span.id) : selected.delete(span.id)));
      const text = document.createElement("span");
      text.textContent = `${clock(span.start)}–${clock(span.end)} ${by === "app" ? span.title : span.app} (${hms(seconds(span))})`;
      row.append(box, text);
      rows.append(row);
    }
    group.append(head, rows);
    list.append(group);
  }
  $("activity-empty").hidden = spans.length > 0;
  renderTimeline();
}

export async function loadActivity(): Promise<void> {
  const result = await commands.activityDay(isoDate(day));
  if (result.status === "error") return;
  spans = result.data.spans;
  $("activity-paused").hidden = !result.data.paused;
  const ids = new Set(spans.map((s) => s.id));
  for (const id of selected) if (!ids.has(id)) selected.delete(id);
  render();
}

/** Fills the manual entry form from the selected rows; the user checks and confirms. */
function addAsEntry(): void {
  const chosen = spans.filter((s) => selected.has(s.id));
  if (chosen.length === 0) return;
  const start = chosen.reduce((a, s) => (s.start < a ? s.start : a), chosen[0].start);
  const end = chosen.reduce((a, s) => (s.end > a ? s.end : a), chosen[0].end);
  ($("manual") as HTMLDetailsElement).open = true;
  $<HTMLInputElement>("manual-description").value = chosen[0].site ?? chosen[0].title;
  for (const [id, iso] of [["manual-start", start], ["manual-end", end]]) {
    const input = $<HTMLInputElement>(id);
    input.value = toLocalInput(iso);
    // The time field shows its offset choice when the time happens twice.
    input.dispatchEvent(new Event("input"));
  }
  $<HTMLInputElement>("manual-description").focus();
}

export function setupActivity(): void {
  $("activity-prev").addEventListener("click", () => {
    day = new Date(day.getFullYear(), day.getMonth(), day.getDate() - 1);
    void loadActivity();
  });
  $("activity-next").addEventListener("click", () => {
    day = new Date(day.getFullYear(), day.getMonth(), day.getDate() + 1);
    void loadActivity();
  });
  $("activity-group").addEventListener("change", render);
  $("activity-add").addEventListener("click", addAsEntry);
  $("activity-delete").addEventListener("click", async () => {
    await commands.deleteActivity([...selected]);
  });
  confirmTwice($("activity-delete-day"), "Really delete this day?", () => commands.deleteActivityDay(isoDate(day)));
  confirmTwice($("activity-delete-all"), "Really delete everything?", () => commands.deleteActivityDay(null));
  $("activity-pause").addEventListener("click", async () => {
    await commands.setAutoTrackerPaused($("activity-paused").hidden);
  });
}
