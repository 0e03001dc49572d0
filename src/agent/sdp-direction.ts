/**
 * SDP direction attributes for offer/answer (RFC 3264 §5.1, §6.1, §8.4; RFC 4566 §6): putting a stream on hold is
 * a new offer with `a=sendonly` (or `inactive`), and the answer mirrors it (`recvonly`, `inactive`); resuming is an
 * offer with `sendrecv`. These helpers read and set the direction of every media section.
 */
export type Direction = 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';

const DIRECTIONS: readonly Direction[] = ['sendrecv', 'sendonly', 'recvonly', 'inactive'];

/** The direction of the first media section (its own attribute, else the session's, else sendrecv, §6 of 4566). */
export function directionOf(sdp: string | Buffer): Direction {
  const lines = sdp.toString().split(/\r?\n/);
  const firstMedia = lines.findIndex((l) => l.startsWith('m='));
  const mediaEnd = lines.findIndex((l, i) => i > firstMedia && l.startsWith('m='));
  const media = firstMedia < 0 ? [] : lines.slice(firstMedia, mediaEnd < 0 ? undefined : mediaEnd);
  const session = firstMedia < 0 ? lines : lines.slice(0, firstMedia);
  const find = (part: string[]) => DIRECTIONS.find((d) => part.includes(`a=${d}`));
  return find(media) ?? find(session) ?? 'sendrecv';
}

/** The SDP with every media section's direction set to `dir` (session-level direction attributes removed). */
export function withDirection(sdp: string | Buffer, dir: Direction): string {
  const out: string[] = [];
  for (const line of sdp.toString().split(/\r?\n/)) {
    if (DIRECTIONS.some((d) => line === `a=${d}`)) continue;
    if (line === '' && out.length > 0) continue;
    out.push(line);
    if (line.startsWith('m=')) out.push(`a=${dir}`);
  }
  return out.join('\r\n') + '\r\n';
}

/** The direction an answerer puts in its answer to an offer with `offered` (RFC 3264 §6.1). */
export function answerDirection(offered: Direction): Direction {
  if (offered === 'sendonly') return 'recvonly';
  if (offered === 'recvonly') return 'sendonly';
  return offered;
}

/** Bumps the SDP's o= version (RFC 3264 §8: a new offer in a session increments it). */
export function nextVersion(sdp: string | Buffer): string {
  return sdp.toString().replace(/^(o=\S+ \S+ )(\d+)/m, (_m, head: string, v: string) => `${head}${Number(v) + 1}`);
}
