// The front page in the browser: the XP chart (last 4 hours in 5-minute bars, times in UTC like its
// table), the map's pulse dots, total XP, top languages and viewers, all following /live/feed.
// A snapshot replaces the state; `feed.update` carries changed minutes with absolute values.
// Every 10 s the window moves on when a new minute has begun.
import type { FeedServerMessage, FeedView, MapDot } from "#worker/protocol";
import { formatInt } from "../lib/format";
import { languageColorCss } from "../lib/language-colors";
import { barHeight, BAR_CAP, BIN_MINUTES, binTotals, binWindow, dotSize, hourlyTotals, utcClock } from "../lib/feed-model";
import { mapPosition } from "../lib/map-projection";
import { Chart, charts, formatTick, onTheme, styleChart, themeColors } from "./charts";
import { LiveSocket, type LiveStatus } from "./live-socket";

const STATUS_TEXT: Record<LiveStatus, string> = {
  connecting: "Connecting…",
  live: "Live",
  reconnecting: "Reconnecting…",
  gone: "Unavailable",
};
const DOT_LIFETIME_MS = 4_000;
const MAX_DOTS = 300;
const TICK_MS = 10_000;
const QUIET_AFTER_MS = 60_000;

const root = document.querySelector<HTMLElement>("[data-front]");
if (root) start(root);

function start(root: HTMLElement): void {
  const initial = JSON.parse(root.dataset.feed ?? "null") as FeedView;
  const minutes = new Map<number, number>(initial.minutes);
  let clockOffset = initial.at - Date.now();
  let windowStarts = binWindow(Date.now() + clockOffset);
  let colors = themeColors();

  const labelsOf = (starts: number[]) => starts.map(utcClock);
  const valuesOf = (starts: number[]) => binTotals(minutes, starts).map(barHeight);

  // ---- chart ----
  const canvas = root.querySelector<HTMLCanvasElement>('[data-chart="minutes"]')!;
  const box = canvas.closest<HTMLElement>("[data-chart-box]");
  if (box) box.hidden = false;
  const fallback = root.querySelector<HTMLDetailsElement>('[data-fallback="minutes"]');
  if (fallback) fallback.open = false;
  const chart = new Chart(canvas, {
    type: "bar",
    data: {
      labels: labelsOf(windowStarts),
      datasets: [
        {
          label: "XP",
          data: valuesOf(windowStarts),
          backgroundColor: colors.series[0],
          barPercentage: 0.9,
          categoryPercentage: 0.9,
          borderRadius: 2,
        },
      ],
    },
    options: {
      scales: {
        x: { grid: { display: false }, ticks: { maxRotation: 0, autoSkip: true, maxTicksLimit: 8 } },
        y: { beginAtZero: true, suggestedMax: 10, max: undefined, ticks: { callback: formatTick, maxTicksLimit: 5 } },
      },
      plugins: {
        legend: { display: false },
        tooltip: {
          callbacks: {
            // The bar may be capped; the tooltip tells the real value.
            title: (items) => {
              const start = windowStarts[items[0]?.dataIndex ?? 0]!;
              return `${utcClock(start)}–${utcClock(start + BIN_MINUTES * 60_000)} UTC`;
            },
            label: (item) => {
              const xp = binTotals(minutes, windowStarts)[item.dataIndex] ?? 0;
              return ` ${formatInt(xp)} XP${xp > BAR_CAP ? " (bar capped)" : ""}`;
            },
          },
        },
      },
    },
  });
  charts.minutes = chart as Chart;
  onTheme((next) => {
    colors = next;
    chart.data.datasets[0]!.backgroundColor = colors.series[0];
    styleChart(chart as Chart, colors);
    chart.update("none");
  });

  function redrawChart(animate: boolean): void {
    const starts = binWindow(Date.now() + clockOffset);
    const shifted = starts[0] !== windowStarts[0];
    windowStarts = starts;
    chart.data.labels = labelsOf(starts);
    chart.data.datasets[0]!.data = valuesOf(starts);
    chart.update(animate && !shifted ? undefined : "none");
    const oldest = Date.now() + clockOffset - 4 * 3_600_000;
    for (const [minute] of minutes) if (minute < oldest - 60_000) minutes.delete(minute);
    renderRecent();
  }

  setInterval(() => {
    if (binWindow(Date.now() + clockOffset)[0] !== windowStarts[0]) redrawChart(false);
  }, TICK_MS);

  // ---- figures and lists ----
  const q = (selector: string) => root.querySelector<HTMLElement>(selector);

  function setText(selector: string, text: string, flash = false): void {
    const node = q(selector);
    if (!node || node.textContent === text) return;
    node.textContent = text;
    if (flash) {
      const card = node.closest<HTMLElement>(".card");
      card?.classList.remove("xp-flash");
      void card?.offsetWidth;
      card?.classList.add("xp-flash");
    }
  }

  function renderRecent(): void {
    const hourly = hourlyTotals([...minutes], Date.now() + clockOffset);
    setText("[data-recent-xp]", formatInt(hourly.reduce((sum, h) => sum + h.xp, 0)));
    const body = q("[data-hourly]");
    if (!body) return;
    body.replaceChildren(
      ...hourly.map((h) => {
        const row = document.createElement("tr");
        const th = document.createElement("th");
        th.scope = "row";
        th.textContent = utcClock(h.hour);
        const td = document.createElement("td");
        td.className = "num";
        td.textContent = formatInt(h.xp);
        row.append(th, td);
        return row;
      }),
    );
  }

  function renderLanguages(languages: { name: string; xp: number }[]): void {
    const list = q("[data-top-languages]");
    if (!list) return;
    const max = languages[0]?.xp ?? 0;
    list.replaceChildren(
      ...languages.map((l) => {
        const item = document.createElement("li");
        const name = document.createElement("span");
        name.className = "name";
        name.textContent = l.name;
        const xp = document.createElement("span");
        xp.className = "xp num";
        xp.textContent = `${formatInt(l.xp)} XP`;
        const meter = document.createElement("span");
        meter.className = "meter";
        meter.style.setProperty("--share", `${max > 0 ? Math.max(2, Math.round((l.xp / max) * 100)) : 0}%`);
        meter.style.setProperty("--swatch", languageColorCss(l.name));
        item.append(name, xp, meter);
        return item;
      }),
    );
    const none = q("[data-no-languages]");
    if (none) none.hidden = languages.length > 0;
  }

  // ---- map dots ----
  const dots = q("[data-dots]");
  const quiet = q("[data-map-quiet]");
  let quietTimer: ReturnType<typeof setTimeout> | undefined;
  function addDots(list: MapDot[]): void {
    if (list.length > 0 && quiet) {
      // The "quiet right now" caption gives way to the dots, and comes back a minute after the last one.
      quiet.hidden = true;
      clearTimeout(quietTimer);
      quietTimer = setTimeout(() => (quiet.hidden = false), QUIET_AFTER_MS);
    }
    if (!dots || document.visibilityState === "hidden") return;
    for (const d of list) {
      const at = mapPosition(d.lat, d.lon);
      if (!at) continue;
      const size = dotSize(d.xp);
      const dot = document.createElement("span");
      dot.className = "dot";
      dot.style.left = `${at.x}%`;
      dot.style.top = `${at.y}%`;
      dot.style.width = dot.style.height = `${size}px`;
      dots.append(dot);
      setTimeout(() => dot.remove(), DOT_LIFETIME_MS);
    }
    while (dots.childElementCount > MAX_DOTS) dots.firstElementChild?.remove();
  }

  // ---- live ----
  const status = q("[data-live-status]");
  const socket = new LiveSocket<FeedServerMessage>({
    path: "/live/feed",
    isSnapshot: (m) => m.type === "feed.snapshot",
    onStatus(next) {
      if (!status) return;
      status.textContent = STATUS_TEXT[next];
      status.dataset.status = next;
    },
    onMessage(message) {
      if (message.type === "feed.snapshot") {
        const feed = message.feed;
        clockOffset = feed.at - Date.now();
        minutes.clear();
        for (const [minute, xp] of feed.minutes) minutes.set(minute, xp);
        setText("[data-total-xp]", formatInt(feed.totalXp));
        setText("[data-viewers]", formatInt(feed.viewers));
        renderLanguages(feed.topLanguages);
        redrawChart(false);
        return;
      }
      for (const [minute, xp] of message.minutes) minutes.set(minute, xp);
      setText("[data-total-xp]", formatInt(message.totalXp), true);
      setText("[data-viewers]", formatInt(message.viewers));
      renderLanguages(message.topLanguages);
      redrawChart(true);
      addDots(message.dots);
    },
  });
  socket.start();
}
