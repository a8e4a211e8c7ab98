// The week's list (issue 14): the days with entries, newest first, each with its total,
// and one row per entry with inline editing and a confirmed delete. An entry an admin
// locked on the server shows as locked, without the means to change it.

import type {
  Entry_Serialize as Entry,
  EntryPatch_Deserialize as EntryPatch,
  WeekView_Serialize as WeekView,
} from "./bindings";
import { clock, dayHeading, hms, secondsBetween, toLocalInput } from "./format";
import { timeField, timeProblem } from "./timefield";
import { WorkPicker, workSummary } from "./picker";

export interface EntryActions {
  edit(id: string, patch: EntryPatch): Promise<boolean>;
  remove(id: string): Promise<boolean>;
  /** Starts a new entry like this one. */
  continue(id: string): Promise<boolean>;
}

function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Partial<HTMLElementTagNameMap[K]> = {},
  ...children: (Node | string)[]
): HTMLElementTagNameMap[K] {
  const node = Object.assign(document.createElement(tag), props);
  node.append(...children);
  return node;
}

/** Why a locked entry cannot be changed, as the agent says it too. */
export const LOCKED_REASON = "Locked by your workspace's admin: it can no longer be changed.";

/** Renders the week into `container`; `today` is the local date ("YYYY-MM-DD"). The total
 * of today's group carries `data-grows` so the clock can move it with a running timer. */
export function renderWeek(container: HTMLElement, week: WeekView, today: string, actions: EntryActions): void {
  const locked = new Set(week.locked);
  container.replaceChildren(
    ...week.days.map((day) => {
      const total = el("span", { className: "day-total", textContent: hms(day.totalSeconds) });
      total.dataset.baseSeconds = String(day.totalSeconds);
      if (day.date === today && day.entries.some((e) => e.end === null)) total.dataset.grows = "true";
      const heading = el("h3", {}, el("span", { className: "day-name", textContent: dayHeading(day.date, today) }), total);
      const list = el("ul", { className: "entries" }, ...day.entries.map((e) => entryRow(e, locked.has(e.id), actions)));
      const section = el("section", { className: "day" }, heading, list);
      section.dataset.date = day.date;
      return section;
    }),
  );
}

function entryRow(entry: Entry, locked: boolean, actions: EntryActions): HTMLLIElement {
  const li = el("li", { className: ["entry", entry.end === null ? "running" : "", locked ? "locked" : ""].join(" ").trim() });
  li.dataset.id = entry.id;
  const showView = () =>
    li.replaceChildren(
      viewRow(entry, locked, { onEdit: showEdit, onDelete: showConfirm, onContinue: () => void actions.continue(entry.id) }),
    );
  const showEdit = () => li.replaceChildren(editForm(entry, actions, showView));
  const showConfirm = () => li.replaceChildren(confirmRow(entry, actions, showView));
  showView();
  return li;
}

function viewRow(
  entry: Entry,
  locked: boolean,
  on: { onEdit: () => void; onDelete: () => void; onContinue: () => void },
): HTMLElement {
  const running = entry.end === null;
  const desc = el("span", {
    className: entry.description ? "desc" : "desc none",
    textContent: entry.description || "(no description)",
  });
  const span = el("span", {
    className: "span",
    textContent: `${clock(entry.start)} – ${running ? "now" : clock(entry.end as string)}`,
  });
  const duration = el("span", { className: "duration", textContent: hms(secondsBetween(entry.start, entry.end)) });
  if (running) duration.dataset.runningSince = entry.start;
  const work = workSummary(entry.work);
  // Continue is for stopped entries (a running one already runs); it is allowed on a
  // locked entry too, as it changes nothing of it.
  const again = el("button", { type: "button", className: "continue", textContent: "▶ Continue", title: "Start a new timer like this entry" });
  again.hidden = running;
  again.addEventListener("click", on.onContinue);
  const edit = el("button", { type: "button", className: "edit", textContent: "Edit" });
  edit.addEventListener("click", on.onEdit);
  const del = el("button", { type: "button", className: "delete danger", textContent: "Delete" });
  del.addEventListener("click", on.onDelete);
  if (!locked) return el("div", { className: "row" }, desc, work, span, duration, again, edit, del);
  edit.disabled = true;
  del.disabled = true;
  edit.title = del.title = LOCKED_REASON;
  const badge = el("span", { className: "lock", textContent: "Locked", title: LOCKED_REASON });
  return el("div", { className: "row" }, desc, work, span, duration, badge, again, edit, del);
}

function editForm(entry: Entry, actions: EntryActions, done: () => void): HTMLFormElement {
  const running = entry.end === null;
  const description = el("input", { type: "text", className: "edit-description", value: entry.description, maxLength: 3000 });
  const start = timeField(
    el("input", { type: "datetime-local", className: "edit-start", step: "1", value: toLocalInput(entry.start) }),
    entry.start,
  );
  const end = timeField(
    el("input", {
      type: "datetime-local",
      className: "edit-end",
      step: "1",
      value: running ? "" : toLocalInput(entry.end as string),
      disabled: running,
      title: running ? "Stop the timer to set an end" : "",
    }),
    entry.end,
  );
  const picker = new WorkPicker(() => {});
  picker.set(entry.work);
  const problem = el("p", { className: "edit-problem error", hidden: true });
  const save = el("button", { type: "submit", className: "save", textContent: "Save" });
  const cancel = el("button", { type: "button", className: "cancel", textContent: "Cancel" });
  cancel.addEventListener("click", done);
  const form = el(
    "form",
    {},
    description,
    picker.element,
    el("label", {}, "Start ", start.element),
    el("label", {}, "End ", end.element),
    problem,
    el("div", { className: "actions" }, save, cancel),
  );
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    // Only what the user changed is sent: an untouched time keeps its exact instant.
    const newStart = start.read();
    const newEnd = running ? ({ kind: "unchanged" } as const) : end.read();
    const why = timeProblem("start", newStart) ?? timeProblem("end", newEnd);
    problem.hidden = why === null;
    problem.textContent = why ?? "";
    if (why !== null) return;
    const patch: EntryPatch = {
      description: description.value === entry.description ? null : description.value,
      start: newStart.kind === "set" ? newStart.iso : null,
      end: newEnd.kind === "set" ? newEnd.iso : null,
      work: sameWork(picker.get(), entry.work) ? null : picker.get(),
    };
    save.disabled = true;
    if (await actions.edit(entry.id, patch)) done();
    save.disabled = false;
  });
  return form;
}

function confirmRow(entry: Entry, actions: EntryActions, cancelled: () => void): HTMLElement {
  const yes = el("button", { type: "button", className: "confirm-delete danger", textContent: "Delete" });
  const no = el("button", { type: "button", className: "cancel", textContent: "Keep" });
  yes.addEventListener("click", async () => {
    yes.disabled = true;
    if (!(await actions.remove(entry.id))) cancelled();
  });
  no.addEventListener("click", cancelled);
  const question = `Delete “${entry.description || "(no description)"}”? This cannot be undone.`;
  return el("div", { className: "row" }, el("span", { className: "desc", textContent: question }), yes, no);
}

function sameWork(a: Entry["work"], b: Entry["work"]): boolean {
  return (
    a.projectId === b.projectId &&
    a.taskId === b.taskId &&
    a.billable === b.billable &&
    a.tagIds.join("\n") === b.tagIds.join("\n")
  );
}
