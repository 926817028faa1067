// The profile page in the browser: draws the charts from the data embedded in the page, then
// follows /live/users/:username. Every snapshot replaces the state; `profile.pulses` deltas are
// applied when they continue the sequence (fromSeq = lastSeq + 1), otherwise the page asks for a
// fresh snapshot. New XP flashes the header and is announced to screen readers.
import { ArcElement, PolarAreaController, RadialLinearScale, type ChartDataset } from "chart.js";
import type { ProfileServerMessage, ProfileView } from "#worker/protocol";
import { formatInt, hourLabel, localDate } from "../lib/format";
import { applyPulses, chartData, OTHERS, type DaysChart, type ProfileChartData } from "../lib/profile-model";
import { languageColorCss, othersColorCss } from "../lib/language-colors";
import { Chart, charts, formatTick, onTheme, resolveColor, styleChart, themeColors, type ThemeColors } from "./charts";
import { LiveSocket, type LiveStatus } from "./live-socket";
import { renderCalendar, renderLists, renderTables, renderTotal, renderYear } from "./profile-dom";

Chart.register(PolarAreaController, ArcElement, RadialLinearScale);

type HoursStyle = "bars" | "clock";
const HOURS_STYLE_KEY = "pe-hours-chart";
const STATUS_TEXT: Record<LiveStatus, string> = {
  connecting: "Connecting…",
  live: "Live",
  reconnecting: "Reconnecting…",
  gone: "Unavailable",
};

const root = document.querySelector<HTMLElement>("[data-profile]");
if (root) start(root);

function start(root: HTMLElement): void {
  const username = root.dataset.username ?? "";
  let data = JSON.parse(root.dataset.charts ?? "null") as ProfileChartData;
  let view: ProfileView | null = null;
  /** Server clock minus browser clock, from the latest snapshot (decides what counts as recent). */
  let clockOffset = 0;
  let colors: ThemeColors = themeColors();
  let hoursStyle: HoursStyle = storedHoursStyle();
  let daysChart: Chart | null = null;
  let hoursChart: Chart | null = null;

  const status = root.querySelector<HTMLElement>("[data-live-status]");
  const stats = root.querySelector<HTMLElement>("[data-stats]");
  const empty = root.querySelector<HTMLElement>("[data-empty]");

  // ---- charts ----

  function ensureCharts(): void {
    if (stats?.hidden) return; // drawn once there is something to draw (a canvas needs a size)
    if (!daysChart) {
      const canvas = root.querySelector<HTMLCanvasElement>('[data-chart="days"]');
      if (canvas) {
        show(canvas);
        const chart = new Chart(canvas, {
          type: "bar",
          data: { labels: data.days.labels, datasets: daysDatasets(data.days) },
          options: {
            interaction: { mode: "index", intersect: false },
            scales: {
              x: { stacked: true, grid: { display: false } },
              y: { stacked: true, beginAtZero: true, ticks: { callback: formatTick, maxTicksLimit: 6 } },
            },
            plugins: {
              legend: { position: "bottom", labels: { boxWidth: 12, boxHeight: 12, usePointStyle: false } },
              tooltip: {
                filter: (item) => (item.raw as number) > 0,
                callbacks: {
                  label: (item) => ` ${item.dataset.label}: ${formatInt(item.raw as number)} XP`,
                  footer: (items) => `Total: ${formatInt(items.reduce((sum, i) => sum + (i.raw as number), 0))} XP`,
                },
              },
            },
          },
        });
        daysChart = chart as unknown as Chart;
        styleChart(daysChart, colors);
        daysChart.update("none");
        charts.days = daysChart;
      }
    }
    if (!hoursChart) drawHours();
  }

  function daysDatasets(days: DaysChart): ChartDataset<"bar">[] {
    return days.series.map((s, i) => ({
      label: s.label,
      data: s.data,
      // A language keeps its colour whatever its rank (site/lib/language-colors.ts).
      backgroundColor: resolveColor(s.label === OTHERS && i === days.series.length - 1 ? othersColorCss() : languageColorCss(s.label)),
      borderRadius: 3,
      maxBarThickness: 44,
    }));
  }

  function drawHours(): void {
    const canvas = root.querySelector<HTMLCanvasElement>('[data-chart="hours"]');
    if (!canvas) return;
    show(canvas);
    hoursChart?.destroy();
    const labels = data.hours.map((_, h) => hourLabel(h));
    const tooltip = { callbacks: { label: (item: { raw: unknown }) => ` ${formatInt(item.raw as number)} XP` } };
    const chart =
      hoursStyle === "clock"
        ? new Chart(canvas, {
            type: "polarArea",
            data: { labels, datasets: [{ label: "XP", data: [...data.hours], backgroundColor: clockColors(), borderWidth: 1 }] },
            options: {
              // 24 segments of 15°, midnight centred at the top: a 24-hour clock.
              startAngle: -7.5,
              scales: {
                r: {
                  beginAtZero: true,
                  ticks: { display: false },
                  // Every third hour is labelled, like the marks on a clock face.
                  pointLabels: {
                    display: true,
                    centerPointLabels: true,
                    font: { size: 11 },
                    callback: (label, index) => (index % 3 === 0 ? label.slice(0, 2) : ""),
                  },
                },
              },
              plugins: { legend: { display: false }, tooltip },
            },
          })
        : new Chart(canvas, {
            type: "bar",
            data: { labels, datasets: [{ label: "XP", data: [...data.hours], backgroundColor: colors.series[0], borderRadius: 3 }] },
            options: {
              scales: {
                x: { grid: { display: false }, ticks: { maxRotation: 0, autoSkipPadding: 8 } },
                y: { beginAtZero: true, ticks: { callback: formatTick, maxTicksLimit: 6 } },
              },
              plugins: { legend: { display: false }, tooltip },
            },
          });
    hoursChart = chart as unknown as Chart;
    styleChart(hoursChart, colors);
    hoursChart.update("none");
    charts.hours = hoursChart;
  }

  function clockColors(): string[] {
    // Night hours in the muted colour, daytime in the accent, so the clock reads at a glance.
    return data.hours.map((_, h) => (h >= 6 && h < 18 ? colors.series[0]! : colors.series[5]!));
  }

  function updateCharts(): void {
    if (daysChart) {
      const byLabel = new Map(daysChart.data.datasets.map((d) => [d.label, d]));
      daysChart.data.labels = data.days.labels;
      daysChart.data.datasets = daysDatasets(data.days).map((fresh) => {
        const existing = byLabel.get(fresh.label);
        return existing ? Object.assign(existing, { data: fresh.data, backgroundColor: fresh.backgroundColor }) : fresh;
      });
      daysChart.update();
    }
    if (hoursChart) {
      hoursChart.data.datasets[0]!.data = [...data.hours];
      hoursChart.update();
    }
  }

  onTheme((next) => {
    colors = next;
    if (daysChart) {
      daysChart.data.datasets = daysDatasets(data.days);
      styleChart(daysChart, colors);
      daysChart.update("none");
    }
    if (hoursChart) drawHours();
  });

  // ---- the hour chart's style (bars or clock), remembered ----

  const styleGroup = root.querySelector<HTMLElement>("[data-hours-style]");
  if (styleGroup) {
    styleGroup.hidden = false;
    const buttons = [...styleGroup.querySelectorAll<HTMLButtonElement>("button[data-style]")];
    const press = () => {
      for (const b of buttons) b.setAttribute("aria-pressed", String(b.dataset.style === hoursStyle));
    };
    press();
    for (const button of buttons) {
      button.addEventListener("click", () => {
        hoursStyle = button.dataset.style === "clock" ? "clock" : "bars";
        try {
          localStorage.setItem(HOURS_STYLE_KEY, hoursStyle);
        } catch {
          // not remembered, still switched
        }
        press();
        if (hoursChart) drawHours();
      });
    }
  }

  // ---- live state ----

  function render(gained: { xp: number; languages: string[] } | null): void {
    if (!view) return;
    const today = localDate(new Date());
    data = chartData(view, today);
    const hasXp = view.totalXp > 0;
    if (stats) stats.hidden = !hasXp;
    if (empty) empty.hidden = hasXp;
    renderTotal(root, view);
    renderLists(root, view);
    renderYear(root, view, today);
    renderCalendar(root, view, today);
    renderTables(root, view, data.days);
    ensureCharts();
    updateCharts();
    if (gained && gained.xp > 0) celebrate(gained);
  }

  function celebrate(gained: { xp: number; languages: string[] }): void {
    const header = root.querySelector<HTMLElement>("[data-total]");
    if (header) {
      header.classList.remove("xp-flash");
      void header.offsetWidth; // restart the animation
      header.classList.add("xp-flash");
    }
    const slot = root.querySelector<HTMLElement>("[data-gain]");
    if (slot) {
      const badge = document.createElement("span");
      badge.className = "xp-gain";
      badge.textContent = `+${formatInt(gained.xp)} XP`;
      badge.setAttribute("aria-hidden", "true");
      slot.replaceChildren(badge);
      setTimeout(() => badge.remove(), 2600);
    }
    const announce = root.querySelector<HTMLElement>("[data-announce]");
    if (announce) announce.textContent = `New: ${formatInt(gained.xp)} XP in ${gained.languages.join(", ")}.`;
  }

  const socket = new LiveSocket<ProfileServerMessage>({
    path: `/live/users/${encodeURIComponent(username)}`,
    isSnapshot: (m) => m.type === "profile.snapshot",
    onStatus(next) {
      if (next === "gone") hideGoneProfile(root);
      if (!status) return;
      status.textContent = STATUS_TEXT[next];
      status.dataset.status = next;
    },
    onMessage(message) {
      if (message.type === "profile.snapshot") {
        const first = view === null;
        view = message.profile;
        clockOffset = view.at - Date.now();
        render(null);
        if (first) scrollYearToToday(root); // the browser's today may differ from the server's
        return;
      }
      if (!view) return;
      const result = applyPulses(view, message, Date.now() + clockOffset);
      if (result === "gap") socket.resync();
      else if (result === "applied") {
        const languages = new Set<string>();
        let xp = 0;
        for (const p of message.pulses) {
          for (const x of p.xps) {
            xp += x.amount;
            languages.add(x.language);
          }
        }
        render({ xp, languages: [...languages] });
      }
    },
  });

  ensureCharts();
  scrollYearToToday(root);
  socket.start();
}

/** The profile went private or was deleted while open: say so instead of showing stale numbers. */
function hideGoneProfile(root: HTMLElement): void {
  const notice = root.querySelector<HTMLElement>("[data-gone]");
  if (!notice) return;
  for (const part of root.querySelectorAll<HTMLElement>("[data-total], [data-stats], [data-empty]")) part.hidden = true;
  for (const chart of Object.values(charts)) chart.destroy();
  for (const name of Object.keys(charts)) delete charts[name];
  notice.hidden = false;
}

/** Opens the day-of-year table (wider than a phone) on today's column, beside the sticky month names. */
function scrollYearToToday(root: HTMLElement): void {
  const cell = root.querySelector<HTMLElement>("[data-year] td.today");
  const wrap = cell?.closest<HTMLElement>(".table-wrap");
  if (!cell || !wrap || wrap.scrollWidth <= wrap.clientWidth) return;
  const months = wrap.querySelector("tbody th")?.getBoundingClientRect().width ?? 0;
  wrap.scrollLeft = Math.max(0, cell.offsetLeft - months - (wrap.clientWidth - months - cell.offsetWidth) / 2);
}

/** Reveals a chart's box and folds the table behind it (still one click away). */
function show(canvas: HTMLCanvasElement): void {
  const box = canvas.closest<HTMLElement>("[data-chart-box]");
  if (box) box.hidden = false;
  const table = box?.parentElement?.querySelector<HTMLDetailsElement>("details.chart-fallback");
  if (table) table.open = false;
}

function storedHoursStyle(): HoursStyle {
  try {
    return localStorage.getItem(HOURS_STYLE_KEY) === "clock" ? "clock" : "bars";
  } catch {
    return "bars";
  }
}
