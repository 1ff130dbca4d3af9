import { useEffect, useRef } from "preact/hooks";
import type uPlot from "uplot";
import type { ArmStats } from "../api";
import { formatPercent } from "../format";
import { armLabel } from "../models";

interface Props {
  arms: ArmStats[];
  confidence: number;
}

const kHeight = 240;

// Draws `arms` into `el` with `UPlot`; returns what removes the chart.
function draw(UPlot: typeof uPlot, el: HTMLDivElement, arms: ArmStats[]): () => void {
  const xs = arms.map((_, i) => i);
  const rates = arms.map((a) => a.acceptanceRate ?? 0);
  const lows = arms.map((a) => a.ciLow ?? 0);
  const highs = arms.map((a) => a.ciHigh ?? 0);
  const top = Math.min(1, Math.max(0.1, ...highs) * 1.15);
  const style = getComputedStyle(el);
  const ink = style.getPropertyValue("--chart-ink").trim() || "#1d4ed8";
  const axis = style.getPropertyValue("--chart-axis").trim() || "#374151";

  // The confidence interval of each arm as a whisker with caps.
  const whiskers = (u: uPlot) => {
    const ctx = u.ctx;
    ctx.save();
    ctx.strokeStyle = ink;
    ctx.lineWidth = 2 * UPlot.pxRatio;
    const cap = 8 * UPlot.pxRatio;
    xs.forEach((x, i) => {
      const cx = u.valToPos(x, "x", true);
      const y0 = u.valToPos(lows[i] ?? 0, "y", true);
      const y1 = u.valToPos(highs[i] ?? 0, "y", true);
      ctx.beginPath();
      ctx.moveTo(cx, y0);
      ctx.lineTo(cx, y1);
      ctx.moveTo(cx - cap, y0);
      ctx.lineTo(cx + cap, y0);
      ctx.moveTo(cx - cap, y1);
      ctx.lineTo(cx + cap, y1);
      ctx.stroke();
    });
    ctx.restore();
  };

  const options: uPlot.Options = {
    width: Math.max(280, el.clientWidth),
    height: kHeight,
    legend: { show: false },
    cursor: { show: false },
    scales: {
      x: { time: false, range: [-0.5, arms.length - 0.5] },
      y: { range: [0, top] },
    },
    axes: [
      {
        stroke: axis,
        splits: () => xs,
        values: (_u, splits) => splits.map((i) => armLabel(arms[i]?.arm)),
        grid: { show: false },
      },
      {
        stroke: axis,
        values: (_u, splits) => splits.map((v) => formatPercent(v)),
        size: 60,
      },
    ],
    series: [
      {},
      {
        label: "acceptance rate",
        stroke: ink,
        paths: () => null,
        points: { show: true, size: 12, fill: ink, stroke: ink },
      },
    ],
    hooks: { draw: [whiskers] },
  };
  const plot = new UPlot(options, [xs, rates], el);
  const resize = new ResizeObserver(() => {
    plot.setSize({ width: Math.max(280, el.clientWidth), height: kHeight });
  });
  resize.observe(el);
  return () => {
    resize.disconnect();
    plot.destroy();
  };
}

// Acceptance rate per arm as a dot with its confidence interval as a
// whisker (uPlot on a canvas). The canvas is hidden from screen readers:
// the caption and the table under it carry the same numbers.
export function ExperimentChart({ arms, confidence }: Props) {
  const box = useRef<HTMLDivElement>(null);

  useEffect(() => {
    const el = box.current;
    if (el === null) return;
    // uPlot comes with the first chart (a chunk of its own), so that the
    // customer pages, which have none, never download it.
    let remove: (() => void) | undefined;
    let gone = false;
    void import("uplot").then(({ default: UPlot }) => {
      if (!gone) remove = draw(UPlot, el, arms);
    });
    return () => {
      gone = true;
      remove?.();
    };
  }, [arms]);

  const summary = arms
    .map((a) => `${armLabel(a.arm)} ${formatPercent(a.acceptanceRate)} (${formatPercent(a.ciLow)} to ${formatPercent(a.ciHigh)})`)
    .join("; ");
  return (
    <figure class="chart" data-testid="experiment-chart">
      <div ref={box} class="chart-canvas" aria-hidden="true" />
      <figcaption>
        Acceptance rate per arm, with {formatPercent(confidence)} confidence intervals: {summary}.
      </figcaption>
    </figure>
  );
}
