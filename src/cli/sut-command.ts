/**
 * `sipconf sut`: serves the embedded reference SUT in the foreground (docs/architecture.md), logging one line per
 * message, until SIGINT or SIGTERM; then closes every socket and exits 0. Bad usage (an unknown fault, a bad
 * number) exits 2 with a one-line reason; a port that cannot be bound exits 2 as well.
 */
import type { Command } from 'commander';
import { readAccountsCsv } from '../sut/accounts';
import { FAULTS, FAULT_NAMES, FaultName, ReferenceSut, isFaultName } from '../sut/reference';
import { parseEndpoint } from '../transport/endpoint';
import { UsageError } from '../transport/usage-error';

export interface SutCommandOptions {
  host: string;
  port: string;
  fault?: string[];
  domain?: string;
  minExpires?: string;
  t1?: string;
  flowTimer?: string;
  flowTimerGrace?: string;
  user?: string[];
  strictAccounts?: boolean;
  role?: string;
  trunk?: string;
  accounts?: string;
  quiet?: boolean;
  tls?: boolean;
}

function intOption(name: string, text: string | undefined, min: number, max: number): number | undefined {
  if (text === undefined) return undefined;
  if (!/^[0-9]+$/.test(text) || Number(text) < min || Number(text) > max)
    throw new UsageError(`--${name} must be an integer from ${min} to ${max}, not "${text}"`);
  return Number(text);
}

function parseUsers(list: string[] | undefined): Array<{ user: string; password: string }> | undefined {
  if (!list?.length) return undefined;
  return list.map((u) => {
    const i = u.indexOf(':');
    if (i <= 0) throw new UsageError(`--user must be USER:PASSWORD, not "${u}"`);
    return { user: u.slice(0, i), password: u.slice(i + 1) };
  });
}

/**
 * --strict-accounts: each account (from --accounts FILE, SIPp -inf CSV, or --user) may register only its own AOR
 * with its own password, as on a PBX.
 */
function strictAccounts(
  opts: SutCommandOptions,
  users: Array<{ user: string; password: string }> | undefined,
): Array<{ user: string; password: string; authUser?: string }> | undefined {
  if (opts.accounts && !opts.strictAccounts) throw new UsageError('--accounts needs --strict-accounts');
  if (!opts.strictAccounts) return undefined;
  if (opts.accounts) {
    const issues: Array<{ file: string; line: number; message: string }> = [];
    const accounts = readAccountsCsv(opts.accounts, issues);
    if (issues.length) throw new UsageError(issues.map((i) => `${i.file}:${i.line}: ${i.message}`).join('\n'));
    return accounts;
  }
  if (!users?.length) throw new UsageError('--strict-accounts needs --accounts FILE or --user USER:PASSWORD');
  if (users.some((u) => u.user === '*')) throw new UsageError('--strict-accounts: "*" is not an account');
  return users;
}

/** Resolves on the first SIGINT or SIGTERM; `stop` removes the handlers (they are removed after a signal too). */
function untilSignal(): { signal: Promise<NodeJS.Signals>; stop: () => void } {
  let stop = () => undefined as void;
  const signal = new Promise<NodeJS.Signals>((resolve) => {
    const on = (sig: NodeJS.Signals) => {
      stop();
      resolve(sig);
    };
    stop = () => {
      process.off('SIGINT', on);
      process.off('SIGTERM', on);
    };
    process.on('SIGINT', on);
    process.on('SIGTERM', on);
  });
  return { signal, stop };
}

/** The --fault values (repeatable, or comma-separated); an unknown name is a usage error listing the valid ones. */
function parseFaults(values: string[] | undefined): FaultName[] {
  const names = (values ?? [])
    .flatMap((f) => f.split(','))
    .map((f) => f.trim())
    .filter(Boolean);
  const unknown = names.filter((f) => !isFaultName(f));
  if (unknown.length)
    throw new UsageError(
      `unknown fault ${unknown.map((u) => `"${u}"`).join(', ')}; valid faults: ${FAULT_NAMES.join(', ')}`,
    );
  return names as FaultName[];
}

export function registerSutCommand(program: Command, setExit: (code: number) => void): void {
  program
    .command('sut')
    .description(
      'serve the embedded reference SUT (registrar, proxy, RFC 5626 edge) in the foreground until SIGINT/SIGTERM',
    )
    .option('--host <address>', 'address to listen on (loopback)', '127.0.0.1')
    .option('--port <n>', 'port shared by UDP and TCP (0: ephemeral)', '0')
    .option('--fault <name...>', `switch on a defect (repeatable): ${FAULT_NAMES.join(', ')}`)
    .option('--domain <domain>', 'domain of the AORs (default: the host)')
    .option('--min-expires <s>', 'Min-Expires of the registrar (§10.3 step 7)')
    .option('--t1 <ms>', 'RFC 3261 T1 in milliseconds')
    .option('--flow-timer <s>', 'RFC 5626 Flow-Timer sent to outbound registrations (default 30)')
    .option(
      '--flow-timer-grace <ms>',
      'how long past the Flow-Timer a silent outbound flow is kept before it is closed as dead (default 10000)',
    )
    .option('--user <user:password...>', 'require digest auth on REGISTER for these users')
    .option('--role <role>', 'proxy (registrar, proxy, RFC 5626 edge) or b2bua (registrar, back-to-back UA)', 'proxy')
    .option('--trunk <host:port>', 'role b2bua: where calls to users without a binding go (a trunk next hop)')
    .option('--strict-accounts', 'PBX accounts: each may register only its own AOR with its own password')
    .option('--accounts <file>', 'with --strict-accounts: the accounts, SIPp -inf CSV (user;password[;authUser])')
    .option('--tls', 'also listen on TLS with a self-signed loopback certificate (printed)')
    .option('--quiet', 'do not log every message')
    .addHelpText('after', `\nFaults:\n${FAULT_NAMES.map((f) => `  ${f.padEnd(28)} ${FAULTS[f]}`).join('\n')}\n`)
    .action(async (opts: SutCommandOptions) => {
      const faults = parseFaults(opts.fault);
      const port = intOption('port', opts.port, 0, 65535)!;
      const minExpires = intOption('min-expires', opts.minExpires, 1, 86400);
      const t1 = intOption('t1', opts.t1, 1, 60000);
      const flowTimer = intOption('flow-timer', opts.flowTimer, 1, 86400);
      const flowTimerGraceMs = intOption('flow-timer-grace', opts.flowTimerGrace, 0, 3_600_000);
      const users = parseUsers(opts.user);
      const accounts = strictAccounts(opts, users);
      if (opts.role !== 'proxy' && opts.role !== 'b2bua')
        throw new UsageError(`--role must be proxy or b2bua, not "${opts.role}"`);
      if (opts.trunk && opts.role !== 'b2bua') throw new UsageError('--trunk needs --role b2bua');
      const trunk = opts.trunk ? parseEndpoint(opts.trunk) : undefined;
      let sut: ReferenceSut;
      // Handlers first, so a signal during start-up still ends in a clean close.
      const { signal, stop } = untilSignal();
      try {
        sut = await ReferenceSut.start({
          host: opts.host,
          port,
          faults,
          ...(opts.domain ? { domain: opts.domain } : {}),
          ...(minExpires !== undefined ? { minExpires } : {}),
          ...(t1 !== undefined ? { timers: { t1 } } : {}),
          ...(flowTimer !== undefined ? { flowTimer } : {}),
          ...(flowTimerGraceMs !== undefined ? { flowTimerGraceMs } : {}),
          ...(accounts ? { accounts } : users ? { users } : {}),
          ...(opts.role === 'b2bua' ? { role: 'b2bua' as const } : {}),
          ...(trunk ? { trunk } : {}),
          ...(opts.quiet ? {} : { log: (line: string) => process.stdout.write(line + '\n') }),
          ...(opts.tls ? { tls: true } : {}),
          traceLimit: 2000,
        });
      } catch (e) {
        stop();
        // A port in use, an address that is not local: the user's input, exit 2.
        throw new UsageError(`cannot start: ${(e as Error).message}`);
      }
      process.stdout.write(`sipconf reference SUT listening on ${sut.describeAddresses()}\n`);
      if (sut.tlsCertificate)
        process.stdout.write(`TLS certificate (self-signed, trust it in your UA):\n${sut.tlsCertificate.trim()}\n`);
      process.stdout.write(
        `domain ${sut.domain}${faults.length ? `; faults: ${faults.join(', ')}` : '; no faults'}; Ctrl-C to stop\n`,
      );
      const sig = await signal;
      process.stdout.write(`sipconf sut: ${sig}, closing\n`);
      await sut.close();
      setExit(0);
    });
}
