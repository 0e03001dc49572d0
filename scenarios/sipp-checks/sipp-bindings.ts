/**
 * Bindings for SIPp made or removed by the harness's own registrant (RFC 3261 §10.2): SIPp's contact registered on
 * its behalf so a call through the SUT reaches it, and removal of a SIPp binding once a check is done (fresh users
 * keep checks apart anyway; this keeps the SUT's location service small).
 */
import { NameAddr, parseUri, type TransportProtocol } from 'sipconf';
import { type CheckContext, ExpectationError } from 'sipconf/check';

async function registrantFor(ctx: CheckContext, user: string, transport: TransportProtocol) {
  const agent = await ctx.agent('registrant', { user, listen: [transport] });
  return ctx.registrant(agent, { transport });
}

/** Registers `contact` (SIPp's address) for `user` at the SUT; fails the check unless the SUT answers 200. */
export async function registerForSipp(
  ctx: CheckContext,
  user: string,
  contact: string,
  transport: TransportProtocol,
): Promise<void> {
  const registrant = await registrantFor(ctx, user, transport);
  const c = new NameAddr(parseUri(contact));
  await ctx.step(`the harness registers SIPp's contact ${contact} for ${user}`, async () => {
    const res = (await registrant.register(undefined, { contact: c, expires: 300, within: ctx.ms('64*T1') })).message;
    if (res.status !== 200)
      ctx.fail(
        `setting up: REGISTER of ${contact} for ${user} got ${res.status} ${res.reason}, not 200 (RFC 3261 §10.3)`,
      );
  });
  ctx.onCleanup(async () => {
    await registrant.register(undefined, { contact: c, expires: 0, within: ctx.ms('64*T1') }).catch(() => undefined);
  });
}

/** Removes one binding (Expires: 0 for that Contact, §10.2.2); errors are ignored (clean-up only). */
export async function removeSippBinding(
  ctx: CheckContext,
  user: string,
  contact: string,
  transport: TransportProtocol,
): Promise<void> {
  try {
    const registrant = await registrantFor(ctx, user, transport);
    await registrant.register(undefined, {
      contact: new NameAddr(parseUri(contact)),
      expires: 0,
      within: ctx.ms('64*T1'),
    });
  } catch {
    // best effort
  }
}

/**
 * Polls the SUT's bindings of `user` (a REGISTER without Contact, RFC 3261 §10.2.3) until one Contact satisfies
 * `match` — e.g. SIPp's own registration has been accepted — within 64·T1; fails the check otherwise. Undefined
 * when `gaveUp()` turned true first (SIPp has exited).
 */
export async function waitForSippBinding(
  ctx: CheckContext,
  user: string,
  match: (contact: string) => boolean,
  gaveUp: () => boolean = () => false,
): Promise<string | undefined> {
  const transport = ctx.defaultTransport();
  const registrant = await registrantFor(ctx, user, transport);
  return ctx.step(`the SUT lists SIPp's binding for ${user} (a REGISTER query, RFC 3261 §10.2.3)`, async () => {
    const deadline = performance.now() + ctx.ms('64*T1');
    let last = 'no answer';
    while (performance.now() < deadline) {
      // SIPp ended before its binding showed up: its own verdict says why (the caller reports it).
      if (gaveUp()) return undefined;
      const left = Math.max(1, deadline - performance.now());
      // A query that got no answer is retried until the deadline; any other error is the harness's (broken).
      const res = (await registrant.query(undefined).catch((e: unknown) => {
        if (e instanceof ExpectationError) return { message: undefined };
        throw e;
      })) as { message?: { status: number; reason: string; getAll(k: string): string[] } };
      if (res.message) {
        const contacts = res.message.getAll('contact').flatMap((v) => v.split(/,(?=\s*<)/));
        const hit = contacts.find(match);
        if (res.message.status === 200 && hit) return hit.trim();
        last = `${res.message.status} ${res.message.reason} with ${contacts.length ? contacts.map((c) => c.trim()).join(', ') : 'no Contact'}`;
      }
      await new Promise((r) => setTimeout(r, Math.min(100, left)));
    }
    return ctx.fail(
      `SIPp's registration of ${user} did not show in the SUT's bindings within 64·T1 = ${ctx.ms('64*T1')} ms; last query: ${last} (RFC 3261 §10.3, RFC 5626 §6)`,
    );
  });
}
