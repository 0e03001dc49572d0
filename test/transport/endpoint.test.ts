/**
 * The one HOST:PORT parser (src/transport/endpoint.ts) that the CLI, profiles, the load engine and SIPp options
 * share: IPv4, IPv6 in brackets (RFC 3261 §25.1, RFC 5118 §4.2), localhost; anything else is a UsageError.
 */
import { parseEndpoint } from '../../src/transport/endpoint';
import { UsageError } from '../../src/transport/usage-error';

describe('parseEndpoint', () => {
  test.each([
    ['127.0.0.1:5060', { address: '127.0.0.1', port: 5060 }],
    ['[::1]:5061', { address: '::1', port: 5061 }],
    ['[2001:db8::1]:65535', { address: '2001:db8::1', port: 65535 }],
    ['localhost:5070', { address: '127.0.0.1', port: 5070 }],
    [' 127.0.0.2:1 ', { address: '127.0.0.2', port: 1 }],
  ])('%s', (text, endpoint) => {
    expect(parseEndpoint(text)).toEqual(endpoint);
  });

  test.each([
    ['127.0.0.1', /no port/],
    ['127.0.0.1:70000', /port 70000 is outside 1-65535/],
    ['127.0.0.1:0', /port 0 is outside/],
    ['::1:5060', /expected an IP address/],
    ['[127.0.0.1]:5060', /not an IPv6 address/],
    ['[::1]', /no port/],
    ['sip.example.com:5060', /"sip.example.com" is not an IP address \(no DNS\)/],
    ['999.1.1.1:5060', /not an IP address/],
    [':5060', /no host/],
    ['127.0.0.1:50x0', /not HOST:PORT/],
    ['', /not HOST:PORT/],
  ])('rejects %j', (text, why) => {
    expect(() => parseEndpoint(text)).toThrow(UsageError);
    expect(() => parseEndpoint(text)).toThrow(why);
  });

  test('a bare host takes the default port when one is given (SIPp: 5060)', () => {
    expect(parseEndpoint('127.0.0.1', { defaultPort: 5060 })).toEqual({ address: '127.0.0.1', port: 5060 });
    expect(parseEndpoint('[::1]', { defaultPort: 5060 })).toEqual({ address: '::1', port: 5060 });
    expect(parseEndpoint('[::1]:5080', { defaultPort: 5060 })).toEqual({ address: '::1', port: 5080 });
  });

  test('the error names the option and the text', () => {
    expect(() => parseEndpoint('nohostport', { what: '--target' })).toThrow(/^--target "nohostport" is not HOST:PORT/);
  });
});
