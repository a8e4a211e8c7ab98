// A button that acts only when pressed twice: the first press asks the question on the
// button itself, the second acts (for deletions and discards that cannot be undone).

export function confirmTwice(button: HTMLButtonElement, question: string, act: () => Promise<unknown>): void {
  const label = button.textContent ?? "";
  button.addEventListener("click", async () => {
    if (button.dataset.armed !== "true") {
      button.dataset.armed = "true";
      button.textContent = question;
      return;
    }
    button.dataset.armed = "false";
    button.textContent = label;
    await act();
  });
}
