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
}

/**
 * Labels: suite, feature = suite, story = id, severity, tags, testCaseId = id, one `etsi` and one `etsiGroup` label
 * per ETSI test purpose; links: the RFC sections, and per purpose the ETSI document (no per-purpose URL exists).
 */
export async function reportCheckMeta(meta: CheckMeta): Promise<void> {
  await allure.suite(meta.suite);
  await allure.feature(meta.suite);
  await allure.story(meta.id);
  await allure.label('checkId', meta.id);
  await allure.testCaseId(meta.id);
  if (meta.severity) await allure.severity(meta.severity);
  if (meta.sut) await allure.label('sut', meta.sut);
  if (meta.tags?.length) await allure.tags(...meta.tags);
  for (const ref of meta.rfc ?? []) {
    const l = rfcLink(ref);
    await allure.link(l.url, l.name, l.type);
  }
  for (const p of meta.etsi ?? []) {
    await allure.label('etsi', p.id);
    await allure.label('etsiGroup', p.group);
    const l = etsiLink(p.id);
    await allure.link(l.url, l.name, l.type);
  }
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
