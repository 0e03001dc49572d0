/**
 * The ladder (sequence) diagram of a check as SVG, drawn here with no browser: one lane per agent and one per
 * remote endpoint (the SUT), one row per message with a fixed row height so 50+ messages stay readable (the SVG
 * grows downward). Each row: time offset since the first message and transport/flow in the left gutter, an arrow
 * labelled with the method or the status (+ CSeq method), a `<title>` tooltip with the first lines of the raw
 * message. Keep-alives and STUN are drawn lighter; flow faults (reset/close) and 430 Flow Failed (RFC 5626 §5.3)
 * in red; the failing expectation is a red note at its row or at the bottom.
 *
 * A message recorded twice — sent by one agent and received by another agent of the same check — is drawn once.
 */
import { createHash } from 'node:crypto';
import type { TraceEntry } from '../transport/trace';
import { formatEndpoint } from '../transport/types';
import { labelEntry, maskSecrets, safeMessageText } from './entry-label';
import { withoutMirrors } from './trace-view';
import { escapeXml } from './xml';

export interface LadderOptions {
  /** Preferred lane order by lane name; lanes not listed follow in order of first appearance. */
  lanes?: readonly string[];
  /** Names for endpoints, keyed "127.0.0.1:5060" / "[::1]:5060", e.g. { "127.0.0.1:5060": "SUT" }. */
  endpointNames?: Readonly<Record<string, string>>;
  /** The failing expectation: a red note at the row of `seq`, or at the bottom when no seq is given. */
  highlight?: { seq?: number; text?: string };
  title?: string;
  /** Masked (********) in tooltips and labels. */
  secrets?: readonly string[];
  /** Lines of the raw message in each tooltip (default 14). */
  tooltipLines?: number;
}

export const LADDER_LAYOUT = {
  rowHeight: 30,
  gutter: 130,
  laneSpacing: 230,
  laneBoxWidth: 180,
  headerHeight: 46,
  titleHeight: 30,
  margin: 16,
  noteLineHeight: 16,
} as const;

const RED = '#c62828';
const INK = '#1f2937';
const MINOR = '#9ca3af';
/** Average glyph width of the 12px label font, used to clip labels to the space between lanes. */
const CHAR_W = 7;

interface Row {
  entry: TraceEntry;
  from: number;
  to: number;
  label: string;
  fault: boolean;
  minor: boolean;
  /** Fault entries are drawn as a red cross at `from`, with a dashed line to `to`. */
  isFaultMark: boolean;
}

/** Rough advance width of a glyph in the 12px sans label font (wide capitals, narrow punctuation). */
function glyphWidth(ch: string): number {
  if (/[A-Z@MW%]/.test(ch)) return 8.6;
  if (/[0-9a-z#$?_]/.test(ch)) return 6.8;
  if (/[ .,:;'|!()[\]il1-]/.test(ch)) return 3.6;
  return 7.5;
}

/** Clips to `maxChars` characters of average width (CHAR_W), measured with per-glyph widths, ending in "…". */
function clip(text: string, maxChars: number): string {
  const budget = maxChars * CHAR_W;
  let w = 0;
  const chars = [...text];
  for (let i = 0; i < chars.length; i++) {
    w += glyphWidth(chars[i]);
    if (w > budget) return chars.slice(0, Math.max(1, i - 1)).join('') + '…';
  }
  return text;
}

function offsetText(ms: number): string {
  if (ms < 10) return `+${ms.toFixed(1)} ms`;
  return `+${Math.round(ms)} ms`;
}

/** Builds the lanes and rows; exported for tests and for callers that draw the ladder differently. */
export function layoutLadder(
  entries: readonly TraceEntry[],
  opts: LadderOptions = {},
): { lanes: string[]; rows: Row[] } {
  const names = opts.endpointNames ?? {};
  const sorted = [...entries].sort((a, b) => a.seq - b.seq);
  const owner = new Map<string, string>();
  for (const e of sorted)
    if (e.agent && !owner.has(formatEndpoint(e.local))) owner.set(formatEndpoint(e.local), e.agent);
  const localName = (e: TraceEntry) => e.agent ?? names[formatEndpoint(e.local)] ?? formatEndpoint(e.local);
  const remoteName = (e: TraceEntry) => {
    const k = formatEndpoint(e.remote);
    return names[k] ?? owner.get(k) ?? k;
  };

  const seen: string[] = [];
  const rowsRaw: { e: TraceEntry; src: string; dst: string }[] = [];
  for (const e of withoutMirrors(sorted)) {
    const local = localName(e);
    const remote = remoteName(e);
    const [src, dst] = e.direction === 'out' ? [local, remote] : [remote, local];
    for (const l of [local, remote]) if (!seen.includes(l)) seen.push(l);
    rowsRaw.push({ e, src, dst });
  }
  const preferred = (opts.lanes ?? []).filter((l) => seen.includes(l));
  const lanes = [...preferred, ...seen.filter((l) => !preferred.includes(l))];
  const rows: Row[] = rowsRaw.map(({ e, src, dst }) => {
    const lab = labelEntry(e);
    const isFaultMark = e.kind === 'fault';
    let from = lanes.indexOf(src);
    let to = lanes.indexOf(dst);
    if (isFaultMark && /remote|peer/i.test(e.note ?? '') && e.direction === 'out') [from, to] = [to, from];
    return {
      entry: e,
      from,
      to,
      label: isFaultMark ? `✕ ${lab.text} (${e.flowId})` : lab.text,
      fault: lab.fault,
      minor: lab.minor,
      isFaultMark,
    };
  });
  return { lanes, rows };
}

/** Where everything of one ladder goes: computed once, then used by each part of the drawing. */
interface Geometry {
  opts: LadderOptions;
  lanes: string[];
  rows: Row[];
  /** Prefix of this ladder's marker ids (two ladders inlined in one page must not share ids). */
  idp: string;
  width: number;
  height: number;
  /** The top of the lane headers. */
  top: number;
  rowsBottom: number;
  /** The row of the failing expectation, or -1. */
  hlRow: number;
  /** The failing expectation's text, masked, by line (at most 12). */
  noteLines: string[];
  noteHeight: number;
  /** The monotonic time of the first message: each row shows its offset from it. */
  firstMono: number;
  laneX: (lane: number) => number;
  rowY: (row: number) => number;
  mask: (s: string) => string;
}

function ladderGeometry(lanes: string[], rows: Row[], opts: LadderOptions): Geometry {
  const L = LADDER_LAYOUT;
  const idp = `ld${createHash('sha1')
    .update(rows.map((r) => `${r.entry.seq}`).join(','))
    .update(opts.title ?? '')
    .digest('hex')
    .slice(0, 8)}`;
  const laneCount = Math.max(lanes.length, 1);
  const width =
    L.margin * 2 +
    L.gutter +
    (laneCount - 1) * L.laneSpacing +
    L.laneBoxWidth +
    60 +
    (opts.highlight?.seq !== undefined && opts.highlight.text ? 220 : 0);
  const top = L.margin + (opts.title ? L.titleHeight : 0);
  const firstRowY = top + L.headerHeight + L.rowHeight * 0.8;
  const rowY = (i: number) => firstRowY + i * L.rowHeight;
  const mask = (s: string) => maskSecrets(s, opts.secrets);
  const hl = opts.highlight;
  const noteLines = hl?.text ? mask(hl.text).split(/\r?\n/).slice(0, 12) : [];
  // The whole note goes at the bottom; with a seq, the row is banded in red and carries the note's first line too.
  const rowsBottom = rowY(Math.max(rows.length, 1) - 1) + L.rowHeight * 0.7;
  const noteHeight = noteLines.length > 0 ? noteLines.length * L.noteLineHeight + 16 : 0;
  return {
    opts,
    lanes,
    rows,
    idp,
    width,
    height: Math.ceil(rowsBottom + (noteLines.length > 0 ? noteHeight + 12 : 0) + L.margin),
    top,
    rowsBottom,
    hlRow: hl?.seq === undefined ? -1 : rows.findIndex((r) => r.entry.seq === hl.seq),
    noteLines,
    noteHeight,
    firstMono: rows.length > 0 ? Math.min(...rows.map((r) => r.entry.mono)) : 0,
    laneX: (i: number) => L.margin + L.gutter + L.laneBoxWidth / 2 + i * L.laneSpacing,
    rowY,
    mask,
  };
}

/** Renders the ladder as a standalone SVG document (UTF-8, valid XML). */
export function renderLadder(entries: readonly TraceEntry[], opts: LadderOptions = {}): string {
  const { lanes, rows } = layoutLadder(entries, opts);
  const g = ladderGeometry(lanes, rows, opts);
  const out = renderHead(g);
  rows.forEach((r, i) => out.push(renderRow(g, r, i)));
  if (rows.length === 0)
    out.push(`<text x="${LADDER_LAYOUT.margin}" y="${g.rowY(0)}" fill="#6b7280">(no messages)</text>`);
  if (g.noteLines.length > 0) out.push(renderBottomNote(g));
  out.push('</svg>');
  return out.join('\n') + '\n';
}

/** The document's start: the arrow markers, the background, the title, the lane headers and lifelines. */
function renderHead(g: Geometry): string[] {
  const L = LADDER_LAYOUT;
  const { width, height, idp, top, opts } = g;
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif" font-size="12">`,
  );
  out.push(
    `<defs>` +
      [
        ['ink', INK],
        ['red', RED],
        ['minor', MINOR],
      ]
        .map(
          ([n, c]) =>
            `<marker id="${idp}-${n}" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" markerHeight="8" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="${c}"/></marker>`,
        )
        .join('') +
      `</defs>`,
  );
  out.push(`<rect x="0" y="0" width="${width}" height="${height}" fill="#ffffff"/>`);
  if (opts.title)
    out.push(
      `<text class="title" x="${L.margin}" y="${L.margin + 16}" font-size="15" font-weight="bold" fill="${INK}">${escapeXml(g.mask(opts.title))}</text>`,
    );
  g.lanes.forEach((name, i) => {
    const x = g.laneX(i);
    out.push(
      `<g class="lane" data-lane="${escapeXml(name)}"><title>${escapeXml(name)}</title>` +
        `<rect x="${x - L.laneBoxWidth / 2}" y="${top}" width="${L.laneBoxWidth}" height="${L.headerHeight - 12}" rx="4" fill="#eef2ff" stroke="#6366f1"/>` +
        `<text x="${x}" y="${top + 21}" text-anchor="middle" font-weight="bold" fill="${INK}">${escapeXml(clip(name, 24))}</text>` +
        `<line x1="${x}" y1="${top + L.headerHeight - 12}" x2="${x}" y2="${g.rowsBottom}" stroke="#c7d2fe" stroke-dasharray="4 4"/></g>`,
    );
  });
  out.push(`<text x="${L.margin}" y="${top + 21}" fill="#6b7280" font-size="11">time · transport flow</text>`);
  return out;
}

/** The tooltip of a row: what the message is, its flow, its note, and the first lines of the raw message. */
function rowTooltip(g: Geometry, r: Row): string {
  const e = r.entry;
  const tooltipLines = g.opts.tooltipLines ?? 14;
  const raw = g.mask(safeMessageText(e.data)).replace(/\n+$/, '');
  const tip = [
    `#${e.seq} ${r.label}`,
    `${e.transport.toUpperCase()} ${formatEndpoint(e.direction === 'out' ? e.local : e.remote)} → ${formatEndpoint(e.direction === 'out' ? e.remote : e.local)} flow ${e.flowId}`,
  ];
  if (e.note) tip.push(`note: ${g.mask(e.note)}`);
  if (raw) {
    const lines = raw.split('\n');
    tip.push('', ...lines.slice(0, tooltipLines));
    if (lines.length > tooltipLines) tip.push(`… (${lines.length - tooltipLines} more lines)`);
  }
  return tip.join('\n');
}

/** One message row: its group with the tooltip, the highlight band, the time and flow in the gutter, the arrow. */
function renderRow(g: Geometry, r: Row, i: number): string {
  const L = LADDER_LAYOUT;
  const y = g.rowY(i);
  const e = r.entry;
  const cls = ['msg', r.fault ? 'fault' : '', r.minor ? 'minor' : '', i === g.hlRow ? 'highlight' : '']
    .filter(Boolean)
    .join(' ');
  const parts: string[] = [
    `<g class="${cls}" data-seq="${e.seq}"${r.minor ? ' opacity="0.6"' : ''}><title>${escapeXml(rowTooltip(g, r))}</title>`,
  ];
  if (i === g.hlRow)
    parts.push(
      `<rect class="highlight-band" x="${L.margin / 2}" y="${y - L.rowHeight / 2 - 4}" width="${g.width - L.margin}" height="${L.rowHeight}" fill="#fde8e8"/>`,
    );
  parts.push(
    `<text x="${L.margin}" y="${y - 5}" font-family="Menlo, Consolas, monospace" font-size="11" fill="#374151">${escapeXml(offsetText(e.mono - g.firstMono))}</text>`,
  );
  parts.push(
    `<text x="${L.margin}" y="${y + 8}" font-family="Menlo, Consolas, monospace" font-size="10" fill="#6b7280">${escapeXml(clip(`${e.transport.toUpperCase()} ${e.flowId}`, 18))}</text>`,
  );
  parts.push(...(r.isFaultMark ? renderFaultMark(g, r, y) : renderArrow(g, r, y)));
  if (i === g.hlRow && g.noteLines.length > 0) {
    const nx = g.laneX(Math.max(g.lanes.length, 1) - 1) + L.laneBoxWidth / 2 + 10; // right of the last lane
    parts.push(
      `<text class="highlight-note" x="${nx}" y="${y + 4}" fill="${RED}" font-weight="bold">${escapeXml(clip(g.noteLines[0]!, 36))}</text>`,
    );
  }
  parts.push('</g>');
  return parts.join('');
}

/** A flow fault (reset, close): a red cross on the lane that saw it, a dashed line to the other end, the label. */
function renderFaultMark(g: Geometry, r: Row, y: number): string[] {
  const x1 = g.laneX(r.from);
  const x2 = g.laneX(r.to);
  const parts: string[] = [];
  if (r.from !== r.to)
    parts.push(
      `<line class="fault-line" x1="${x1}" y1="${y}" x2="${x2}" y2="${y}" stroke="${RED}" stroke-width="1.5" stroke-dasharray="2 3"/>`,
    );
  parts.push(
    `<path class="fault-mark" d="M${x1 - 6},${y - 6} L${x1 + 6},${y + 6} M${x1 - 6},${y + 6} L${x1 + 6},${y - 6}" stroke="${RED}" stroke-width="2.5"/>`,
  );
  const lx = r.from === r.to ? x1 + 12 : (x1 + x2) / 2;
  const span = r.from === r.to ? LADDER_LAYOUT.laneSpacing - 20 : Math.abs(x2 - x1) - 16;
  parts.push(
    `<text x="${lx}" y="${y - 6}" text-anchor="${r.from === r.to ? 'start' : 'middle'}" fill="${RED}" font-weight="bold">${escapeXml(clip(g.mask(r.label), Math.floor(span / CHAR_W)))}</text>`,
  );
  return parts;
}

/** A message: an arrow between two lanes (a loop when both ends share one lane) with its label above. */
function renderArrow(g: Geometry, r: Row, y: number): string[] {
  const x1 = g.laneX(r.from);
  const x2 = g.laneX(r.to);
  const color = r.fault ? RED : r.minor ? MINOR : INK;
  const marker = `url(#${g.idp}-${r.fault ? 'red' : r.minor ? 'minor' : 'ink'})`;
  const dash = r.minor ? ' stroke-dasharray="5 3"' : '';
  const label = g.mask(r.label);
  if (r.from === r.to) {
    // A message between two endpoints drawn on one lane (e.g. an unnamed peer mapped to the same name): a loop.
    return [
      `<path class="arrow" d="M${x1},${y - 8} h40 v12 h-38" fill="none" stroke="${color}" stroke-width="1.5"${dash} marker-end="${marker}"/>`,
      `<text x="${x1 + 46}" y="${y}" fill="${color}">${escapeXml(clip(label, Math.floor((LADDER_LAYOUT.laneSpacing - 50) / CHAR_W)))}</text>`,
    ];
  }
  const dir = x2 > x1 ? 1 : -1;
  const span = Math.abs(x2 - x1) - 16;
  return [
    `<line class="arrow" x1="${x1}" y1="${y}" x2="${x2 - dir * 2}" y2="${y}" stroke="${color}" stroke-width="${r.fault ? 2 : 1.5}"${dash} marker-end="${marker}"/>`,
    `<text x="${(x1 + x2) / 2}" y="${y - 6}" text-anchor="middle" fill="${color}"${r.fault ? ' font-weight="bold"' : ''}>${escapeXml(clip(label, Math.floor(span / CHAR_W)))}</text>`,
  ];
}

/** The failing expectation's whole text in a red box under the rows. */
function renderBottomNote(g: Geometry): string {
  const L = LADDER_LAYOUT;
  const y0 = g.rowsBottom + 12;
  return (
    `<g class="highlight-note"><rect x="${L.margin}" y="${y0}" width="${g.width - 2 * L.margin}" height="${g.noteHeight}" rx="4" fill="#fde8e8" stroke="${RED}"/>` +
    g.noteLines
      .map(
        (l, k) =>
          `<text x="${L.margin + 10}" y="${y0 + 20 + k * L.noteLineHeight}" fill="${RED}"${k === 0 ? ' font-weight="bold"' : ''}>${escapeXml(clip(l, Math.floor((g.width - 2 * L.margin - 20) / CHAR_W)))}</text>`,
      )
      .join('') +
    `</g>`
  );
}
