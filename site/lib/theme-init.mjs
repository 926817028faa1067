// The one inline script of the site: it applies a stored theme choice before the first paint (a
// bundled module would run after it and the page would flash in the other theme). It is a constant:
// astro.config.mjs puts its SHA-256 into the Content-Security-Policy, so no 'unsafe-inline' is needed.
export const THEME_STORAGE_KEY = "pe-theme";
export const THEME_INIT_SCRIPT = `try{var t=localStorage.getItem("${THEME_STORAGE_KEY}");if(t==="light"||t==="dark")document.documentElement.dataset.theme=t}catch(e){}`;
