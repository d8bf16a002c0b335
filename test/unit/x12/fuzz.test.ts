import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { loadSpecs } from '../../../src/config/x12-specs.ts';
import { buildForInterchange, serializeAck, type ControlNumbers } from '../../../src/x12/acks/build.ts';
import { X12Analyzer, type AnalysisResult } from '../../../src/x12/analyzer.ts';
import { ISSUE_CODES, type Issue } from '../../../src/x12/issues.ts';
import { SegmentTokenizer } from '../../../src/x12/tokenizer.ts';
import { goldenFiles } from '../../helpers/golden.ts';

const INPUTS = 10_000;
const SEED = Number(process.env.FUZZ_SEED ?? 20261126);

/** mulberry32: a small seeded generator, so a failure can be replayed with FUZZ_SEED. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Mutation = (b: Buffer, r: () => number) => Buffer;
const pick = (n: number, r: () => number) => Math.floor(r() * n);
const interesting = [
  0x2a, 0x7e, 0x3a, 0x3e, 0x5e, 0x7c, 0x0a, 0x0d, 0x20, 0x00, 0xff, 0x49, 0x53, 0x41, 0x30, 0x39,
];

const mutations: [string, Mutation][] = [
  [
    'flip bytes',
    (b, r) => {
      const out = Buffer.from(b);
      for (let i = 0, n = 1 + pick(4, r); i < n; i++)
        out[pick(out.length, r)] = r() < 0.5 ? pick(256, r) : interesting[pick(interesting.length, r)]!;
      return out;
    },
  ],
  [
    'insert bytes',
    (b, r) => {
      const at = pick(b.length + 1, r);
      const bytes = Buffer.from(
        Array.from({ length: 1 + pick(8, r) }, () => interesting[pick(interesting.length, r)]!),
      );
      return Buffer.concat([b.subarray(0, at), bytes, b.subarray(at)]);
    },
  ],
  [
    'delete bytes',
    (b, r) => {
      const at = pick(b.length, r);
      return Buffer.concat([b.subarray(0, at), b.subarray(at + 1 + pick(12, r))]);
    },
  ],
  [
    'duplicate a segment',
    (b, r) => {
      const text = b.toString('latin1');
      const parts = text.split('~');
      const i = pick(parts.length, r);
      parts.splice(i, 0, parts[i]!);
      return Buffer.from(parts.join('~'), 'latin1');
    },
  ],
  [
    'drop a segment',
    (b, r) => {
      const parts = b.toString('latin1').split('~');
      parts.splice(pick(parts.length, r), 1);
      return Buffer.from(parts.join('~'), 'latin1');
    },
  ],
  [
    'swap delimiters',
    (b, r) => {
      const seps = ['*', '~', ':', '>', '^', '|', '\n'];
      const from = seps[pick(seps.length, r)]!;
      const to = seps[pick(seps.length, r)]!;
      const text = b.toString('latin1');
      return Buffer.from(r() < 0.5 ? text.split(from).join(to) : text.replace(from, to), 'latin1');
    },
  ],
  ['cut short', (b, r) => b.subarray(0, pick(b.length, r))],
  [
    'splice two files',
    (b, r) => {
      const at = pick(b.length, r);
      return Buffer.concat([b.subarray(0, at), b.subarray(pick(b.length, r))]);
    },
  ],
];

class Counter implements ControlNumbers {
  private n = 0;
  next(): number {
    return ++this.n;
  }
}

function checkIssue(i: Issue, input: Buffer): void {
  assert.ok(i.code in ISSUE_CODES, `unknown code ${i.code}`);
  assert.ok(['error', 'warning', 'info'].includes(i.severity));
  assert.ok(typeof i.message === 'string' && i.message.length > 0);
  const l = i.location;
  assert.ok(Number.isInteger(l.offset) && l.offset >= 0 && l.offset <= input.length, `offset ${l.offset}`);
  assert.ok(Number.isInteger(l.line) && l.line >= 1, `line ${l.line}`);
  assert.ok(Number.isInteger(l.segment) && l.segment >= 0, `segment ${l.segment}`);
}

describe('x12 fuzzing', function () {
  this.timeout(300_000);

  it(`survives ${INPUTS} inputs mutated from the golden files: issues with locations, acks where due, no exceptions`, () => {
    const { registry, errors } = loadSpecs();
    assert.deepEqual(errors, []);
    const seeds = goldenFiles();
    assert.ok(seeds.length >= 20, 'golden files to mutate');
    const r = random(SEED);
    const stats = { clean: 0, withIssues: 0, acks: 0 };
    for (let n = 0; n < INPUTS; n++) {
      const seed = seeds[pick(seeds.length, r)]!;
      let input = seed.bytes;
      const applied: string[] = [];
      for (let k = 0, rounds = 1 + pick(3, r); k < rounds; k++) {
        const [name, mutate] = mutations[pick(mutations.length, r)]!;
        input = mutate(input, r);
        applied.push(name);
      }
      const context = `input ${n} (FUZZ_SEED=${SEED}) from ${seed.name} after ${applied.join(', ')}`;
      let result: AnalysisResult;
      try {
        const analyzer = new X12Analyzer({ specs: registry });
        const tokenizer = new SegmentTokenizer({ onIssue: (i) => analyzer.readerIssue(i) });
        const chunk = 1 + pick(512, r);
        for (let at = 0; at < input.length; at += chunk)
          for (const s of tokenizer.push(input.subarray(at, at + chunk))) analyzer.push(s);
        for (const s of tokenizer.end()) analyzer.push(s);
        result = analyzer.end();
      } catch (e) {
        assert.fail(`${context}: ${(e as Error).stack}`);
      }
      for (const i of result.issues) checkIssue(i, input);
      if (result.issues.some((i) => i.severity === 'error')) stats.withIssues++;
      else stats.clean++;
      for (const ic of result.interchanges) {
        let ack;
        try {
          ack = buildForInterchange(ic, {
            controlNumbers: new Counter(),
            now: new Date('2026-11-26T12:00:00Z'),
          });
        } catch (e) {
          assert.fail(`${context}: ack builder threw ${(e as Error).stack}`);
        }
        const due =
          ic.groups.some((g) => g.header.functionalId !== 'FA') ||
          ic.header.ackRequested === '1' ||
          ic.issues.some((i) => i.severity === 'error');
        if (due) {
          assert.ok(ack, `${context}: an ack is due for interchange ${ic.header.controlNumber}`);
          assert.ok(serializeAck(ack).startsWith('ISA'));
          stats.acks++;
        }
      }
    }
    assert.ok(
      stats.withIssues > INPUTS / 4,
      `most mutations should be caught (${stats.withIssues} of ${INPUTS})`,
    );
    assert.ok(stats.acks > INPUTS / 4);
  });
});
