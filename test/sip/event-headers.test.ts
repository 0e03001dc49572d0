/** The header fields of SIP events (RFC 6665 §8.4): Event, Subscription-State, Allow-Events. */
import {
  formatSubscriptionState,
  parseAllowEvents,
  parseEvent,
  parseSubscriptionState,
  sameEvent,
} from '../../src/sip/event-headers';

test('Event: type lower-cased, id kept; same subscription only with the same id (RFC 6665 §8.2.1, §4.1.2.4)', () => {
  expect(parseEvent('Presence')).toEqual({ type: 'presence' });
  expect(parseEvent(' dialog ; id=3 ')).toEqual({ type: 'dialog', id: '3' });
  expect(sameEvent(parseEvent('presence;id=1'), parseEvent('presence;id=1'))).toBe(true);
  expect(sameEvent(parseEvent('presence;id=1'), parseEvent('presence'))).toBe(false);
  expect(() => parseEvent('pres ence')).toThrow(/does not start with a token/);
  expect(() => parseEvent('presence;id=a b')).toThrow(/bad value/);
});

test('Subscription-State: state, expires, reason, retry-after; quoted values; round trip (RFC 6665 §8.2.3)', () => {
  expect(parseSubscriptionState('active;expires=599')).toEqual({ state: 'active', expires: 599 });
  expect(parseSubscriptionState('Terminated;Reason=Timeout')).toEqual({ state: 'terminated', reason: 'timeout' });
  expect(parseSubscriptionState('terminated;reason=probation;retry-after=30')).toEqual({
    state: 'terminated',
    reason: 'probation',
    retryAfter: 30,
  });
  expect(parseSubscriptionState('pending;expires=60;x-note="a;b"')).toEqual({ state: 'pending', expires: 60 });
  expect(() => parseSubscriptionState('active;expires=soon')).toThrow(/not a number/);
  const s = { state: 'terminated', reason: 'noresource' };
  expect(parseSubscriptionState(formatSubscriptionState(s))).toEqual(s);
  expect(formatSubscriptionState({ state: 'active', expires: 30 })).toBe('active;expires=30');
});

test('Allow-Events: a comma list over several header lines (RFC 6665 §8.2.2)', () => {
  expect(parseAllowEvents(['presence, dialog', 'message-summary'])).toEqual(['presence', 'dialog', 'message-summary']);
  expect(parseAllowEvents([])).toEqual([]);
});
