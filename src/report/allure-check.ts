/**
 * What a check reports into Allure through allure-js-commons (works inside any jest run whose testEnvironment is
 * allure-jest): its labels, RFC links and ETSI test purposes, and its trace as three attachments — the ladder SVG, the raw text and
 * the pcap. Outside an Allure test environment these calls are no-ops (allure-js-commons' behaviour).
 */
import * as allure from 'allure-js-commons';
import type { TraceEntry } from '../transport/trace';
import { renderLadder, type LadderOptions } from './ladder';
import { PCAP_ATTACHMENT, writePcap } from './pcap';
import { etsiLink, rfcLink } from './rfc';
import { renderTraceText } from './trace-text';

export type CheckSeverity = 'blocker' | 'critical' | 'normal' | 'minor' | 'trivial';

export interface CheckMeta {
  /** "INVITE-2XX-ACK" */
  id: string;
  /** "invite", "register", "outbound" */
  suite: string;
  title?: string;
  /** RFC references in any form rfc.ts parses: "RFC 3261 §17.1.1.3", "3261#17.1.1.3". */
  rfc?: readonly string[];
  /** ETSI TS 102 027-2 test purposes: id "SIP_CC_PR_MP_RQ_V_002", group "CC_PR". */
  etsi?: ReadonlyArray<{ id: string; group: string }>;
  severity?: CheckSeverity;
  tags?: readonly string[];
  /** The SUT under test (shown as a label, so reports of several SUTs can be grouped). */
  sut?: string;
  /** "SIP conformance" for the conformance checks. */
  epic?: string;
}

export interface AllureLabel {
  name: string;
  value: string;
}

/**
 * The labels that place a check in the report: suite, feature = suite, story = id, checkId, severity, sut, tags,
 * epic, and one `etsi` and one `etsiGroup` label per ETSI test purpose. One list for a check that ran (reportCheckMeta) and for one skipped as not applicable (allure-files.ts
 * writes them into its result), so both sit in their suite's group.
 */
export function checkLabels(meta: CheckMeta): AllureLabel[] {
  const labels: AllureLabel[] = [
    { name: 'suite', value: meta.suite },
    { name: 'feature', value: meta.suite },
    { name: 'story', value: meta.id },
    { name: 'checkId', value: meta.id },
  ];
  if (meta.severity) labels.push({ name: 'severity', value: meta.severity });
  if (meta.sut) labels.push({ name: 'sut', value: meta.sut });
  for (const tag of meta.tags ?? []) labels.push({ name: 'tag', value: tag });
  if (meta.epic) labels.push({ name: 'epic', value: meta.epic });
  for (const p of meta.etsi ?? []) labels.push({ name: 'etsi', value: p.id }, { name: 'etsiGroup', value: p.group });
  return labels;
}

/** Links: the RFC sections, and per ETSI purpose the ETSI document (no per-purpose URL exists). */
export function checkLinks(meta: CheckMeta): Array<{ url: string; name: string; type: string }> {
  return [...(meta.rfc ?? []).map((ref) => rfcLink(ref)), ...(meta.etsi ?? []).map((p) => etsiLink(p.id))];
}

/** Labels (checkLabels), testCaseId = id, RFC links. */
export async function reportCheckMeta(meta: CheckMeta): Promise<void> {
  for (const l of checkLabels(meta)) await allure.label(l.name, l.value);
  await allure.testCaseId(meta.id);
  for (const l of checkLinks(meta)) await allure.link(l.url, l.name, l.type);
}

export interface TraceAttachmentOptions extends LadderOptions {
  /** Attachment name prefix (default "trace"). */
  name?: string;
}

/** Attaches "<name> ladder" (SVG), "<name> raw" (text) and "<name>.pcap"; secrets are masked in the first two. */
export async function attachTrace(entries: readonly TraceEntry[], opts: TraceAttachmentOptions = {}): Promise<void> {
  const name = opts.name ?? 'trace';
  await allure.attachment(`${name} ladder`, renderLadder(entries, opts), {
    contentType: allure.ContentType.SVG,
    fileExtension: 'svg',
  });
  await allure.attachment(
    `${name} raw`,
    renderTraceText(entries, { secrets: opts.secrets, endpointNames: opts.endpointNames }),
    { contentType: allure.ContentType.TEXT, fileExtension: 'txt' },
  );
  await allure.attachment(`${name}.pcap`, writePcap(entries), PCAP_ATTACHMENT);
}
