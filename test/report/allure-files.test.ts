import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getStatusFromError } from 'allure-js-commons/sdk';
import { checkLabels } from '../../src/report/allure-check';
import {
  annotateSkippedResults,
  detectExecutor,
  environmentProperties,
  writeAllureRunFiles,
} from '../../src/report/allure-files';
import {
  classifyFailure,
  failure,
  FAILURE_CATEGORIES,
  formatFailure,
  nonConformance,
  timeoutFailure,
  unreachable,
  harnessError,
} from '../../src/report/failures';

/** Allure 3's matcher: first category whose statuses and message regex (searched) match. */
function allure3Category(status: string, message: string): string | undefined {
  return FAILURE_CATEGORIES.find(
    (c) =>
      c.matchedStatuses.includes(status as never) &&
      (c.messageRegex === undefined || new RegExp(c.messageRegex).test(message)),
  )?.name;
}
/** Allure 2's matcher: Java Pattern.matches, i.e. the whole message must match. */
function allure2Category(status: string, message: string): string | undefined {
  return FAILURE_CATEGORIES.find(
    (c) =>
      c.matchedStatuses.includes(status as never) &&
      (c.messageRegex === undefined || new RegExp(`^(?:${c.messageRegex})$`).test(message)),
  )?.name;
}

describe('failure messages and Allure categories', () => {
  it('formats messages with the fixed prefixes, once', () => {
    expect(nonConformance('no ACK within 64*T1 (RFC 3261 §17.2.1)')).toBe(
      'SUT non-conformance: no ACK within 64*T1 (RFC 3261 §17.2.1)',
    );
    expect(timeoutFailure('no 200 to REGISTER in 32000 ms')).toBe('timeout: no 200 to REGISTER in 32000 ms');
    expect(unreachable('no answer to OPTIONS at 127.0.0.1:5070')).toBe(
      'SUT unreachable: no answer to OPTIONS at 127.0.0.1:5070',
    );
    expect(harnessError('cannot bind 127.0.0.1:0')).toBe('harness error: cannot bind 127.0.0.1:0');
    expect(formatFailure('timeout', 'timeout: already')).toBe('timeout: already');
  });

  it.each([
    ['nonconformance', 'failed', 'SUT non-conformance'],
    ['timeout', 'failed', 'Timeout'],
    ['unreachable', 'broken', 'SUT unreachable'],
    ['harness', 'broken', 'Harness error'],
  ] as const)(
    'a %s failure gets Allure status %s and category %s (Allure 2 and 3 matching)',
    (kind, status, category) => {
      const err = failure(kind, 'detail\nsecond line');
      expect(getStatusFromError(err)).toBe(status);
      expect(classifyFailure(err.message)).toBe(kind);
      expect(allure3Category(status, err.message)).toBe(category);
      expect(allure2Category(status, err.message)).toBe(category);
      expect(allure3Category(status, `${err.name}: ${err.message}`)).toBe(category);
    },
  );

  it('puts jest timeouts under Timeout and anything unprefixed under the unclassified categories', () => {
    const jestTimeout = 'thrown: "Exceeded timeout of 5000 ms for a test.\nAdd a timeout value to this test..."';
    expect(classifyFailure(jestTimeout)).toBe('timeout');
    expect(allure3Category('broken', jestTimeout)).toBe('Timeout');
    expect(allure2Category('broken', jestTimeout)).toBe('Timeout');
    expect(allure3Category('failed', 'expect(received).toBe(expected)')).toBe('Unclassified failure');
    expect(allure3Category('broken', 'TypeError: x is undefined')).toBe('Unclassified harness error');
    expect(classifyFailure('the SUT non-conformance: is not at the start')).toBeUndefined();
    expect(allure3Category('failed', 'the SUT non-conformance: is not at the start')).toBe('Unclassified failure');
  });
});

describe('environment.properties, categories.json, executor.json', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'sipconf-allure-files-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('writes Java-properties-escaped environment info, with secrets masked', () => {
    const text = environmentProperties(
      {
        sutName: 'kamailio 5.6',
        sutVersion: '5.6.3',
        target: 'udp:127.0.0.1:5070',
        harnessVersion: '0.1.0',
        nodeVersion: 'v20.20.0',
        extra: { 'note key': 'a=b#c\nnext é', pw: 'pass=hunter2', empty: undefined },
      },
      { secrets: ['hunter2'] },
    );
    expect(text.split('\n')).toEqual([
      'sut.name=kamailio 5.6',
      'sut.version=5.6.3',
      'target=udp\\:127.0.0.1\\:5070',
      'harness.version=0.1.0',
      'node.version=v20.20.0',
      'note\\ key=a\\=b\\#c\\nnext \\u00e9',
      'pw=pass\\=********',
      '',
    ]);
    expect(environmentProperties({})).toBe(`node.version=${process.version}\n`);
  });

  it('writes all three files when in CI, and no executor.json outside CI', () => {
    const gh = {
      GITHUB_ACTIONS: 'true',
      CI: 'true',
      GITHUB_SERVER_URL: 'https://github.com',
      GITHUB_REPOSITORY: 'acme/pbx',
      GITHUB_RUN_ID: '991',
      GITHUB_RUN_NUMBER: '42',
      GITHUB_WORKFLOW: 'conformance',
    };
    const files = writeAllureRunFiles(dir, { sutName: 'x' }, { ciEnv: gh });
    expect(files.map((f) => f.slice(dir.length + 1))).toEqual([
      'environment.properties',
      'categories.json',
      'executor.json',
    ]);
    expect(JSON.parse(readFileSync(join(dir, 'executor.json'), 'utf8'))).toEqual({
      name: 'GitHub Actions',
      type: 'github',
      url: 'https://github.com/acme/pbx',
      buildOrder: 42,
      buildName: 'conformance #42',
      buildUrl: 'https://github.com/acme/pbx/actions/runs/991',
    });
    const cats = JSON.parse(readFileSync(join(dir, 'categories.json'), 'utf8'));
    expect(cats.map((c: { name: string }) => c.name)).toEqual([
      'SUT non-conformance',
      'Timeout',
      'SUT unreachable',
      'Harness error',
      'Setup (profile accounts)',
      'Unclassified failure',
      'Unclassified harness error',
    ]);
    const local = mkdtempSync(join(tmpdir(), 'sipconf-allure-files-'));
    try {
      expect(writeAllureRunFiles(local, {}, { ciEnv: {} })).toHaveLength(2);
    } finally {
      rmSync(local, { recursive: true, force: true });
    }
  });

  it('recognises GitLab, Jenkins and generic CI', () => {
    expect(
      detectExecutor({
        GITLAB_CI: 'true',
        CI_PROJECT_URL: 'https://gl/x',
        CI_PIPELINE_IID: '7',
        CI_JOB_NAME: 'sip',
        CI_JOB_URL: 'https://gl/x/-/jobs/1',
      }),
    ).toEqual({
      name: 'GitLab CI',
      type: 'gitlab',
      url: 'https://gl/x',
      buildOrder: 7,
      buildName: 'sip #7',
      buildUrl: 'https://gl/x/-/jobs/1',
    });
    expect(
      detectExecutor({
        JENKINS_URL: 'https://j/',
        BUILD_NUMBER: '12',
        JOB_NAME: 'pbx',
        BUILD_URL: 'https://j/job/pbx/12/',
      }),
    ).toMatchObject({ type: 'jenkins', buildOrder: 12, buildName: 'pbx #12', buildUrl: 'https://j/job/pbx/12/' });
    expect(detectExecutor({ CI: 'true' })).toMatchObject({ name: 'CI', type: 'ci' });
    expect(detectExecutor({})).toBeUndefined();
  });
});

describe('skipped checks carry their reason into Allure', () => {
  test("with the check's meta, a skipped result gets the labels, testCaseId and RFC links of a check that ran", () => {
    const dir = mkdtempSync(join(tmpdir(), 'sipconf-skip-'));
    try {
      const jestLabels = [
        { name: 'package', value: 'sipconf.UA-ACKS-2XX.check-test.ts' },
        { name: 'suite', value: 'UA-ACKS-2XX.check-test.ts' }, // allure-jest's guess: replaced
      ];
      writeFileSync(
        join(dir, 'a-result.json'),
        JSON.stringify({ name: 'UA-ACKS-2XX — the UA ACKs', status: 'skipped', labels: jestLabels }),
      );
      const meta = {
        id: 'UA-ACKS-2XX',
        suite: 'outbound-ua',
        rfc: ['RFC 3261 §13.2.2.4'],
        severity: 'critical' as const,
        sut: 'ref',
        tags: ['proxy', 'udp'],
        epic: 'SIP conformance',
      };
      expect(annotateSkippedResults(dir, { 'UA-ACKS-2XX': 'the SUT is a proxy' }, { 'UA-ACKS-2XX': meta })).toBe(1);
      const a = JSON.parse(readFileSync(join(dir, 'a-result.json'), 'utf8'));
      expect(a.labels).toEqual([jestLabels[0], ...checkLabels(meta)]);
      expect(a.labels.filter((l: { name: string }) => l.name === 'suite')).toEqual([
        { name: 'suite', value: 'outbound-ua' },
      ]);
      expect(a.testCaseId).toBe('UA-ACKS-2XX');
      expect(a.links).toEqual([expect.objectContaining({ url: expect.stringContaining('rfc3261'), type: 'rfc' })]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a skipped result of a listed check gets the reason; passed results and other checks are left as they are', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sipconf-skip-'));
    try {
      const write = (file: string, r: object) => writeFileSync(join(dir, file), JSON.stringify(r));
      write('a-result.json', { name: 'OUTBOUND-UA-430-RETRY — the UA retries', status: 'skipped', labels: [] });
      write('b-result.json', { name: 'INVITE-ACK-2XX — 200 OK is ACKed', status: 'passed' });
      write('c-result.json', { name: 'OUTBOUND-UA-FLOW-REREGISTER — re-register', status: 'skipped' });
      write('d-container.json', { name: 'OUTBOUND-UA-430-RETRY — the UA retries', status: 'skipped' });
      const n = annotateSkippedResults(dir, { 'OUTBOUND-UA-430-RETRY': 'the SUT is a proxy, not a user agent' });
      expect(n).toBe(1);
      const a = JSON.parse(readFileSync(join(dir, 'a-result.json'), 'utf8'));
      expect(a.statusDetails.message).toBe('not applicable to this SUT: the SUT is a proxy, not a user agent');
      expect(a.labels).toEqual([]);
      expect(JSON.parse(readFileSync(join(dir, 'b-result.json'), 'utf8')).statusDetails).toBeUndefined();
      expect(JSON.parse(readFileSync(join(dir, 'c-result.json'), 'utf8')).statusDetails).toBeUndefined();
      expect(JSON.parse(readFileSync(join(dir, 'd-container.json'), 'utf8')).statusDetails).toBeUndefined();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
