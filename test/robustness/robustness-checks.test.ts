/**
 * The robustness suite itself: deterministic, bounded generation; the checks pass against the reference SUT and
 * fail — with the exact bytes attached — against SUTs that die of a message or accept what must be rejected.
 */
import { resolveTimers } from '../../src/transaction/timers';
import { CheckDefinition, NonConformance, SutInfo } from '../../src/scenario/check';
import { CheckContext, StepReporter } from '../../src/scenario/context';
import { loadChecks } from '../../src/scenario/registry';
import { BaseFactory, baseRequest, generateMutations, rejectCases, seedOf } from '../../src/scenario/robustness';
import { ReferenceSut } from '../../src/sut/reference';
import { readPcap } from '../../src/replay/pcap-reader';
import { hostileUdp, ok } from './support/hostile-udp';

const factory: BaseFactory = (method) => {
  const branch = 'z9hG4bKfixed';
  return {
    base: baseRequest({
      method,
      requestUri: 'sip:127.0.0.1:5060',
      viaTransport: 'UDP',
      sentBy: '127.0.0.1:5555',
      branch,
      callId: 'fixed@127.0.0.1',
      fromUri: 'sip:a@127.0.0.1',
      toUri: 'sip:b@127.0.0.1',
      contact: 'sip:a@127.0.0.1:5555',
    }),
    branch,
  };
};

describe('generation (PROTOS c07-sip style, RFC 4475 §3)', () => {
  test('the same seed gives the same cases; another seed another sample; the count bounds it', () => {
    const a = generateMutations(factory, { seed: 42, count: 120, transport: 'udp' });
    const b = generateMutations(factory, { seed: 42, count: 120, transport: 'udp' });
    const c = generateMutations(factory, { seed: 43, count: 120, transport: 'udp' });
    expect(a).toHaveLength(120);
    expect(a.map((x) => x.bytes.toString('latin1'))).toEqual(b.map((x) => x.bytes.toString('latin1')));
    expect(a.map((x) => x.name)).not.toEqual(c.map((x) => x.name));
    expect(new Set(a.map((x) => x.name)).size).toBe(a.length);
    expect(seedOf('ROBUSTNESS-MALFORMED-UDP')).toBe(seedOf('ROBUSTNESS-MALFORMED-UDP'));
  });

  test('UDP cases fit a datagram; the kinds the issue names are all there', () => {
    const cases = generateMutations(factory, {
      seed: seedOf('ROBUSTNESS-MALFORMED-UDP'),
      count: 120,
      transport: 'udp',
    });
    expect(Math.max(...cases.map((c) => c.bytes.length))).toBeLessThan(65_507);
    const names = cases.map((c) => c.name).join(' ');
    for (const kind of [
      'overflow',
      'integer',
      'quote',
      'escape',
      'missing/',
      'duplicate/',
      'content-length/',
      'huge/',
      'nul',
      'start-line/',
    ])
      expect(names).toContain(kind);
    expect(cases.some((c) => c.bytes.includes(0))).toBe(true);
    const tcp = generateMutations(factory, { seed: 1, count: 200, transport: 'tcp' });
    expect(tcp.some((c) => c.bytes.length > 150_000)).toBe(true);
  });

  test('every reject case names its RFC section and its allowed answers', () => {
    const cases = rejectCases(factory, 'sip:127.0.0.1:5060');
    expect(cases.length).toBeGreaterThanOrEqual(15);
    for (const c of cases) {
      expect(c.rfc).toMatch(/^RFC (3261|4475) §/);
      expect(c.allowed.length).toBeGreaterThan(0);
    }
    expect(cases.find((c) => c.name === 'sip-version-7')!.allowed).toContain(505);
    expect(cases.find((c) => c.name === 'unknown-uri-scheme')!.allowed).toEqual([416]);
  });
});

interface Attached {
  name: string;
  content: Buffer;
  type: string;
}

function recorder(): StepReporter & { attached: Attached[] } {
  const attached: Attached[] = [];
  return {
    attached,
    step: (_n, body) => body(),
    attach: (name, content, type) => attached.push({ name, content: Buffer.from(content), type }),
  };
}

/** Every frame of a classic pcap file, unparsed. */
function pcapFrames(buf: Buffer): Buffer[] {
  const frames: Buffer[] = [];
  for (let off = 24; off + 16 <= buf.length;) {
    const incl = buf.readUInt32LE(off + 8);
    frames.push(buf.subarray(off + 16, off + 16 + incl));
    off += 16 + incl;
  }
  return frames;
}

const CHECKS = new Map(
  loadChecks()
    .filter((c) => c.suite === 'robustness')
    .map((c) => [c.id, c]),
);

function info(port: number, t1 = 50): SutInfo {
  return {
    name: 'test',
    role: 'proxy',
    address: { address: '127.0.0.1', port },
    domain: '127.0.0.1',
    transports: ['udp', 'tcp'],
    capabilities: [],
    timers: resolveTimers({ t1 }),
  };
}

async function runCheck(
  def: CheckDefinition,
  sut: SutInfo,
): Promise<{ error?: unknown; rep: ReturnType<typeof recorder>; ctx: CheckContext; ms: number }> {
  const rep = recorder();
  const ctx = new CheckContext(def, sut, rep);
  const started = Date.now();
  let error: unknown;
  try {
    await def.run(ctx);
  } catch (e) {
    error = e;
  } finally {
    await ctx.close();
  }
  return { error, rep, ctx, ms: Date.now() - started };
}

describe('the checks against the reference SUT (RFC 3261 §16.3, §18.3, RFC 4475 §3)', () => {
  let sut: ReferenceSut;
  beforeAll(async () => {
    sut = await ReferenceSut.start({ timers: { t1: 50 } });
  });
  afterAll(() => sut.close());

  test.each([...CHECKS.keys()])(
    '%s passes',
    async (id) => {
      const r = await runCheck(CHECKS.get(id)!, { ...info(sut.address('udp').port), domain: sut.domain });
      expect(r.error).toBeUndefined();
      expect(r.ms).toBeLessThan(15_000);
    },
    30_000,
  );
});

describe('the checks can fail', () => {
  test('ROBUSTNESS-MALFORMED-UDP: a SUT that dies of NUL bytes fails the check, with the killing bytes attached', async () => {
    const victim = await hostileUdp((data, req, state) => {
      if (data.includes(0)) state.dead = true;
      return req && !state.dead ? [ok(req, req.method === 'OPTIONS' ? 200 : 404)] : [];
    });
    try {
      const r = await runCheck(CHECKS.get('ROBUSTNESS-MALFORMED-UDP')!, info(victim.port));
      expect(r.error).toBeInstanceOf(NonConformance);
      expect((r.error as Error).message).toMatch(
        /the SUT stopped answering after case \d+\/\d+ ".+".*attached as ROBUSTNESS-MALFORMED-UDP-case-\d{3}-.+\.sip/,
      );
      const bytes = r.rep.attached.find((a) => a.type === 'application/octet-stream')!;
      expect(bytes.content.includes(0)).toBe(true);
      // The failing case on the wire with its liveness probe, as a pcap with packets (not an empty one).
      const pcaps = r.rep.attached.filter((a) => a.type === 'application/vnd.tcpdump.pcap');
      expect(pcaps.map((p) => p.name)).toEqual([`${bytes.name.replace(/\.sip$/, '')} with its liveness probe.pcap`]);
      // The case first (its bytes end its packet; readPcap keeps SIP-looking datagrams only), then the probe.
      const frames = pcapFrames(pcaps[0]!.content);
      expect(frames[0]!.subarray(frames[0]!.length - bytes.content.length).equals(bytes.content)).toBe(true);
      const packets = readPcap(pcaps[0]!.content);
      expect(packets.some((p) => p.data.toString('latin1').startsWith('OPTIONS '))).toBe(true);
      expect(r.ctx.notes.join('\n')).toMatch(
        new RegExp(`sipconf replay ${bytes.name} --target 127\\.0\\.0\\.1:${victim.port} --transport udp`),
      );
      // Bounded: the case, then one probe of 16·T1 (at least 2 s).
      expect(r.ms).toBeLessThan(10_000);
    } finally {
      await victim.close();
    }
  }, 30_000);

  test('ROBUSTNESS-TORTURE-REJECT: a SUT that answers 200 to everything fails, naming each case and its RFC section', async () => {
    const yes = await hostileUdp((_d, req) => (req ? [ok(req, 200)] : []));
    try {
      const r = await runCheck(CHECKS.get('ROBUSTNESS-TORTURE-REJECT')!, info(yes.port));
      expect(r.error).toBeInstanceOf(NonConformance);
      const msg = (r.error as Error).message;
      expect(msg).toMatch(/requests that must be rejected were not/);
      expect(msg).toMatch(/cseq-method-mismatch got 200 OK, expected 400 \(RFC 4475 §3\.1\.2\.17\)/);
      expect(msg).toMatch(/unknown-uri-scheme got 200 OK, expected 416/);
      expect(r.rep.attached.filter((a) => a.type === 'application/octet-stream').length).toBeGreaterThan(5);
    } finally {
      await yes.close();
    }
  }, 30_000);

  test('ROBUSTNESS-LIVENESS-RETRANSMIT-FLOOD: a SUT that treats each copy as a new request (new To tag) fails', async () => {
    let n = 0;
    const naive = await hostileUdp((_d, req) => {
      if (!req) return [];
      const res = ok(req, 200)
        .toString('latin1')
        .replace(/^(To: [^\r]*)/m, `$1;tag=t${n++}`);
      return [Buffer.from(res, 'latin1')];
    });
    try {
      const r = await runCheck(CHECKS.get('ROBUSTNESS-LIVENESS-RETRANSMIT-FLOOD')!, info(naive.port));
      expect(r.error).toBeInstanceOf(NonConformance);
      expect((r.error as Error).message).toMatch(/different To tags .*RFC 3261 §17\.2\.3/);
    } finally {
      await naive.close();
    }
  }, 30_000);
});
