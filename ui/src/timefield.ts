// A `datetime-local` input that never guesses which instant a local time means: when the
// time happens twice (clocks went back) a choice with both UTC offsets appears beside it,
// when it does not exist (clocks went forward) a hint says so; an untouched field reports
// "unchanged" so an edit never moves it.

import { editedTime, offsetOf, resolveLocal } from "./localtime";

export type TimeFieldValue = ReturnType<typeof editedTime>;

export interface TimeField {
  /** The input, its offset choice and its hint, to put in a form. */
  element: HTMLSpanElement;
  input: HTMLInputElement;
  read(): TimeFieldValue;
}

/** A time field showing `originalIso` (or empty), with `className` on the input. */
export function timeField(input: HTMLInputElement, originalIso: string | null): TimeField {
  const choice = document.createElement("select");
  choice.className = "offset-choice";
  choice.hidden = true;
  choice.title = "This local time happens twice on that day: pick which one";
  const hint = document.createElement("span");
  hint.className = "time-hint";
  hint.hidden = true;
  const element = document.createElement("span");
  element.className = "time-field";
  element.append(input, choice, hint);
  const update = () => {
    const meant = resolveLocal(input.value);
    choice.hidden = meant.kind !== "two";
    hint.hidden = meant.kind !== "skipped";
    if (meant.kind === "two") {
      const previous = choice.value;
      const label = (iso: string, which: string) => `${which} (UTC${offsetOf(iso)})`;
      choice.replaceChildren(
        new Option(label(meant.earlier, "first"), "earlier"),
        new Option(label(meant.later, "second"), "later"),
      );
      // Keep the user's pick; else the one the entry had, if it was one of these.
      choice.value = previous || (originalIso !== null && offsetOf(originalIso) === offsetOf(meant.later) ? "later" : "earlier");
    }
    if (meant.kind === "skipped") hint.textContent = "This time does not exist on that day (the clocks went forward).";
  };
  input.addEventListener("input", update);
  // A form reset changes the value without an input event.
  input.form?.addEventListener("reset", () => setTimeout(update));
  update();
  return {
    element,
    input,
    read: () => editedTime(originalIso, input.value, choice.hidden ? null : (choice.value as "earlier" | "later")),
  };
}

/** The sentence for a field that cannot be saved, or null. */
export function timeProblem(name: string, value: TimeFieldValue): string | null {
  switch (value.kind) {
    case "skipped":
      return `The ${name} does not exist on that day (the clocks went forward): pick another time.`;
    case "invalid":
      return `Enter a ${name}.`;
    case "choose":
      return `The ${name} happens twice on that day: pick which one.`;
    default:
      return null;
  }
}
