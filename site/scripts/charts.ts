// Chart.js, tree-shaken: only the bar chart pieces, tooltips and the legend are registered here
// (the profile page adds the polar-area pieces for its clock). Colours come from the theme's CSS
// custom properties and follow the theme toggle. Every label is drawn on the canvas as text, so
// user-supplied names cannot become markup.
import { BarController, BarElement, CategoryScale, Chart, Legend, LinearScale, Tooltip } from "chart.js";
import { THEME_CHANGE } from "./theme";

Chart.register(BarController, BarElement, CategoryScale, LinearScale, Tooltip, Legend);

export { Chart };

Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
Chart.defaults.maintainAspectRatio = false;

// Animation defaults are set field by field: Chart.js resolves every animated property (numbers,
// colours, its easing and interpolation functions) through the defaults object, and replacing that
// object leaves animations without their interpolator ("this._fn is not a function" on the first
// hover or update, after which the chart stops redrawing).
const ANIMATION_MS = 400;
const HOVER_MS = Chart.defaults.transitions.active?.animation?.duration ?? ANIMATION_MS;
const reducedMotion = window.matchMedia("(prefers-reduced-motion: reduce)");

/** Reduced motion: every transition takes no time (values jump, nothing moves), live-switchable. */
function applyMotionPreference(): void {
  const reduce = reducedMotion.matches;
  const animation = Chart.defaults.animation;
  if (animation) animation.duration = reduce ? 0 : ANIMATION_MS;
  const active = Chart.defaults.transitions.active?.animation;
  if (active) active.duration = reduce ? 0 : HOVER_MS;
}
applyMotionPreference();
reducedMotion.addEventListener("change", applyMotionPreference);

/** Every chart of the page by name, for tests and the browser console (`pulseEdge.charts`). */
export const charts: Record<string, Chart> = {};
(globalThis as { pulseEdge?: { charts: Record<string, Chart> } }).pulseEdge = { charts };

let probe: HTMLElement | null = null;

/** The resolved colour of a custom property (they use light-dark(), which canvas cannot parse). */
function cssColor(property: string): string {
  return resolveColor(`var(${property})`);
}

/** Any CSS colour value (light-dark() included) as the current theme resolves it. */
export function resolveColor(value: string): string {
  if (!probe) {
    probe = document.createElement("span");
    probe.hidden = true;
    document.body.append(probe);
  }
  probe.style.color = value;
  return getComputedStyle(probe).color;
}

export interface ThemeColors {
  text: string;
  grid: string;
  surface: string;
  border: string;
  series: string[];
}

export function themeColors(): ThemeColors {
  return {
    text: cssColor("--chart-text"),
    grid: cssColor("--chart-grid"),
    surface: cssColor("--surface"),
    border: cssColor("--border"),
    series: Array.from({ length: 9 }, (_, i) => cssColor(`--chart-${i + 1}`)),
  };
}

/** Calls `apply` now and whenever the theme changes (toggle or system). */
export function onTheme(apply: (colors: ThemeColors) => void): void {
  apply(themeColors());
  document.addEventListener(THEME_CHANGE, () => apply(themeColors()));
}

/** Common look of axes, tooltips and legend in the current theme. */
export function styleChart(chart: Chart, colors: ThemeColors): void {
  const options = chart.options;
  for (const scale of Object.values(options.scales ?? {})) {
    if (!scale) continue;
    if (scale.ticks) scale.ticks.color = colors.text;
    if ("grid" in scale && scale.grid) scale.grid.color = colors.grid;
    if ("border" in scale && scale.border) scale.border.color = colors.grid;
    if ("pointLabels" in scale && scale.pointLabels) scale.pointLabels.color = colors.text;
  }
  const plugins = options.plugins;
  if (plugins?.legend?.labels) plugins.legend.labels.color = colors.text;
  if (plugins?.tooltip) {
    plugins.tooltip.backgroundColor = colors.surface;
    plugins.tooltip.titleColor = colors.text;
    plugins.tooltip.bodyColor = colors.text;
    plugins.tooltip.footerColor = colors.text;
    plugins.tooltip.borderColor = colors.border;
    plugins.tooltip.borderWidth = 1;
  }
}

const integer = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });
export const formatTick = (value: number | string) => (typeof value === "number" ? integer.format(value) : value);
