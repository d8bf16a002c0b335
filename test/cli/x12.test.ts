import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from '../helpers/golden.ts';
import { interchange } from '../helpers/x12.ts';

function dockside(args: string[], input?: string) {
  const r = spawnSync(process.execPath, [join(ROOT, 'bin/dockside.js'), ...args], {
    cwd: ROOT,
    input,
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const dir = mkdtempSync(join(tmpdir(), 'dockside-cli-'));
const validText = interchange(
  [[{ id: '850', body: ['BEG*00*SA*PO-1**20261126', 'PO1*1*10*EA*2.5*PE*VN*SKU1', 'CTT*1'] }]],
  { ackRequested: '1' },
);
const valid = join(dir, 'valid.edi');
const broken = join(dir, 'broken.edi');
writeFileSync(valid, validText);
writeFileSync(
  broken,
  validText.replace('BEG*00*SA*PO-1**20261126', 'BEG*00*SA***20261131').replace('SE*5*0001', 'SE*6*0001'),
);

describe('dockside x12 (command line)', function () {
  this.timeout(60_000);

  it('validate exits 0 for a valid file and prints a summary', () => {
    const r = dockside(['x12', 'validate', valid]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stdout,
      /valid: 0 errors, 0 warnings; 1 interchange, 1 group, 1 transaction set \(850 x1\)/,
    );
  });

  it('validate exits 1 and prints FILE:LINE: segment N (TAG): message for each problem', () => {
    const r = dockside(['x12', 'validate', broken]);
    assert.equal(r.code, 1);
    const lines = r.stdout.trim().split('\n');
    assert.equal(
      lines[0],
      `${broken}:4: segment 4 (BEG): BEG03 (Purchase Order Number) is mandatory but empty or missing`,
    );
    assert.equal(lines[1], `${broken}:4: segment 4 (BEG): BEG05 (Date) is not a valid date: '20261131'`);
    assert.equal(lines[2], `${broken}:7: segment 7 (SE): SE01 says 6 segments, the set has 5 from ST to SE`);
    assert.match(lines[3]!, /invalid: 3 errors/);
  });

  it('validate --json prints an issues array of {code, severity, message, location}', () => {
    const r = dockside(['x12', 'validate', broken, '--json']);
    assert.equal(r.code, 1);
    const out = JSON.parse(r.stdout) as {
      valid: boolean;
      issues: {
        code: string;
        severity: string;
        message: string;
        location: { offset: number; line: number; segment: number; element?: number };
      }[];
    };
    assert.equal(out.valid, false);
    assert.deepEqual(
      out.issues.map((i) => [i.code, i.severity, i.location.line, i.location.segment, i.location.element]),
      [
        ['mandatory-element-missing', 'error', 4, 4, 3],
        ['invalid-date', 'error', 4, 4, 5],
        ['se-segment-count', 'error', 7, 7, 1],
      ],
    );
    assert.ok(
      out.issues.every((i) => typeof i.message === 'string' && typeof i.location.offset === 'number'),
    );
  });

  it('reads standard input with -', () => {
    const r = dockside(['x12', 'validate', '-', '--json'], validText);
    assert.equal(r.code, 0, r.stderr);
    assert.equal((JSON.parse(r.stdout) as { file: string }).file, '<stdin>');
  });

  it('exits 2 with a one-line message for a missing file or a usage error, never a stack trace', () => {
    const missing = dockside(['x12', 'validate', join(dir, 'nope.edi')]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /nope\.edi: no such file/);
    assert.doesNotMatch(missing.stderr, /\n\s+at /);
    const usage = dockside(['x12', 'validate']);
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /missing required argument/);
    assert.equal(dockside(['x12', 'validate', valid, '--encoding', 'ebcdic']).code, 2);
    assert.equal(dockside(['x12', 'validate', dir]).code, 2);
  });

  it('inspect summarises interchanges, groups and sets', () => {
    const r = dockside(['x12', 'inspect', valid]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stdout,
      /interchange 000000001 {2}ZZ:SENDERID -> ZZ:RECEIVERID {2}261126 1030 {2}version 00401 {2}production/,
    );
    assert.match(r.stdout, /group 1 {2}PO {2}SENDERAPP -> RECEIVERAPP {2}version 004010 {2}1 set \(850 x1\)/);
    const json = JSON.parse(dockside(['x12', 'inspect', valid, '--json']).stdout) as {
      sets: number;
      interchanges: { groups: { setsById: Record<string, number> }[] }[];
    };
    assert.equal(json.sets, 1);
    assert.deepEqual(json.interchanges[0]!.groups[0]!.setsById, { '850': 1 });
  });

  it('ack prints the TA1 and 997 for a file, with the control numbers and time given', () => {
    const r = dockside(['x12', 'ack', broken, '--now', '2026-11-26T12:00:00Z', '--control-start', '500']);
    assert.equal(r.code, 0, r.stderr);
    const segments = r.stdout.trim().split('~\n');
    assert.equal(
      segments[0],
      'ISA*00*          *00*          *ZZ*RECEIVERID     *ZZ*SENDERID       *261126*1200*U*00401*000000500*0*P*>',
    );
    assert.equal(segments[1], 'TA1*000000001*261126*1030*A*000');
    assert.ok(segments.includes('AK5*R*4*5'), r.stdout);
    assert.ok(segments.includes('AK9*R*1*1*0'));
  });

  it('ack --type ta1 prints only the interchange acknowledgment; --type 999 forces a 999', () => {
    const ta1 = dockside(['x12', 'ack', valid, '--type', 'ta1', '--now', '2026-11-26T12:00:00Z']);
    assert.deepEqual(
      ta1.stdout
        .trim()
        .split('~\n')
        .map((s) => s.slice(0, 3)),
      ['ISA', 'TA1', 'IEA'],
    );
    const nine = dockside(['x12', 'ack', valid, '--type', '999']);
    assert.match(nine.stdout, /ST\*999\*\d{4}\*005010X231~/);
  });

  it('with no command shows what the CLI can do and exits 0', () => {
    const r = dockside([]);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /x12 +read, check and acknowledge X12 files/);
  });
});
