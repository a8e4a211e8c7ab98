// The idle prompt, shown in the small always-on-top window and in the main window alike:
// "Idle since 10:05, 25 minutes" and the answers that still apply, with keyboard shortcuts
// (K keep, D discard, C discard and continue, N keep as a new entry).

import { commands, type IdlePrompt_Serialize as IdlePrompt, type IdleChoice, type UiError } from "./bindings";
import { clock } from "./format";

type Result<T> = { status: "ok"; data: T } | { status: "error"; error: UiError };

const LABELS: Record<string, [string, string]> = {
  keep: ["Keep", "k"],
  discard: ["Discard", "d"],
  discardAndContinue: ["Discard and continue", "c"],
  keepAsNewEntry: ["Keep as new entry", "n"],
};

/** "Idle since 10:05, 25 minutes". */
export function describe(prompt: IdlePrompt): string {
  const minutes = Math.round((Date.parse(prompt.period.end) - Date.parse(prompt.period.start)) / 60000);
  return `Idle since ${clock(prompt.period.start)}, ${minutes} minute${minutes === 1 ? "" : "s"}`;
}

/**
 * Fills `box` with the prompt (or hides it for `null`). `onError` shows a refused answer.
 * Returns a key handler for the shortcuts.
 */
export function renderPrompt(
  box: HTMLElement,
  prompt: IdlePrompt | null,
  onError: (message: string) => void,
): (ev: KeyboardEvent) => void {
  box.replaceChildren();
  box.hidden = prompt === null;
  if (prompt === null) return () => {};
  const title = document.createElement("p");
  title.className = "idle-title";
  title.id = `${box.id}-title`;
  title.textContent = describe(prompt);
  box.append(title);
  if (prompt.timerStopped) {
    const stopped = document.createElement("p");
    stopped.className = "idle-note";
    stopped.textContent = prompt.entry
      ? "The timer was stopped meanwhile; only what still applies is offered."
      : "The entry was deleted meanwhile; there is nothing left to change.";
    box.append(stopped);
  }
  const describeNew = document.createElement("input");
  describeNew.type = "text";
  describeNew.id = `${box.id}-description`;
  describeNew.placeholder = "What was this time?";
  describeNew.hidden = true;
  const answer = async (choice: IdleChoice): Promise<void> => {
    const result = (await commands.resolveIdle(prompt.id, choice)) as Result<unknown>;
    if (result.status === "error") onError(result.error.message);
  };
  const buttons = document.createElement("div");
  buttons.className = "idle-buttons";
  const actions: Record<string, () => void> = {};
  for (const kind of prompt.choices) {
    const [label, key] = LABELS[kind];
    const button = document.createElement("button");
    button.type = "button";
    button.id = `${box.id}-${kind}`;
    button.textContent = label;
    button.title = `Shortcut: ${key.toUpperCase()}`;
    const act =
      kind === "keepAsNewEntry"
        ? () => {
            if (describeNew.hidden) {
              describeNew.hidden = false;
              describeNew.focus();
              return;
            }
            void answer({ kind: "keepAsNewEntry", description: describeNew.value });
          }
        : () => void answer({ kind } as IdleChoice);
    button.addEventListener("click", act);
    actions[key] = act;
    buttons.append(button);
  }
  describeNew.addEventListener("keydown", (ev) => {
    if (ev.key === "Enter") void answer({ kind: "keepAsNewEntry", description: describeNew.value });
  });
  box.append(buttons, describeNew);
  return (ev: KeyboardEvent) => {
    if (ev.target instanceof HTMLInputElement || ev.ctrlKey || ev.altKey || ev.metaKey) return;
    const act = actions[ev.key.toLowerCase()];
    if (!act) return;
    // The key chose an answer: it must not also be typed into the field it may focus.
    ev.preventDefault();
    act();
  };
}
