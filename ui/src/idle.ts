// The small always-on-top idle window: the prompt alone. It closes when answered (from
// here or the main window); Escape hides it, and the tray's "Idle time…" brings it back.

import { commands, events } from "./bindings";
import { renderPrompt } from "./idle-prompt";
import { getCurrentWindow } from "@tauri-apps/api/window";

const box = document.getElementById("idle") as HTMLElement;
const errorBox = document.getElementById("error") as HTMLParagraphElement;
let onKey: (ev: KeyboardEvent) => void = () => {};

function showError(message: string): void {
  errorBox.textContent = message;
  errorBox.hidden = false;
}

async function load(): Promise<void> {
  const result = await commands.idlePrompt();
  if (result.status === "error") return showError(result.error.message);
  onKey = renderPrompt(box, result.data, showError);
  if (result.data === null) await getCurrentWindow().close();
}

document.addEventListener("keydown", (ev) => {
  if (ev.key === "Escape") void getCurrentWindow().close();
  else onKey(ev);
});
async function main(): Promise<void> {
  await events.agentChanged.listen((event) => {
    const kind = event.payload.kind;
    if (kind === "idlePrompt" || kind === "idleResolved" || kind === "timerChanged") void load();
  });
  await load();
  document.body.dataset.ready = "true";
}

void main();
