// The theme toggle: light or dark, stored in localStorage (the inline script in the layout applies
// it before the first paint). Without a stored choice the page follows the system's preference.
import { THEME_STORAGE_KEY } from "../lib/theme-init.mjs";

export type Theme = "light" | "dark";
export const THEME_CHANGE = "pe:themechange";

const dark = window.matchMedia("(prefers-color-scheme: dark)");

function currentTheme(): Theme {
  const chosen = document.documentElement.dataset.theme;
  if (chosen === "light" || chosen === "dark") return chosen;
  return dark.matches ? "dark" : "light";
}

function label(button: HTMLButtonElement): void {
  const next = currentTheme() === "dark" ? "light" : "dark";
  button.setAttribute("aria-label", `Switch to ${next} theme`);
  button.title = `Switch to ${next} theme`;
}

function announce(): void {
  document.dispatchEvent(new CustomEvent(THEME_CHANGE, { detail: currentTheme() }));
}

for (const button of document.querySelectorAll<HTMLButtonElement>("[data-theme-toggle]")) {
  button.hidden = false;
  label(button);
  button.addEventListener("click", () => {
    const next: Theme = currentTheme() === "dark" ? "light" : "dark";
    document.documentElement.dataset.theme = next;
    try {
      // Choosing what the system prefers anyway means "follow the system" from now on.
      if ((next === "dark") === dark.matches) localStorage.removeItem(THEME_STORAGE_KEY);
      else localStorage.setItem(THEME_STORAGE_KEY, next);
    } catch {
      // Storage may be unavailable (private mode); the choice then lasts for this page only.
    }
    label(button);
    announce();
  });
}

dark.addEventListener("change", () => {
  for (const button of document.querySelectorAll<HTMLButtonElement>("[data-theme-toggle]")) label(button);
  announce();
});
