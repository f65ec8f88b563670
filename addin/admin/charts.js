// Charts drawn as SVG (no chart library): stacked bars and lines over days, and horizontal bars for ranked
// items. Each returns an <svg role="img"> named by the caller's heading and summary (aria-labelledby); the
// caller also shows the numbers as a table. Colours come from CSS classes (series-0, series-1, ...), so the
// charts follow light and dark mode and the page's style-src 'self' policy. Numbers (`format`) and days
// (`dayLabel`) are written by the caller, in the page's language.
import { svg } from "./dom.js";

const WIDTH = 560;
const HEIGHT = 220;
const MARGIN = { top: 12, right: 16, bottom: 30, left: 64 };
const MAX_X_LABELS = 8;
const TICKS = 4;
const MAX_LABEL_CHARS = 26;

/**
 * Where the value axis ends: four equal whole-number steps of 1, 2, 2.5, 3 or 5 times a power of ten (every value
 * drawn here is a whole count or a number of milliseconds), at or above `value`.
 */
export function niceMax(value) {
  const raw = value / TICKS;
  if (!(raw > 1)) return TICKS;
  const power = 10 ** Math.floor(Math.log10(raw));
  for (const factor of [1, 2, 2.5, 3, 5, 10]) {
    const step = factor * power;
    if (step >= raw && Number.isInteger(step)) return step * TICKS;
  }
  return 10 * power * TICKS;
}

function frame(labelledBy, height = HEIGHT) {
  return svg("svg", { viewBox: `0 0 ${WIDTH} ${height}`, role: "img", "aria-labelledby": labelledBy, class: "chart", focusable: "false" });
}

function valueAxis(root, max, format, height = HEIGHT) {
  const bottom = height - MARGIN.bottom;
  const span = bottom - MARGIN.top;
  for (let step = 0; step <= TICKS; step += 1) {
    const y = bottom - (span * step) / TICKS;
    root.append(svg("line", { x1: MARGIN.left, x2: WIDTH - MARGIN.right, y1: y, y2: y, class: step === 0 ? "axis" : "grid" }));
    root.append(svg("text", { x: MARGIN.left - 6, y: y + 4, class: "tick", "text-anchor": "end" }, format((max * step) / TICKS)));
  }
  return (value) => bottom - (span * value) / max;
}

function dayAxis(root, days, dayLabel) {
  const band = (WIDTH - MARGIN.left - MARGIN.right) / Math.max(days.length, 1);
  const every = Math.ceil(days.length / MAX_X_LABELS);
  days.forEach((day, index) => {
    if (index % every !== 0) return;
    const x = MARGIN.left + band * (index + 0.5);
    root.append(svg("text", { x, y: HEIGHT - MARGIN.bottom + 18, class: "tick", "text-anchor": "middle" }, dayLabel(day)));
  });
  return { band, center: (index) => MARGIN.left + band * (index + 0.5) };
}

/**
 * Bars per day, one segment per series stacked in series order.
 * `series`: [{name, values: [number per day]}]; `days`: YYYY-MM-DD; `format(number)`, `dayLabel(day)`: text.
 */
export function stackedBars({ labelledBy, days, series, format, dayLabel }) {
  const root = frame(labelledBy);
  const totals = days.map((_, index) => series.reduce((sum, s) => sum + (s.values[index] || 0), 0));
  const y = valueAxis(root, niceMax(Math.max(0, ...totals)), format);
  const { band, center } = dayAxis(root, days, dayLabel);
  const width = Math.max(1, band * 0.7);
  days.forEach((day, index) => {
    let base = 0;
    series.forEach((s, position) => {
      const value = s.values[index] || 0;
      if (value <= 0) return;
      const top = y(base + value);
      root.append(svg("rect", { x: center(index) - width / 2, y: top, width, height: Math.max(0.5, y(base) - top), class: `bar series-${position}` }));
      base += value;
    });
  });
  return root;
}

/**
 * One line per series over the days; a day without a value (null) breaks the line. Points are marked when
 * there are few days, so a single day still shows.
 */
export function lines({ labelledBy, days, series, format, dayLabel }) {
  const root = frame(labelledBy);
  const highest = Math.max(0, ...series.flatMap((s) => s.values.filter((v) => typeof v === "number")));
  const y = valueAxis(root, niceMax(highest), format);
  const { center } = dayAxis(root, days, dayLabel);
  series.forEach((s, position) => {
    let run = [];
    const flush = () => {
      if (run.length > 1) root.append(svg("polyline", { points: run.join(" "), class: `line series-${position}` }));
      run = [];
    };
    s.values.forEach((value, index) => {
      if (typeof value !== "number") {
        flush();
        return;
      }
      run.push(`${center(index).toFixed(1)},${y(value).toFixed(1)}`);
      if (days.length <= 62) root.append(svg("circle", { cx: center(index), cy: y(value), r: 3, class: `point series-${position}` }));
    });
    flush();
  });
  return root;
}

/** Ranked items as horizontal bars with their labels and values: [{label, value}]. */
export function horizontalBars({ labelledBy, items, format }) {
  const row = 28;
  const labelWidth = 220;
  const height = Math.max(1, items.length) * row + 8;
  const root = frame(labelledBy, height);
  const max = niceMax(Math.max(0, ...items.map((item) => item.value)));
  const span = WIDTH - labelWidth - 80;
  items.forEach((item, index) => {
    const top = 4 + index * row;
    const label = item.label.length > MAX_LABEL_CHARS ? `${item.label.slice(0, MAX_LABEL_CHARS - 1)}…` : item.label;
    root.append(svg("text", { x: labelWidth - 8, y: top + row / 2 + 4, class: "tick label", "text-anchor": "end" }, label));
    const width = Math.max(1, (span * item.value) / max);
    root.append(svg("rect", { x: labelWidth, y: top + 4, width, height: row - 8, class: "bar series-0" }));
    root.append(svg("text", { x: labelWidth + width + 6, y: top + row / 2 + 4, class: "tick value" }, format(item.value)));
  });
  return root;
}
