import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export interface Series {
  label: string;
  color: string;
  values: (number | null)[];
  /** A horizontal line (a trigger's threshold) rather than data. */
  dashed?: boolean;
}

/** A time-series chart (uPlot). `times` in seconds since the epoch; `markers` are vertical lines (deploy, decision, rollback). */
export function Chart(props: { title: string; times: number[]; series: Series[]; markers?: { at: number; label: string }[]; height?: number }) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const markers = props.markers ?? [];
  useEffect(() => {
    const element = box.current;
    if (!element) return;
    const width = Math.max(280, Math.min(element.clientWidth || 600, 900));
    const options: uPlot.Options = {
      title: props.title,
      width,
      height: props.height ?? 200,
      series: [{}, ...props.series.map((s) => ({ label: s.label, stroke: s.color, width: 2, dash: s.dashed ? [6, 4] : undefined, spanGaps: true }))],
      axes: [{}, { size: 60 }],
      hooks: {
        draw: [
          (u) => {
            const ctx = u.ctx;
            ctx.save();
            ctx.strokeStyle = '#6e40c9';
            ctx.fillStyle = '#6e40c9';
            ctx.font = `${11 * devicePixelRatio}px system-ui, sans-serif`;
            for (const [i, m] of markers.entries()) {
              const x = u.valToPos(m.at, 'x', true);
              if (x < u.bbox.left || x > u.bbox.left + u.bbox.width) continue;
              ctx.beginPath();
              ctx.moveTo(x, u.bbox.top);
              ctx.lineTo(x, u.bbox.top + u.bbox.height);
              ctx.stroke();
              ctx.fillText(m.label, x + 3, u.bbox.top + (12 + 12 * (i % 4)) * devicePixelRatio);
            }
            ctx.restore();
          },
        ],
      },
    };
    plot.current?.destroy();
    plot.current = new uPlot(options, [props.times, ...props.series.map((s) => s.values)] as uPlot.AlignedData, element);
    return () => {
      plot.current?.destroy();
      plot.current = null;
    };
  }, [props.title, props.times, props.series, markers, props.height]);
  const summary = props.series.map((s) => `${s.label}: ${s.values.at(-1) ?? 'no data'}`).join('; ');
  return <figure class="chart" aria-label={`${props.title}. Latest: ${summary}`} ref={box} />;
}
