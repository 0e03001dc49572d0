/** One account of a PBX: it may register only its own AOR, with its own password (profile `accounts:`). */
export interface SutAccount {
  user: string;
  password: string;
  /** Digest username when it differs from user. */
  authUser?: string;
  /** The account's AOR, `sip:1001@pbx.example`; default sip:user@domain. */
  aor?: string;
}
