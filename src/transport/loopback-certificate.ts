/**
 * A self-signed certificate for loopback TLS listeners (127.0.0.1, ::1, localhost): what the embedded reference
 * SUT and the harness's agents serve. Peers trust it explicitly (as their CA), so verification stays on.
 */
import { generate } from 'selfsigned';

export interface PemPair {
  key: string;
  cert: string;
}

export async function loopbackCertificate(commonName = 'sipconf-loopback'): Promise<PemPair> {
  const pems = await generate([{ name: 'commonName', value: commonName }], {
    days: 2,
    keySize: 2048,
    extensions: [
      {
        name: 'subjectAltName',
        altNames: [
          { type: 2, value: 'localhost' },
          { type: 7, ip: '127.0.0.1' },
          { type: 7, ip: '::1' },
        ],
      },
    ],
  } as Parameters<typeof generate>[1]);
  return { key: pems.private, cert: pems.cert };
}

let shared: Promise<PemPair> | undefined;

/** One certificate per process for the harness's own agents (generating RSA keys is slow). */
export function agentCertificate(): Promise<PemPair> {
  shared ??= loopbackCertificate('sipconf-agent');
  return shared;
}
