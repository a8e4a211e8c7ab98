// Privacy (issue 19). Review before upload: capture sets waiting on this computer, shown
// exactly as they would be sent, each with a countdown and Discard (which cuts the time
// since the previous screenshot from the entry, as deleting it on the server would). The
// user's choices: review where the admin allows it, and private apps and sites, whose
// monitor is sent as a plain tile. My data: what is on this computer, an export of all of
// it, and "Delete all local data". The agent decides and keeps everything.

import { commands, type PrivacyStatus, type Waiting } from "./bindings";
import { confirmTwice } from "./confirm";

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

let waiting: Waiting | null = null;
/** The agent's clock minus this page's when the list was read: countdowns use the agent's time. */
let skew = 0;
let ticker: number | undefined;

const mmss = (seconds: number) =>
  `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, "0")}`;

function tick(): void {
  for (const line of document.querySelectorAll<HTMLElement>("#review-sets [data-send-at]")) {
    const left = Math.max(0, Math.round((Date.parse(line.dataset.sendAt!) - (Date.now() + skew)) / 1000));
    line.textContent = left > 0 ? `sent in ${mmss(left)}` : "sending…";
  }
}

function renderWaiting(): void {
  const sets = waiting?.sets ?? [];
  $("review").hidden = sets.length === 0;
  const list = $("review-sets");
  list.replaceChildren();
  for (const set of sets) {
    const item = document.createElement("li");
    item.className = "review-set";
    item.dataset.id = set.id;
    const when = document.createElement("span");
    when.className = "review-time";
    when.textContent = new Date(set.captured).toLocaleTimeString();
    const countdown = document.createElement("span");
    countdown.className = "countdown";
    countdown.dataset.sendAt = set.sendAt;
    const pictures = document.createElement("div");
    pictures.className = "review-pictures";
    for (const p of set.pictures) {
      const img = document.createElement("img");
      img.src = `data:image/jpeg;base64,${p.jpegBase64}`;
      img.width = Math.min(240, p.width);
      img.alt = p.private ? `${p.monitor}: private tile` : `Screenshot of ${p.monitor}, as it will be sent`;
      if (p.private) img.className = "private";
      pictures.append(img);
    }
    const discard = document.createElement("button");
    discard.type = "button";
    discard.className = "discard";
    discard.textContent = "Discard";
    confirmTwice(discard, "Discard and cut this time?", async () => {
      const result = await commands.discardScreenshots(set.id);
      const note = $("review-note");
      note.hidden = false;
      note.textContent =
        result.status === "error"
          ? result.error.message
          : result.data.entryDeleted
            ? "Discarded; it was the entry's only screenshot, so the entry was deleted."
            : `Discarded; ${mmss(result.data.removedSeconds)} was cut from the entry.`;
      await loadWaiting();
    });
    item.append(when, " ", countdown, pictures, discard);
    list.append(item);
  }
  window.clearInterval(ticker);
  if (sets.length > 0) ticker = window.setInterval(tick, 1000);
  tick();
}

export async function loadWaiting(): Promise<void> {
  const result = await commands.waitingScreenshots();
  if (result.status !== "ok") return;
  waiting = result.data;
  skew = Date.parse(result.data.now) - Date.now();
  renderWaiting();
}

let status: PrivacyStatus | null = null;

function renderPrivacy(): void {
  if (!status) return;
  const review = $<HTMLInputElement>("review-mine");
  review.checked = status.review === "required" || (status.settings.reviewScreenshots ?? false);
  review.disabled = status.review !== "allowed";
  $("review-rule").textContent =
    status.review === "required"
      ? `Your workspace requires it: each screenshot waits ${status.reviewMinutes} minutes on this computer before it is sent.`
      : status.review === "allowed"
        ? `Your workspace allows it: screenshots wait ${status.reviewMinutes} minutes before they are sent.`
        : "Your workspace sends screenshots as they are taken.";
  $<HTMLTextAreaElement>("private-apps").value = (status.settings.privateApps ?? []).join("\n");
  $<HTMLTextAreaElement>("private-apps").disabled = !status.privateAppsAllowed;
  $("private-apps-rule").textContent = status.privateAppsAllowed
    ? "One app or site per line. While one is in front on a monitor, that monitor is sent as a plain \"private\" tile; time keeps running."
    : "Your workspace's admin does not allow private apps.";
}

export async function loadPrivacy(): Promise<void> {
  const result = await commands.privacy();
  if (result.status !== "ok") return;
  status = result.data;
  renderPrivacy();
}

/** Saves the user's choices; `extra` adds one app or site (the auto tracker's button). */
async function savePrivacy(extra?: string): Promise<void> {
  if (!status) return;
  const apps = $<HTMLTextAreaElement>("private-apps")
    .value.split("\n")
    .map((a) => a.trim())
    .filter((a) => a.length > 0);
  if (extra && !apps.some((a) => a.toLowerCase() === extra.toLowerCase())) apps.push(extra);
  const result = await commands.setPrivacy({
    reviewScreenshots: $<HTMLInputElement>("review-mine").checked,
    privateApps: apps,
  });
  const error = $("privacy-error");
  error.hidden = result.status === "ok";
  if (result.status === "ok") {
    status = result.data;
    renderPrivacy();
    $("privacy-saved").hidden = false;
  } else error.textContent = result.error.message;
}

/** The auto tracker's one-click "Private in screenshots". */
export function makePrivate(app: string): Promise<void> {
  return savePrivacy(app);
}

export async function loadMyData(): Promise<void> {
  const result = await commands.myData();
  if (result.status !== "ok") return;
  const d = result.data;
  const facts: [string, string][] = [
    ["Time entries", String(d.entries)],
    ["Changes not yet sent", String(d.changesWaiting)],
    ["Screenshots waiting for review", String(d.screenshotsWaitingReview)],
    ["Screenshots waiting to be sent", String(d.screenshotsWaitingUpload)],
    ...d.screenshotDays.map(
      (day): [string, string] => [`Screenshots on ${day.date}`, `${day.taken} taken, ${day.onDevice} still here`],
    ),
    ["Auto tracker spans (never sent)", String(d.activitySpans)],
    ["Idle periods (never sent)", String(d.idlePeriods)],
    ["Server", d.server ?? "not signed in"],
    ["Last answer from the server", d.lastSync ? new Date(d.lastSync).toLocaleString() : "none yet"],
    ["Kept in", d.dataDir],
  ];
  const list = $("my-data-facts");
  list.replaceChildren();
  for (const [name, value] of facts) {
    const dt = document.createElement("dt");
    dt.textContent = name;
    const dd = document.createElement("dd");
    dd.textContent = value;
    list.append(dt, dd);
  }
}

export function setupPrivacy(): void {
  $("review-mine").addEventListener("change", () => void savePrivacy());
  $<HTMLFormElement>("privacy-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    void savePrivacy();
  });
  $("my-data").addEventListener("toggle", () => void loadMyData());
  $("export-my-data").addEventListener("click", async () => {
    const line = $("my-data-result");
    line.textContent = "Writing…";
    const result = await commands.exportMyData();
    line.textContent = result.status === "ok" ? `Saved to ${result.data}` : result.error.message;
  });
  confirmTwice($("delete-local-data"), "Really delete everything on this computer?", async () => {
    const result = await commands.deleteLocalData();
    $("my-data-result").textContent =
      result.status === "ok" ? "Everything on this computer was deleted, and you are signed out." : result.error.message;
    await loadMyData();
  });
}
