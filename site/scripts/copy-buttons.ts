// Copy buttons: every `button[data-copy="<id>"]` copies the value (inputs) or text of element <id> and
// says so in `[data-copy-status="<id>"]`; without clipboard access it selects the text instead.
// The buttons are hidden in the HTML and shown here, so they never appear without JavaScript.
for (const button of document.querySelectorAll<HTMLButtonElement>("button[data-copy]")) {
  const id = button.dataset.copy!;
  const source = document.getElementById(id);
  const status = document.querySelector<HTMLElement>(`[data-copy-status="${id}"]`);
  if (!source) continue;
  button.hidden = false;
  button.addEventListener("click", async () => {
    const text = source instanceof HTMLInputElement || source instanceof HTMLTextAreaElement ? source.value : (source.textContent ?? "");
    try {
      await navigator.clipboard.writeText(text);
      if (status) status.textContent = "Copied.";
    } catch {
      if (source instanceof HTMLInputElement) source.select();
      else window.getSelection()?.selectAllChildren(source);
      if (status) status.textContent = "Selected: press Ctrl+C (⌘C) to copy.";
    }
  });
}
