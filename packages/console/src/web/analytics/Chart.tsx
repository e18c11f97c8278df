/** A small dependency-free SVG line chart: enough for daily series, with a text table for screen readers. */
export function LineChart({
  title,
  points,
  format = (v) => String(v),
}: {
  title: string;
  points: { label: string; value: number }[];
  format?: (v: number) => string;
}) {
  const w = 480;
  const h = 160;
  const pad = 28;
  const max = Math.max(1e-9, ...points.map((p) => p.value));
  const x = (i: number) => pad + (points.length <= 1 ? 0 : (i * (w - 2 * pad)) / (points.length - 1));
  const y = (v: number) => h - pad - (v / max) * (h - 2 * pad);
  const path = points
    .map((p, i) => `${i === 0 ? "M" : "L"}${x(i).toFixed(1)},${y(p.value).toFixed(1)}`)
    .join(" ");
  return (
    <figure className="chart">
      <figcaption>{title}</figcaption>
      <svg viewBox={`0 0 ${w} ${h}`} role="img" aria-label={title}>
        <line x1={pad} y1={h - pad} x2={w - pad} y2={h - pad} stroke="#888" />
        <line x1={pad} y1={pad} x2={pad} y2={h - pad} stroke="#888" />
        <text x={2} y={pad} fontSize="10" fill="#333">
          {format(max)}
        </text>
        <path d={path} fill="none" stroke="#1d4ed8" strokeWidth={2} />
        {points.map((p, i) => (
          <circle key={p.label} cx={x(i)} cy={y(p.value)} r={3} fill="#1d4ed8">
            <title>{`${p.label}: ${format(p.value)}`}</title>
          </circle>
        ))}
      </svg>
      <table className="visually-hidden">
        <caption>{title}</caption>
        <tbody>
          {points.map((p) => (
            <tr key={p.label}>
              <th scope="row">{p.label}</th>
              <td>{format(p.value)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </figure>
  );
}
