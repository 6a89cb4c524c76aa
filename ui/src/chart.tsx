/**
 * A live line chart as hand-drawn SVG: one series over a fixed window of samples. A chart library
 * (uPlot ~50 KB, Chart.js ~200 KB) would outweigh the rest of the page for two polylines.
 */
const W = 300;
const H = 70;

interface ChartProps {
  label: string;
  /** newest last; at most `capacity` */
  values: number[];
  capacity: number;
  format: (v: number) => string;
  /** the smallest top of the scale, so an idle series does not fill the chart with noise */
  floor: number;
  /** data-stat attribute of the current value (tests and scripts read it) */
  stat: string;
}

export function Chart({ label, values, capacity, format, floor, stat }: ChartProps) {
  const top = Math.max(floor, ...values) * 1.15;
  const x = (i: number) => ((capacity - values.length + i) * W) / (capacity - 1);
  const y = (v: number) => H - (v / top) * H;
  const line = values.map((v, i) => `${x(i).toFixed(1)},${y(v).toFixed(1)}`).join(' ');
  const area = values.length > 1 ? `${x(0).toFixed(1)},${H} ${line} ${x(values.length - 1).toFixed(1)},${H}` : '';
  const last = values[values.length - 1];
  return (
    <figure class="chart">
      <figcaption>
        <span>{label}</span>
        <strong data-stat={stat}>{last === undefined ? '–' : format(last)}</strong>
      </figcaption>
      <div class="plot">
        <span class="scale">{format(top)}</span>
        <svg viewBox={`0 0 ${W} ${H}`} preserveAspectRatio="none" role="img" aria-label={`${label} over the last ${capacity} seconds`}>
          <line x1="0" y1={H / 2} x2={W} y2={H / 2} class="grid" />
          {area && <polygon points={area} class="area" />}
          {values.length > 1 && <polyline points={line} class="line" />}
        </svg>
      </div>
    </figure>
  );
}
