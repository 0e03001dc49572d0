/** Faults of the registrar (RFC 3261 §10.3, RFC 5626 §6). */
import type { FaultTable } from './fault-definition';

export const REGISTRAR_FAULTS = {
  'no-contact-in-200': {
    description: "the registrar's 200 to REGISTER omits the current bindings (RFC 3261 §10.3 step 8)",
    hooks: { registrar: { okHeaders: (headers) => headers.filter(([name]) => name !== 'Contact') } },
  },
  'duplicate-binding-on-refresh': {
    description: 'a refresh REGISTER adds a second binding instead of updating the first (RFC 3261 §10.3 step 7)',
    hooks: { bindings: { replaceOnRefresh: () => false } },
  },
  'ignore-expires-0': {
    description:
      'Expires: 0 (and Contact: * with Expires: 0) leaves the bindings in place (RFC 3261 §10.2.2, §10.3 step 6)',
    hooks: { bindings: { removeOnZeroExpiry: () => false } },
  },
  'no-require-outbound': {
    description: "the registrar's 200 to an outbound REGISTER lacks Require: outbound (RFC 5626 §6)",
    hooks: {
      registrar: {
        okHeaders: (headers) => headers.filter(([name, value]) => !(name === 'Require' && value === 'outbound')),
      },
    },
  },
} as const satisfies FaultTable;
