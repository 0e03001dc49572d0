/**
 * The report layer: what a check's run turns into for people and CI — Allure labels/links/attachments, the ladder
 * SVG, the raw text trace, the pcap, the failure vocabulary and categories, the run files Allure reads, the summary
 * JSON, and the HTML report.
 */
export * from './rfc';
export * from './failures';
export { labelEntry, maskSecrets, safeMessageText, hexDump, type EntryLabel } from './entry-label';
export * from './trace-text';
export * from './ladder';
export * from './pcap';
export * from './allure-files';
export * from './allure-check';
export * from './summary';
export * from './html';
export { writeFileAtomic } from './atomic-write';
export { escapeXml } from './xml';
export * from './allure-results';
