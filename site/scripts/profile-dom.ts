// Redraws the profile's HTML from a ProfileView: the same markup the server renders
// (site/pages/users/[username].astro, components/SkillList.astro, LevelBar.astro). Every
// user-supplied string goes in through textContent or setAttribute, never as markup.
import type { ProfileView } from "#worker/protocol";
import {
  compactXp,
  formatDate,
  formatInt,
  hourLabel,
  levelBar,
  levelText,
  MONTH_NAMES,
  progressCaption,
  skillParts,
  skillText,
} from "../lib/format";
import { languageColorCss } from "../lib/language-colors";
import {
  calendar,
  calendarSummary,
  dayExists,
  heat,
  HOT_HEAT,
  OTHER_LANGUAGES_SHOWN,
  splitLanguages,
  yearTable,
  type DaysChart,
} from "../lib/profile-model";

function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: { className?: string; text?: string } = {},
  children: Node[] = [],
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (props.className) node.className = props.className;
  if (props.text !== undefined) node.textContent = props.text;
  node.append(...children);
  return node;
}

function levelBarElement(xp: number, recentXp: number, name: string, large = false): HTMLDivElement {
  const bar = levelBar(xp, recentXp);
  const div = el("div", { className: large ? "level-bar large" : "level-bar" });
  div.setAttribute("role", "progressbar");
  div.setAttribute("aria-label", `${name}: progress to the next level`);
  div.setAttribute("aria-valuemin", "0");
  div.setAttribute("aria-valuemax", "100");
  div.setAttribute("aria-valuenow", String(bar.old + bar.recent));
  div.setAttribute("aria-valuetext", bar.label);
  const old = el("span", { className: "old" });
  old.style.width = `${bar.old}%`;
  const recent = el("span", { className: "new" });
  recent.style.width = `${bar.recent}%`;
  div.append(old, recent);
  return div;
}

/** A language's colour swatch (components/SkillList.astro draws the same). */
function swatch(name: string): HTMLSpanElement {
  const span = el("span", { className: "swatch" });
  span.style.setProperty("--swatch", languageColorCss(name));
  span.setAttribute("aria-hidden", "true");
  return span;
}

function skillItem(item: { name: string; xp: number; recentXp: number }, colored: boolean): HTMLLIElement {
  const parts = skillParts(item.xp, item.recentXp);
  const label = el("span", { className: "skill-label" }, [
    ...(colored ? [swatch(item.name)] : []),
    el("span", { className: "skill-name", text: item.name }),
  ]);
  const head = el("div", { className: "skill-head" }, [
    label,
    document.createTextNode(" "),
    el("span", { className: "skill-level num" }, [
      el("strong", { className: "level-pill", text: parts.level }),
      document.createTextNode(parts.rest),
    ]),
  ]);
  const note = el("p", { className: "bar-note num", text: progressCaption(item.xp, item.recentXp) });
  note.setAttribute("aria-hidden", "true");
  return el("li", { className: "skill" }, [head, levelBarElement(item.xp, item.recentXp, item.name), note]);
}

function otherItem(item: { name: string; xp: number; recentXp: number }): HTMLLIElement {
  return el("li", {}, [
    swatch(item.name),
    el("span", { className: "skill-name", text: item.name }),
    document.createTextNode(" "),
    el("span", { className: "skill-level num", text: skillText(item.xp, item.recentXp) }),
  ]);
}

const q = <T extends Element = HTMLElement>(root: ParentNode, selector: string) => root.querySelector<T & Element>(selector);

/** The header: level text, bar, percentage, last programmed. */
export function renderTotal(root: HTMLElement, view: ProfileView): void {
  const text = q(root, "[data-level-text]");
  if (text) {
    const full = levelText(view.totalXp, view.recentXp);
    const levelPart = full.slice(0, full.indexOf(" ("));
    text.replaceChildren(el("strong", { className: "level-big", text: levelPart }), full.slice(levelPart.length));
  }
  const header = q(root, "[data-total]");
  const oldBar = header?.querySelector(".level-bar");
  if (oldBar) oldBar.replaceWith(levelBarElement(view.totalXp, view.recentXp, "Total", true));
  const percent = q(root, "[data-level-percent]");
  if (percent) percent.textContent = progressCaption(view.totalXp, view.recentXp);
  const last = q(root, "[data-last-programmed]");
  if (last) {
    if (view.lastCodedDate) {
      const time = el("time", { text: formatDate(view.lastCodedDate) });
      time.dateTime = view.lastCodedDate;
      last.replaceChildren("Last programmed on ", time);
    } else {
      last.textContent = "Last programmed: never";
    }
  }
}

/** Languages (top ten with bars, the rest as a list with "Show more") and machines. */
export function renderLists(root: HTMLElement, view: ProfileView): void {
  const { top, rest } = splitLanguages(view.languages);
  q(root, '[data-list="top-languages"]')?.replaceChildren(...top.map((l) => skillItem(l, true)));
  q(root, '[data-list="other-languages"]')?.replaceChildren(...rest.slice(0, OTHER_LANGUAGES_SHOWN).map(otherItem));
  const hidden = rest.slice(OTHER_LANGUAGES_SHOWN);
  q(root, '[data-list="more-languages"]')?.replaceChildren(...hidden.map(otherItem));
  const others = q(root, "[data-other-languages]");
  if (others) others.hidden = rest.length === 0;
  const more = q<HTMLDetailsElement>(root, "[data-more]");
  if (more) more.hidden = hidden.length === 0;
  const count = q(root, "[data-more-count]");
  if (count) count.textContent = String(hidden.length);
  q(root, '[data-list="machines"]')?.replaceChildren(...view.machines.map((m) => skillItem(m, false)));
  const none = q(root, "[data-no-machines]");
  if (none) none.hidden = view.machines.length > 0;
}

/** The 12 × 31 table; `today` (the browser's date) gets the outline. */
export function renderYear(root: HTMLElement, view: ProfileView, today: string): void {
  const table = q<HTMLTableElement>(root, "[data-year]");
  if (!table) return;
  const { cells, max } = yearTable(view.yearDays);
  const month = Number(today.slice(5, 7));
  const day = Number(today.slice(8, 10));
  table.tBodies[0]?.querySelectorAll("tr").forEach((row, m) => {
    row.querySelectorAll("td").forEach((cell, d) => {
      if (!dayExists(m + 1, d + 1)) return;
      const xp = cells[m]![d]!;
      const h = heat(xp, max);
      cell.style.setProperty("--heat", String(h));
      cell.classList.toggle("hot", h > HOT_HEAT);
      const isToday = m + 1 === month && d + 1 === day;
      cell.classList.toggle("today", isToday);
      if (isToday) cell.setAttribute("aria-current", "date");
      else cell.removeAttribute("aria-current");
      cell.title = `${MONTH_NAMES[m]} ${d + 1}: ${formatInt(xp)} XP`;
      cell.textContent = xp > 0 ? compactXp(xp) : "";
    });
  });
}

/** The rolling calendar of the last 365 days ending `today` (the browser's date). */
export function renderCalendar(root: HTMLElement, view: ProfileView, today: string): void {
  const box = q(root, "[data-calendar]");
  const grid = q(root, "[data-calendar-grid]");
  if (!box || !grid) return;
  const cal = calendar(view.calendarDays, today);
  const summary = calendarSummary(cal);
  const line = q(root, "[data-calendar-summary]");
  if (line) line.textContent = summary;
  box.setAttribute("aria-label", `Calendar of the last 365 days, one column per week: ${summary}`);
  const months = box.querySelector(".cal-months");
  months?.replaceChildren(
    ...cal.months.map((m) => {
      const span = el("span", { text: m.label });
      span.style.gridColumn = String(m.week + 1);
      return span;
    }),
  );
  grid.replaceChildren(
    ...cal.weeks.flat().map((c) => {
      const cell = el("i", { className: c ? `l${c.level}` : "void" });
      if (c) cell.title = `${formatDate(c.date)}: ${formatInt(c.xp)} XP`;
      return cell;
    }),
  );
}

/** The tables behind the charts (what the page shows without JavaScript). */
export function renderTables(root: HTMLElement, view: ProfileView, days: DaysChart): void {
  const hours = q<HTMLTableElement>(root, '[data-table="hours"]');
  hours?.tBodies[0]?.replaceChildren(
    ...view.hours.map((xp, hour) => el("tr", {}, [th(hourLabel(hour)), el("td", { className: "num", text: formatInt(xp) })])),
  );
  const table = q<HTMLTableElement>(root, '[data-table="days"]');
  if (!table) return;
  const head = el("tr", {}, [
    el("th", { text: "Day" }),
    ...days.series.map((s) => el("th", { className: "num", text: s.label })),
    el("th", { className: "num", text: "Total" }),
  ]);
  for (const cell of head.children) cell.setAttribute("scope", "col");
  table.tHead?.replaceChildren(head);
  table.tBodies[0]?.replaceChildren(
    ...days.dates.map((date, i) => {
      const time = el("time", { text: days.labels[i] });
      time.dateTime = date;
      const total = days.series.reduce((sum, s) => sum + (s.data[i] ?? 0), 0);
      return el("tr", {}, [
        th(time),
        ...days.series.map((s) => el("td", { className: "num", text: formatInt(s.data[i] ?? 0) })),
        el("td", { className: "num", text: formatInt(total) }),
      ]);
    }),
  );
}

function th(content: string | Node): HTMLTableCellElement {
  const cell = el("th");
  cell.scope = "row";
  cell.append(content);
  return cell;
}
