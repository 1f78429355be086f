export interface ChartPanel {
  title: string
  /** formats a value for its label */
  format: (v: number) => string
  /** axis maximum (values above are clipped, with their label kept) */
  max: number
  /** vertical markers, e.g. the targets */
  targets?: Array<{ value: number; label: string; color?: string }>
  rows: Array<{ label: string; values: Array<number | null> }>
}

export interface Chart {
  title: string
  series: Array<{ name: string; color: string }>
  panels: ChartPanel[]
}

/**
 * A horizontal grouped bar chart as a self-contained SVG (no fonts, scripts
 * or network needed: docs render it as an image anywhere). One panel per
 * metric, side by side; one group per method, one bar per series.
 */
export function barChartSvg(chart: Chart): string {
  const labelW = 130
  const panelW = 300
  const gap = 40
  const barH = 9
  const groupGap = 8
  const top = 56
  const rows = chart.panels[0]?.rows.length ?? 0
  const groupH = chart.series.length * barH + groupGap
  const height = top + rows * groupH + 56
  const width = labelW + chart.panels.length * (panelW + gap) + 20
  const out: string[] = []
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif" font-size="11">`)
  out.push(`<rect width="100%" height="100%" fill="#ffffff"/>`)
  out.push(`<text x="10" y="20" font-size="14" font-weight="bold">${esc(chart.title)}</text>`)
  chart.series.forEach((s, i) => {
    const x = 10 + i * 150
    out.push(`<rect x="${x}" y="30" width="10" height="10" fill="${s.color}"/><text x="${x + 14}" y="39">${esc(s.name)}</text>`)
  })
  chart.panels.forEach((p, pi) => {
    const x0 = labelW + pi * (panelW + gap)
    out.push(`<text x="${x0}" y="${top - 4}" font-weight="bold">${esc(p.title)}</text>`)
    out.push(`<line x1="${x0}" y1="${top}" x2="${x0}" y2="${top + rows * groupH}" stroke="#333"/>`)
    for (let k = 0; k <= 4; k++) {
      const v = (p.max * k) / 4
      const x = x0 + (panelW * k) / 4
      out.push(`<line x1="${x}" y1="${top}" x2="${x}" y2="${top + rows * groupH}" stroke="#ddd"/>`)
      out.push(`<text x="${x}" y="${top + rows * groupH + 14}" text-anchor="middle" fill="#555">${esc(p.format(v))}</text>`)
    }
    p.rows.forEach((r, ri) => {
      const y0 = top + ri * groupH + groupGap / 2
      if (pi === 0) out.push(`<text x="${labelW - 6}" y="${y0 + (chart.series.length * barH) / 2 + 4}" text-anchor="end">${esc(r.label)}</text>`)
      r.values.forEach((v, si) => {
        const y = y0 + si * barH
        if (v === null) {
          out.push(`<text x="${x0 + 4}" y="${y + barH - 1}" fill="#999" font-size="9">n/a</text>`)
          return
        }
        const w = Math.max(0.5, (Math.min(v, p.max) / p.max) * panelW)
        out.push(`<rect x="${x0}" y="${y}" width="${w.toFixed(1)}" height="${barH - 1}" fill="${chart.series[si]?.color ?? '#888'}"/>`)
        out.push(`<text x="${(x0 + w + 3).toFixed(1)}" y="${y + barH - 1}" font-size="9" fill="#333">${esc(p.format(v))}</text>`)
      })
    })
    ;(p.targets ?? []).forEach((target, ti) => {
      const x = x0 + (Math.min(target.value, p.max) / p.max) * panelW
      const color = target.color ?? '#c00'
      out.push(`<line x1="${x}" y1="${top}" x2="${x}" y2="${top + rows * groupH}" stroke="${color}" stroke-dasharray="4 3"/>`)
      out.push(`<text x="${x}" y="${top + rows * groupH + 28 + ti * 12}" text-anchor="${ti === 0 ? 'end' : 'start'}" fill="${color}">${esc(target.label)}</text>`)
    })
  })
  out.push('</svg>')
  return out.join('\n') + '\n'
}

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')
}
