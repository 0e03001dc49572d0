/**
 * Step kinds run against the embedded reference SUT: a request that answers a digest challenge (`auth: true`),
 * in-dialog requests in a subscription's dialog, and expectations on another message's field (`not-above`).
 */
import { CheckContext } from '../../src/scenario/context';
import { prepareSut } from '../../src/runner/sut-setup';
import { loadScenario } from '../../src/scenario/yaml-scenario';

const SUBSCRIBE = `id: MY-SUBSCRIBE
suite: custom
title: A challenged SUBSCRIBE, its NOTIFY and an unsubscribe
rfc: [RFC 6665 §4.1.2.1]
severity: normal
sut: { roles: [proxy], requires: [presence] }
agents:
  alice: {}
steps:
  - request:
      from: alice
      method: SUBSCRIBE
      uri: 'sip:{fresh:presentity}@{domain}'
      headers: { Event: presence, Expires: 60, Accept: application/pidf+xml }
      auth: true
      as: sub
  - expect: { response: sub, status: [200, 202], headers: { Expires: { at-most: 60 } }, as: ok, rfc: RFC 6665 §4.2.1.1 }
  - expect:
      agent: alice
      request: NOTIFY
      in-dialog-of: sub
      headers: { Event: { equals: presence }, Subscription-State.expires: { not-above: { message: ok, field: Expires } } }
      as: notify
      rfc: RFC 6665 §4.2.2
  - respond: { to: notify, status: 200 }
  - request: { from: alice, method: SUBSCRIBE, dialog: sub, headers: { Event: presence, Expires: 0 }, auth: true, as: unsub }
  - expect: { response: unsub, status: [200, 202], rfc: RFC 6665 §4.1.2.3 }
`;

test('auth: true answers the challenge; the NOTIFY comes in the dialog; an in-dialog unsubscribe is answered', async () => {
  const sut = await prepareSut({ t1: 100 });
  const check = loadScenario('/x/my-subscribe.yaml', SUBSCRIBE);
  const ctx = new CheckContext(check, sut.info);
  try {
    await check.run(ctx);
  } finally {
    await ctx.close();
    await sut.stop();
  }
  const lines = ctx.trace.entries
    .filter((e) => e.kind === 'sip')
    .map((e) => `${e.direction} ${e.data.toString().split('\r\n')[0]}`);
  const out = lines.filter((l) => l.startsWith('out SUBSCRIBE'));
  expect(out.length).toBeGreaterThanOrEqual(2);
  expect(lines.some((l) => /^in SIP\/2\.0 (401|407)/.test(l))).toBe(true);
  expect(lines.some((l) => l.startsWith('in NOTIFY'))).toBe(true);
}, 30_000);
