// "This computer": how Stint lives on this desktop. Start at login is a file the session
// reads (XDG autostart), kept by the agent; the switch says what the session will do.
// Reminders (work hours, no timer, a long timer) are the agent's settings; it shows them
// as notifications. About shows the version and folders and writes the problem report.

import { commands, type UiError } from "./bindings";

type Result<T> = { status: "ok"; data: T } | { status: "error"; error: UiError };

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

function show(enabled: boolean, packaged: boolean): void {
  const box = $<HTMLInputElement>("autostart");
  box.checked = enabled;
  box.disabled = false;
  $("autostart-note").textContent = packaged
    ? "Installed for everyone on this computer; turning it off affects only you."
    : "";
}

/** Says why the switch could not be read or changed, or hides the line. */
function sayProblem(result: Result<unknown>): void {
  const line = $<HTMLParagraphElement>("autostart-error");
  line.textContent = result.status === "error" ? result.error.message : "";
  line.hidden = result.status !== "error";
}

/** Reads the switch's state from the agent (at start and after the agent came back). */
export async function loadDesktopSettings(): Promise<void> {
  const result = await commands.autostart();
  sayProblem(result);
  if (result.status === "ok") show(result.data.enabled, result.data.packaged);
  else $<HTMLInputElement>("autostart").disabled = true;
}

export function setupDesktopSettings(): void {
  const box = $<HTMLInputElement>("autostart");
  box.addEventListener("change", async () => {
    box.disabled = true;
    const result = await commands.setAutostart(box.checked);
    if (result.status === "ok") {
      sayProblem(result);
      show(result.data.enabled, result.data.packaged);
    } else {
      await loadDesktopSettings();
      sayProblem(result);
    }
  });
}

const hhmm = (minutes: number) =>
  `${String(Math.floor(minutes / 60) % 24).padStart(2, "0")}:${String(minutes % 60).padStart(2, "0")}`;

/** "17:30" as minutes after midnight; "00:00" as an end is midnight at the day's end. */
function minutesOf(value: string, isEnd: boolean): number {
  const [h, m] = value.split(":").map(Number);
  const minutes = h * 60 + m;
  return isEnd && minutes === 0 ? 1440 : minutes;
}

const dayBoxes = () => Array.from(document.querySelectorAll<HTMLInputElement>("#work-days input"));

/** Shows the reminder settings the agent keeps. */
export async function loadReminders(): Promise<void> {
  const result = await commands.reminders();
  if (result.status !== "ok") return;
  const s = result.data;
  $<HTMLInputElement>("remind-no-timer").checked = s.noTimer;
  for (const box of dayBoxes()) box.checked = s.workDays.includes(Number(box.value));
  $<HTMLInputElement>("work-start").value = hhmm(s.workStartMinutes);
  $<HTMLInputElement>("work-end").value = hhmm(s.workEndMinutes);
  $<HTMLInputElement>("remind-every").value = String(Math.max(1, Math.round(s.noTimerEverySeconds / 60)));
  $<HTMLInputElement>("long-timer").value = String(s.longTimerSeconds / 3600);
}

export function setupReminders(): void {
  $<HTMLFormElement>("reminders-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const result = await commands.setReminders({
      noTimer: $<HTMLInputElement>("remind-no-timer").checked,
      workDays: dayBoxes().filter((b) => b.checked).map((b) => Number(b.value)),
      workStartMinutes: minutesOf($<HTMLInputElement>("work-start").value, false),
      workEndMinutes: minutesOf($<HTMLInputElement>("work-end").value, true),
      noTimerEverySeconds: Math.round(Number($<HTMLInputElement>("remind-every").value) * 60),
      longTimerSeconds: Math.round(Number($<HTMLInputElement>("long-timer").value) * 3600),
    });
    const error = $<HTMLParagraphElement>("reminders-error");
    error.hidden = result.status === "ok";
    error.textContent = result.status === "ok" ? "" : result.error.message;
    $("reminders-saved").hidden = result.status !== "ok";
  });
}

function showShortcut(accelerator: string, problem: string | null): void {
  $<HTMLInputElement>("shortcut").value = accelerator;
  const line = $<HTMLParagraphElement>("shortcut-problem");
  line.textContent = problem ?? "";
  line.hidden = !problem;
}

/** Shows the global shortcut and why it does not work here, if it does not. */
export async function loadShortcut(): Promise<void> {
  const result = await commands.shortcut();
  if (result.status === "ok") showShortcut(result.data.accelerator, result.data.problem);
}

export function setupShortcut(): void {
  $<HTMLFormElement>("shortcut-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const result = await commands.setShortcut($<HTMLInputElement>("shortcut").value);
    if (result.status === "ok") showShortcut(result.data.accelerator, result.data.problem);
    else showShortcut($<HTMLInputElement>("shortcut").value, result.error.message);
    $("shortcut-saved").hidden = result.status !== "ok" || result.data.problem !== null;
  });
}

/** About: version and folders, the logs folder, and the problem report. */
export async function loadAbout(): Promise<void> {
  const result = await commands.about();
  if (result.status !== "ok") return;
  $("about-version").textContent = result.data.version;
  $("about-data").textContent = result.data.dataDir;
  $("about-config").textContent = result.data.configDir;
  $("about-logs").textContent = result.data.logDir;
}

function sayAboutProblem(message: string | null): void {
  const line = $<HTMLParagraphElement>("about-error");
  line.textContent = message ?? "";
  line.hidden = message === null;
}

export function setupAbout(): void {
  $<HTMLButtonElement>("open-logs").addEventListener("click", async () => {
    const result = await commands.openLogsFolder();
    sayAboutProblem(result.status === "error" ? result.error.message : null);
  });
  const report = $<HTMLButtonElement>("report-problem");
  report.addEventListener("click", async () => {
    report.disabled = true;
    $("report-result").textContent = "Writing the report…";
    const result = await commands.reportProblem();
    report.disabled = false;
    if (result.status === "ok") {
      $("report-result").textContent =
        `Saved as ${result.data}. Send this file to whoever helps you: it holds the logs and settings, ` +
        "with API keys and passwords removed, and none of your entries or screenshots.";
      sayAboutProblem(null);
    } else {
      $("report-result").textContent = "";
      sayAboutProblem(result.error.message);
    }
  });
}

/** Shows the pomodoro settings. */
export async function loadPomodoro(): Promise<void> {
  const result = await commands.pomodoro();
  if (result.status !== "ok") return;
  $<HTMLInputElement>("pomodoro-enabled").checked = result.data.enabled;
  $<HTMLInputElement>("pomodoro-work").value = String(Math.max(1, Math.round(result.data.workSeconds / 60)));
  $<HTMLInputElement>("pomodoro-break").value = String(Math.max(1, Math.round(result.data.breakSeconds / 60)));
}

export function setupPomodoro(): void {
  $<HTMLFormElement>("pomodoro-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const result = await commands.setPomodoro({
      enabled: $<HTMLInputElement>("pomodoro-enabled").checked,
      workSeconds: Math.round(Number($<HTMLInputElement>("pomodoro-work").value) * 60),
      breakSeconds: Math.round(Number($<HTMLInputElement>("pomodoro-break").value) * 60),
    });
    const error = $<HTMLParagraphElement>("pomodoro-error");
    error.hidden = result.status === "ok";
    error.textContent = result.status === "ok" ? "" : result.error.message;
    $("pomodoro-saved").hidden = result.status !== "ok";
  });
}
