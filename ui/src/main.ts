// The main window: the timer, the week's entries (earlier weeks a click away) and the
// manual entry form. Every change goes through the agent's commands; the window re-reads
// the week whenever the agent says something changed (from here, the tray, the server or
// anywhere else).

import {
  commands,
  events,
  type WeekView_Serialize as WeekView,
  type Entry_Serialize as Entry,
  type SyncStatus_Serialize as SyncStatus,
  type SensorProblem,
  type WorkspacePolicy,
  type UiError,
} from "./bindings";
import { renderWeek } from "./entries";
import { renderPrompt } from "./idle-prompt";
import { loadActivity, setupActivity } from "./activity";
import {
  loadAbout,
  loadDesktopSettings,
  loadPomodoro,
  loadReminders,
  loadShortcut,
  setupAbout,
  setupDesktopSettings,
  setupPomodoro,
  setupReminders,
  setupShortcut,
} from "./desktop";
import { hms, localDate, secondsBetween } from "./format";
import { timeField, timeProblem, type TimeField } from "./timefield";
import { NO_WORK, setCatalog, WorkPicker } from "./picker";
import { loadPrivacy, loadWaiting, setupPrivacy } from "./privacy";

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const description = $<HTMLInputElement>("description");
const toggle = $<HTMLButtonElement>("toggle");
const elapsed = $<HTMLSpanElement>("elapsed");
const errorBox = $<HTMLParagraphElement>("error");
const notice = $<HTMLParagraphElement>("notice");
const list = $<HTMLDivElement>("entries");
const total = $<HTMLSpanElement>("total");
const empty = $<HTMLParagraphElement>("empty");
const weekLabel = $<HTMLSpanElement>("week-label");
const weekPrev = $<HTMLButtonElement>("week-prev");
const weekNext = $<HTMLButtonElement>("week-next");

let running: Entry | null = null;

/** The next timer's project, tags and billable, or the running entry's (changed as it runs). */
const timerPicker = new WorkPicker(async (work) => {
  if (running) unwrap(await commands.editEntry(running.id, { description: null, start: null, end: null, work }));
});
description.insertAdjacentElement("afterend", timerPicker.element);
WorkPicker.createTag = async (name) => unwrap(await commands.createTag(name));
/** Which week is shown: 0 this week, 1 the one before, and so on. */
let weeksBack = 0;
let weekTotalAtLoad = 0;
/** Whether the running entry is in the week shown (its growth moves the week's total). */
let runningInView = false;
let runningSecondsAtLoad = 0;
let ticker: number | undefined;

type Result<T> = { status: "ok"; data: T } | { status: "error"; error: UiError };

/** Unwraps a command's result, showing its error to the user; null on failure. */
function unwrap<T>(result: Result<T>): T | null {
  if (result.status === "ok") {
    errorBox.hidden = true;
    return result.data;
  }
  // The agent's errors are {code, message}; Tauri's own (a command not allowed, say) are
  // plain text, shown as they are rather than as nothing.
  const error = result.error as UiError | string;
  errorBox.textContent = typeof error === "string" ? error : error.message;
  errorBox.dataset.code = typeof error === "string" ? "window" : error.code;
  errorBox.hidden = false;
  return null;
}

function renderTimer(): void {
  const isRunning = running !== null;
  toggle.textContent = isRunning ? "Stop" : "Start";
  toggle.className = isRunning ? "stop" : "start";
  if (isRunning && document.activeElement !== description) description.value = running!.description;
  if (isRunning) timerPicker.set(running!.work);
  updateClock();
  // Tick only while a timer runs: an idle window costs no CPU.
  if (isRunning && ticker === undefined) ticker = window.setInterval(updateClock, 1000);
  if (!isRunning && ticker !== undefined) {
    window.clearInterval(ticker);
    ticker = undefined;
  }
}

function updateClock(): void {
  elapsed.textContent = running ? hms(secondsBetween(running.start, null)) : "0:00:00";
  // The totals grow in step with the running timer's own whole seconds.
  const runningSeconds = running ? Math.floor(secondsBetween(running.start, null)) : 0;
  const grown = runningInView ? runningSeconds - runningSecondsAtLoad : 0;
  total.textContent = hms(weekTotalAtLoad + grown);
  for (const day of list.querySelectorAll<HTMLElement>("[data-grows]")) {
    day.textContent = hms(Number(day.dataset.baseSeconds) + grown);
  }
  for (const cell of list.querySelectorAll<HTMLElement>("[data-running-since]")) {
    cell.textContent = hms(secondsBetween(cell.dataset.runningSince!, null));
  }
}

let refreshing: Promise<void> | null = null;
let refreshAgain = false;

/** Re-reads the week; calls made while one is under way fold into one more read. */
function scheduleRefresh(): void {
  if (refreshing) {
    refreshAgain = true;
    return;
  }
  refreshing = refresh().finally(() => {
    refreshing = null;
    if (refreshAgain) {
      refreshAgain = false;
      scheduleRefresh();
    }
  });
}

async function refresh(): Promise<void> {
  const shown = weeksBack;
  const week: WeekView | null = unwrap(await commands.week(shown));
  if (!week || shown !== weeksBack) return;
  running = week.running;
  weekTotalAtLoad = week.totalSeconds;
  runningInView = running !== null && week.days.some((d) => d.entries.some((e) => e.id === running!.id));
  runningSecondsAtLoad = running ? Math.floor(secondsBetween(running.start, null)) : 0;
  renderWeek(list, week, localDate(), {
    edit: async (id, patch) => unwrap(await commands.editEntry(id, patch)) !== null,
    remove: async (id) => unwrap(await commands.deleteEntry(id)) !== null,
    continue: async (id) => {
      const result = await commands.continueEntry(id);
      if (unwrap(result) === null) {
        // The running timer cannot stop without a project: the picker is where to fix it.
        if (result.status === "error" && result.error.code === "project_required") timerPicker.openProject();
        return false;
      }
      description.focus();
      return true;
    },
  });
  empty.hidden = week.days.length > 0;
  empty.textContent = shown === 0 ? "No time tracked this week yet." : "No time tracked in this week.";
  weekLabel.textContent = weekName(shown, week.firstDay);
  weekNext.disabled = shown === 0;
  renderTimer();
}

/** "This week", "Last week", or the week's first and last day. */
function weekName(back: number, firstDay: string): string {
  if (back === 0) return "This week";
  if (back === 1) return "Last week";
  const [y, m, d] = firstDay.split("-").map(Number);
  const show = (date: Date) => date.toLocaleDateString([], { month: "short", day: "numeric" });
  return `${show(new Date(y, m - 1, d))} – ${show(new Date(y, m - 1, d + 6))}`;
}

weekPrev.addEventListener("click", () => {
  weeksBack += 1;
  scheduleRefresh();
});
weekNext.addEventListener("click", () => {
  weeksBack = Math.max(0, weeksBack - 1);
  scheduleRefresh();
});

toggle.addEventListener("click", async () => {
  toggle.disabled = true;
  if (running) {
    const stopped = await commands.stopTimer();
    if (unwrap(stopped) !== null) {
      description.value = "";
      timerPicker.set(NO_WORK);
    } else if (stopped.status === "error" && stopped.error.code === "project_required") {
      // The timer runs on; the picker is where the answer is.
      toggle.disabled = false;
      timerPicker.openProject();
      return;
    }
  } else {
    unwrap(await commands.startTimer(description.value, timerPicker.get()));
  }
  toggle.disabled = false;
  // A change arrives as an agent event; a click that changed nothing still re-reads.
  scheduleRefresh();
});

description.addEventListener("keydown", (ev) => {
  if (ev.key === "Enter" && !running) toggle.click();
});

// Keyboard first: the timer's picker and Start/Stop from anywhere in the window.
document.addEventListener("keydown", (ev) => {
  if (ev.altKey && !ev.ctrlKey && !ev.metaKey) {
    // By the key's place too: Alt with a letter may type another character on some layouts.
    const key = ev.code.startsWith("Key") ? ev.code.slice(3).toLowerCase() : ev.key.toLowerCase();
    const act = key === "p" ? () => timerPicker.openProject() : key === "t" ? () => timerPicker.openTags() : key === "b" ? () => timerPicker.toggleBillable() : null;
    if (act) {
      ev.preventDefault();
      act();
    }
  } else if (ev.ctrlKey && ev.key === "Enter") {
    ev.preventDefault();
    toggle.click();
  }
});

/** The workspace's projects and tags, as the agent keeps them. */
async function loadCatalog(): Promise<void> {
  const catalog = unwrap(await commands.catalog());
  if (!catalog) return;
  setCatalog(catalog);
  document.body.dataset.projects = String(catalog.projects.length);
}

// Renaming the running entry: saved when the field loses focus.
description.addEventListener("change", async () => {
  if (running && description.value !== running.description) {
    unwrap(await commands.editEntry(running.id, { description: description.value, start: null, end: null }));
  }
});

const manualPicker = new WorkPicker(() => {});
$<HTMLInputElement>("manual-description").insertAdjacentElement("afterend", manualPicker.element);

// The manual form's times, with a choice where a local time happens twice.
const manualStart = wrapTimeField("manual-start");
const manualEnd = wrapTimeField("manual-end");

function wrapTimeField(id: string): TimeField {
  const input = $<HTMLInputElement>(id);
  const parent = input.parentElement as HTMLElement;
  const next = input.nextSibling;
  const field = timeField(input, null);
  parent.insertBefore(field.element, next);
  return field;
}

$<HTMLFormElement>("manual-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const start = manualStart.read();
  const end = manualEnd.read();
  const why = timeProblem("start", start) ?? timeProblem("end", end);
  if (why !== null || start.kind !== "set" || end.kind !== "set") {
    const message = why ?? "Enter both a start and an end.";
    unwrap<null>({ status: "error", error: { code: "invalid_entry", message } });
    return;
  }
  const desc = $<HTMLInputElement>("manual-description");
  if (unwrap(await commands.addManualEntry(desc.value, start.iso, end.iso, manualPicker.get())) !== null) {
    desc.value = "";
    ($<HTMLFormElement>("manual-form")).reset();
    manualPicker.set(NO_WORK);
  }
});

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

/** One line about sync, and the sign-in form or the signed-in account. */
function renderSync(status: SyncStatus): void {
  const line = $<HTMLParagraphElement>("sync");
  const texts: Record<SyncStatus["state"], string> = {
    signedOut: "Not signed in: entries stay on this device.",
    synced: `Synced with ${status.server ?? "the server"}.`,
    waiting: `${plural(status.waiting, "change")} waiting to sync.`,
    offline: `Offline: ${plural(status.waiting, "change")} waiting, retrying (${status.message ?? "no answer"}).`,
  };
  let text = texts[status.state];
  if (status.parked > 0) text += ` ${plural(status.parked, "change")} refused by the server: ${status.message ?? ""}`;
  line.textContent = text;
  line.dataset.state = status.state;
  line.dataset.refused = String(status.parked > 0);
  const signedIn = status.state !== "signedOut";
  $<HTMLFormElement>("sign-in-form").hidden = signedIn;
  $<HTMLParagraphElement>("signed-in").hidden = !signedIn;
  const keyNote =
    status.keyStorage === "file" ? " No keyring was found, so your API key is kept in a file only you can read." : "";
  $<HTMLSpanElement>("signed-in-as").textContent = signedIn
    ? `Signed in as ${status.email} at ${status.server}.${keyNote}`
    : "";
}

/** Screenshots are never taken without the user being able to see that they are on. */
function renderPolicy(policy: WorkspacePolicy | null): void {
  document.body.dataset.projectRequired = String(policy?.forceProjects ?? false);
  const line = $<HTMLParagraphElement>("policy");
  line.hidden = !policy?.screenshotsEnabled;
  line.textContent = policy?.screenshotsEnabled
    ? "Screenshots are on in your workspace: while your timer runs, one blurred screenshot of your screens is taken at a random moment in every 5 minutes."
    : "";
}

let idleKeys: (ev: KeyboardEvent) => void = () => {};

/** The idle prompt is shown here too, so closing its small window loses nothing. */
async function loadIdlePrompt(): Promise<void> {
  const prompt = unwrap(await commands.idlePrompt());
  idleKeys = renderPrompt($("idle-main"), prompt, (message) => {
    errorBox.textContent = message;
    errorBox.hidden = false;
  });
}

document.addEventListener("keydown", (ev) => {
  if (!$("idle-main").hidden) idleKeys(ev);
});

async function loadIdleSettings(): Promise<void> {
  const settings = unwrap(await commands.idleSettings());
  if (!settings) return;
  $<HTMLInputElement>("idle-enabled").checked = settings.enabled;
  $<HTMLInputElement>("idle-minutes").value = String(Math.max(1, Math.round(settings.thresholdSeconds / 60)));
}

$<HTMLFormElement>("idle-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const minutes = Number($<HTMLInputElement>("idle-minutes").value);
  const saved = unwrap(
    await commands.setIdleSettings({
      enabled: $<HTMLInputElement>("idle-enabled").checked,
      thresholdSeconds: Math.round(minutes * 60),
    }),
  );
  $("idle-saved").hidden = saved === null;
});

/** What this desktop cannot do (a sensor it does not offer), each with what to do. */
function renderProblems(problems: SensorProblem[]): void {
  const list = $<HTMLUListElement>("problems");
  list.replaceChildren(
    ...problems.map((p) => {
      const item = document.createElement("li");
      const feature = document.createElement("strong");
      feature.textContent = `${p.feature} is unavailable here. `;
      item.append(feature, p.message);
      return item;
    }),
  );
  list.hidden = problems.length === 0;
}

/** The last capture's time, and a capture problem in words the user can act on. */
function renderCapture(text: string): void {
  const line = $<HTMLParagraphElement>("capture");
  line.textContent = text;
  line.hidden = text === "";
}

$<HTMLFormElement>("sign-in-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const button = $<HTMLButtonElement>("sign-in");
  const key = $<HTMLInputElement>("api-key");
  button.disabled = true;
  button.textContent = "Checking…";
  const status = unwrap(await commands.signIn($<HTMLInputElement>("server").value, key.value));
  button.disabled = false;
  button.textContent = "Sign in";
  if (status) {
    key.value = "";
    renderSync(status);
  }
});

$<HTMLButtonElement>("sign-out").addEventListener("click", async () => {
  unwrap(await commands.signOut());
});

async function showTrayNote(): Promise<void> {
  const info = unwrap(await commands.appInfo());
  notice.hidden = !info || info.trayAvailable;
  notice.textContent = notice.hidden ? "" : "No system tray was found: closing this window quits Stint.";
}

/** Everything the window shows, read again (at start, and after the agent came back). */
async function loadAll(): Promise<void> {
  await showTrayNote();
  const sync = unwrap(await commands.syncStatus());
  if (sync) renderSync(sync);
  renderPolicy(unwrap(await commands.workspacePolicy()));
  renderProblems(unwrap(await commands.sensorProblems()) ?? []);
  await loadIdleSettings();
  await loadDesktopSettings();
  await loadReminders();
  await loadShortcut();
  await loadAbout();
  await loadPomodoro();
  await loadActivity();
  await loadPrivacy();
  await loadWaiting();
  await loadIdlePrompt();
  await loadCatalog();
  await refresh();
}

let reconnections = 0;
let noteTimer: number | undefined;

/** The agent went away (the window restarts it) or came back: said while it lasts, and
 *  for a while afterwards, so a quick restart is not a flash nobody can read. */
function renderLink(connected: boolean, message: string | null | undefined): void {
  const line = $<HTMLParagraphElement>("link");
  const wasLost = document.body.dataset.agent === "lost";
  line.hidden = connected;
  line.textContent = connected ? "" : (message ?? "Stint's agent is not answering.");
  document.body.dataset.agent = connected ? "connected" : "lost";
  if (connected && wasLost) {
    reconnections += 1;
    document.body.dataset.reconnected = String(reconnections);
    const note = $<HTMLParagraphElement>("link-note");
    note.textContent = "Stint's agent stopped and was started again; nothing was lost.";
    note.hidden = false;
    window.clearTimeout(noteTimer);
    noteTimer = window.setTimeout(() => (note.hidden = true), 15000);
  }
}

async function main(): Promise<void> {
  await events.linkChanged.listen((event) => {
    renderLink(event.payload.connected, event.payload.message);
    if (event.payload.connected) {
      errorBox.hidden = true;
      void loadAll();
    }
  });
  const link = unwrap(await commands.linkStatus());
  if (link) renderLink(link.connected, link.message);
  await events.agentChanged.listen((event) => {
    const change = event.payload;
    if (change.kind === "syncChanged") renderSync(change.status);
    else if (change.kind === "policyChanged") {
      renderPolicy(change.policy);
      void loadPrivacy();
    } else if (change.kind === "reviewChanged") void loadWaiting();
    else if (change.kind === "screenshotsTaken")
      renderCapture(`Last screenshot taken at ${new Date(change.at).toLocaleTimeString()}.`);
    else if (change.kind === "captureProblem") renderCapture(change.message);
    else if (change.kind === "sensorProblem")
      void commands.sensorProblems().then((r) => renderProblems(unwrap(r) ?? []));
    else if (change.kind === "captureChanged" && !change.armed) renderCapture("");
    else if (change.kind === "activityChanged" || change.kind === "autoTrackerChanged") void loadActivity();
    else if (change.kind === "catalogChanged") void loadCatalog().then(scheduleRefresh);
    else if (change.kind === "idlePrompt" || change.kind === "idleResolved") {
      void loadIdlePrompt();
      if (change.kind === "idleResolved") scheduleRefresh();
    }
    else if (change.kind !== "notice") scheduleRefresh();
  });
  setupActivity();
  setupDesktopSettings();
  setupReminders();
  setupShortcut();
  setupAbout();
  setupPomodoro();
  setupPrivacy();
  await loadAll();
  document.body.dataset.ready = "true";
}

void main();
