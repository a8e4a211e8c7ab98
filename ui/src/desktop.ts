// "This computer": how Stint lives on this desktop. Start at login is a file the session
// reads (XDG autostart), kept by the agent; the switch says what the session will do.

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
