// Copy buttons: [data-copy-button] copies the value of the [data-copy-source] beside it to the
// clipboard and says so in [data-copy-status] (and the button's data-copied) until the next copy.
for (const button of document.querySelectorAll<HTMLButtonElement>("[data-copy-button]")) {
  const scope = button.closest("section") ?? document;
  const source = scope.querySelector<HTMLInputElement>("[data-copy-source]");
  const status = scope.querySelector<HTMLElement>("[data-copy-status]");
  if (!source) continue;
  button.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(source.value);
      button.dataset.copied = "true";
      button.textContent = "Copied";
      if (status) status.textContent = "Copied to the clipboard.";
    } catch {
      // No clipboard permission: select the text so that the usual shortcut copies it.
      source.select();
      button.dataset.copied = "false";
      if (status) status.textContent = "Press Ctrl+C (⌘C) to copy the selected text.";
    }
  });
}
