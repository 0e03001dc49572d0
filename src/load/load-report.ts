/**
 * Reporting a load run: a one-screen text summary, the rate-over-time chart (SVG: completed, failed and
 * retransmitted per second, in-flight on the right axis) and one Allure result (status, parameters, percentiles and
 * failures by reason in the description, the chart and the full JSON as attachments).
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { escapeXml } from '../report/xml';
import type { SecondSample } from './load-stats';
import type { LoadResult } from './run-load';

const W = 760;
const H = 300;
const PAD = { left: 56, right: 56, top: 34, bottom: 40 };

function niceMax(v: number): number {
  if (v <= 0) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

/** The rate-over-time chart of a run's per-second series. */
export function rateChartSvg(series: readonly SecondSample[], title: string): string {
  const n = Math.max(1, series.length);
  const yMax = niceMax(
    Math.max(1, ...series.map((s) => Math.max(s.completed, s.failed, s.retransmissions, s.started))),
  );
  const fMax = niceMax(Math.max(1, ...series.map((s) => s.inFlight)));
  const pw = W - PAD.left - PAD.right;
  const ph = H - PAD.top - PAD.bottom;
  const x = (i: number): number => PAD.left + (n === 1 ? pw / 2 : (i / (n - 1)) * pw);
  const y = (v: number, max: number): number => PAD.top + ph - (v / max) * ph;
  const line = (pick: (s: SecondSample) => number, max: number): string =>
    series.map((s, i) => `${i === 0 ? 'M' : 'L'}${x(i).toFixed(1)},${y(pick(s), max).toFixed(1)}`).join(' ');
  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="11">`,
  );
  parts.push(`<rect width="${W}" height="${H}" fill="#fff"/>`);
  parts.push(
    `<text x="${W / 2}" y="18" text-anchor="middle" font-size="13" font-weight="bold">${escapeXml(title)}</text>`,
  );
  for (let k = 0; k <= 4; k++) {
    const v = (yMax * k) / 4;
    const yy = y(v, yMax).toFixed(1);
    parts.push(`<line x1="${PAD.left}" x2="${W - PAD.right}" y1="${yy}" y2="${yy}" stroke="#e5e5e5"/>`);
    parts.push(
      `<text x="${PAD.left - 6}" y="${yy}" text-anchor="end" dominant-baseline="middle">${Math.round(v)}</text>`,
    );
    parts.push(
      `<text x="${W - PAD.right + 6}" y="${y((fMax * k) / 4, fMax).toFixed(1)}" dominant-baseline="middle" fill="#1f77b4">${Math.round((fMax * k) / 4)}</text>`,
    );
  }
  const step = Math.max(1, Math.ceil(n / 10));
  for (let i = 0; i < n; i += step)
    parts.push(
      `<text x="${x(i).toFixed(1)}" y="${H - PAD.bottom + 14}" text-anchor="middle">${series[i]?.t ?? i}s</text>`,
    );
  parts.push(
    `<text x="${PAD.left - 40}" y="${PAD.top + ph / 2}" transform="rotate(-90 ${PAD.left - 40} ${PAD.top + ph / 2})" text-anchor="middle">per second</text>`,
  );
  parts.push(
    `<text x="${W - 14}" y="${PAD.top + ph / 2}" transform="rotate(90 ${W - 14} ${PAD.top + ph / 2})" text-anchor="middle" fill="#1f77b4">in flight</text>`,
  );
  if (series.length) {
    parts.push(
      `<path d="${line((s) => s.inFlight, fMax)}" fill="none" stroke="#1f77b4" stroke-dasharray="4 3" stroke-width="1.5"/>`,
    );
    parts.push(`<path d="${line((s) => s.completed, yMax)}" fill="none" stroke="#2ca02c" stroke-width="2"/>`);
    parts.push(`<path d="${line((s) => s.retransmissions, yMax)}" fill="none" stroke="#ff7f0e" stroke-width="1.5"/>`);
    parts.push(`<path d="${line((s) => s.failed, yMax)}" fill="none" stroke="#d62728" stroke-width="2"/>`);
  }
  const legend: Array<[string, string]> = [
    ['#2ca02c', 'completed/s'],
    ['#d62728', 'failed/s'],
    ['#ff7f0e', 'retransmissions/s'],
    ['#1f77b4', 'in flight'],
  ];
  legend.forEach(([color, label], i) => {
    const lx = PAD.left + i * 150;
    parts.push(
      `<rect x="${lx}" y="${H - 16}" width="12" height="4" fill="${color}"/><text x="${lx + 16}" y="${H - 11}">${label}</text>`,
    );
  });
  parts.push('</svg>');
  return parts.join('\n');
}

function describe(r: LoadResult): string {
  const what = r.mode === 'uas' ? 'answered' : r.scenario === 'register' ? 'registrations' : 'calls';
  const over = r.transport === 'udp' ? '' : ` over ${r.transport.toUpperCase()}`;
  return r.mode === 'uac'
    ? `${what} to ${r.target}${over}${r.options.rate ? ` at ${r.options.rate}/s` : ''}`
    : `${what} on ${r.local}${over}`;
}

/** The final summary, a few lines. */
export function formatLoadResult(r: LoadResult): string {
  const rt = r.responseTimeMs;
  const pct =
    rt.p50 === undefined
      ? 'no responses timed'
      : `p50 ${rt.p50} ms, p90 ${rt.p90} ms, p95 ${rt.p95} ms, p99 ${rt.p99} ms, max ${rt.max} ms`;
  const lines = [
    `load ${describe(r)}: ${r.calls.failed === 0 && r.calls.started > 0 ? (r.clean ? 'CLEAN' : 'COMPLETED (with retransmissions)') : r.calls.started === 0 ? 'NO CALLS' : 'FAILURES'}`,
    `  calls: ${r.calls.started} started, ${r.calls.completed} completed, ${r.calls.clean} clean, ${r.calls.failed} failed · ${r.cps} calls/s (${r.cleanCps} clean/s) · ${r.retransmissions} retransmissions · ${(r.durationMs / 1000).toFixed(1)} s`,
    `  response time (${r.mode === 'uas' ? '2xx → ACK' : 'request → final'}): ${pct}`,
    `  peak in flight ${r.peakInFlight} · RSS ${(r.memory.rssStartBytes / 2 ** 20).toFixed(0)} → ${(r.memory.rssPeakBytes / 2 ** 20).toFixed(0)} MiB${r.io && r.io !== 'tcp' ? ` · UDP I/O ${r.io}` : ''}`,
  ];
  const reasons = Object.entries(r.failures).map(([k, v]) => `${k} ${v}`);
  if (reasons.length) lines.push(`  failures: ${reasons.join(', ')}`);
  if (r.connectionLost)
    lines.push(`  stopped early: ${r.connectionLost} (RFC 3261 §17.1.4: a transport failure ends every call on it)`);
  if (r.stray || r.unparseable || r.socketErrors)
    lines.push(`  stray messages ${r.stray}, unparseable ${r.unparseable}, socket errors ${r.socketErrors}`);
  return lines.join('\n') + '\n';
}

/** One progress line. */
export function formatProgress(p: {
  elapsedS: number;
  second: SecondSample;
  completed: number;
  failed: number;
  retransmissions: number;
  inFlight: number;
}): string {
  return `${p.elapsedS.toFixed(1).padStart(6)}s  ${String(p.second.completed).padStart(6)} calls/s  in flight ${String(p.inFlight).padStart(6)}  completed ${p.completed}  failed ${p.failed}  retransmissions ${p.retransmissions}`;
}

/** Writes one Allure result (plus its attachments) for the run; returns the result file's path. */
export function writeLoadAllureResult(resultsDir: string, r: LoadResult, opts: { name?: string } = {}): string {
  mkdirSync(resultsDir, { recursive: true });
  const uuid = randomUUID();
  const chart = `${uuid}-attachment.svg`;
  const json = `${uuid}-attachment.json`;
  const title = opts.name ?? `Load: ${describe(r)}`;
  writeFileSync(join(resultsDir, chart), rateChartSvg(r.series, title));
  const { stats: _stats, ...rest } = r;
  writeFileSync(join(resultsDir, json), JSON.stringify(rest, null, 2));
  const rt = r.responseTimeMs;
  const row = (k: string, v: unknown): string =>
    `<tr><td>${escapeXml(k)}</td><td>${escapeXml(String(v ?? '–'))}</td></tr>`;
  const failures = Object.entries(r.failures);
  const html =
    `<table>${row('started', r.calls.started)}${row('completed', r.calls.completed)}${row('clean', r.calls.clean)}${row('failed', r.calls.failed)}` +
    `${row('calls/s', r.cps)}${row('clean calls/s', r.cleanCps)}${row('retransmissions', r.retransmissions)}${row('peak in flight', r.peakInFlight)}` +
    `${row('p50 ms', rt.p50)}${row('p90 ms', rt.p90)}${row('p95 ms', rt.p95)}${row('p99 ms', rt.p99)}${row('max ms', rt.max)}</table>` +
    (failures.length
      ? `<p>Failures by reason:</p><table>${failures.map(([k, v]) => row(k, v)).join('')}</table>`
      : '<p>No failures.</p>');
  const start = Date.parse(r.startedAt);
  const failed = r.calls.failed > 0 || r.calls.started === 0;
  const result = {
    uuid,
    historyId: `load:${r.mode}:${r.scenario}:${r.target ?? 'uas'}`,
    testCaseId: `load:${r.mode}:${r.scenario}`,
    name: title,
    fullName: `sipconf load ${r.mode} ${r.scenario}`,
    status: failed ? 'failed' : 'passed',
    statusDetails: failed
      ? {
          message:
            r.calls.started === 0
              ? 'no calls'
              : `${r.calls.failed} of ${r.calls.started} calls failed: ${failures.map(([k, v]) => `${k} ${v}`).join(', ')}`,
        }
      : {},
    stage: 'finished',
    start,
    stop: start + r.durationMs,
    labels: [
      { name: 'feature', value: 'load' },
      { name: 'suite', value: 'load' },
      { name: 'story', value: r.mode === 'uac' ? `UAC ${r.scenario}` : 'UAS' },
    ],
    parameters: [
      { name: 'target', value: r.target ?? r.local },
      { name: 'rate', value: String(r.options.rate ?? 'closed loop') },
      { name: 'duration s', value: String(r.options.durationS ?? '') },
      { name: 'calls', value: String(r.options.calls ?? '') },
      { name: 'concurrency', value: String(r.options.concurrency ?? '') },
      { name: 'hold ms', value: String(r.options.holdMs) },
      { name: 'T1 ms', value: String(r.options.t1Ms) },
      { name: 'transport', value: r.transport },
      ...(r.io && r.io !== 'tcp' ? [{ name: 'UDP I/O', value: r.io }] : []),
    ],
    descriptionHtml: html,
    attachments: [
      { name: 'rate over time', source: chart, type: 'image/svg+xml' },
      { name: 'load result', source: json, type: 'application/json' },
    ],
    steps: [],
    links: [{ name: 'RFC 3261 §17.1', url: 'https://www.rfc-editor.org/rfc/rfc3261#section-17.1', type: 'rfc' }],
  };
  const path = join(resultsDir, `${uuid}-result.json`);
  writeFileSync(path, JSON.stringify(result, null, 2));
  return path;
}
