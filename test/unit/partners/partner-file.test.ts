import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSpecs } from '../../../src/config/x12-specs.ts';
import { GatewayError } from '../../../src/errors.ts';
import { loadPartners, validatePartnerFiles } from '../../../src/partners/load.ts';

const DATA_DIR = '/srv/dockside/var';
const SPECS = loadSpecs();

const MINIMAL = `# yaml-language-server: $schema=./schema.json
id: minimal
name: Minimal Partner
identities:
  - qualifier: ZZ
    id: MINIMAL
`;

const FULL = `# yaml-language-server: $schema=./schema.json
$schema: ./schema.json
id: full
name: Full Partner
status: testing
identities:
  - qualifier: ZZ
    id: FULL
    applicationIds: [FULLAPP, FULLWMS]
  - qualifier: "01"
    id: "123456789"
transactionSets:
  - { set: "856", version: "004010", direction: inbound }
  - { set: "810", version: "004010", direction: inbound }
  - { set: "850", version: "004010", direction: outbound }
acknowledgments:
  functional: "997"
  expectAckWithinHours: 24
duplicateWindowHours: 48
specOverlays:
  - set: "856"
    version: "004010"
    positions:
      DTM:
        usage: M
      BSN:
        elements:
          "01": { codes: ["00"] }
reconciliation:
  quantityPercent: 2.5
  unitPriceAbsolute: 0.01
  unitPricePercent: 1
  invoiceGraceDays: 5
contacts:
  - { name: Dana Ortiz, email: edi@full.example, role: edi }
  - { name: Lee Park, email: ap@full.example }
`;

describe('the partner file', () => {
  let dir: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dockside-partner-file-'));
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const write = (name: string, text: string) => writeFile(join(dir, name), text);

  /** The errors of one file, checked against the standard specs. */
  async function errorsOf(text: string): Promise<string[]> {
    await write('p.yaml', text);
    return validatePartnerFiles([join(dir, 'p.yaml')], { dataDir: DATA_DIR, specs: SPECS }).errors.map((e) =>
      e.replace(`${join(dir, 'p.yaml')}:`, ''),
    );
  }

  it('reads identities with GS application ids, transaction sets, ack expectations, overlays, tolerances and contacts', async () => {
    await write('full.yaml', FULL);
    const p = loadPartners(dir, { dataDir: DATA_DIR, specs: SPECS }).get('full')!;
    assert.equal(p.status, 'testing');
    assert.deepEqual(p.identities, [
      { qualifier: 'ZZ', id: 'FULL', applicationIds: ['FULLAPP', 'FULLWMS'] },
      { qualifier: '01', id: '123456789' },
    ]);
    assert.deepEqual(p.transactionSets, [
      { set: '856', version: '004010', direction: 'inbound' },
      { set: '810', version: '004010', direction: 'inbound' },
      { set: '850', version: '004010', direction: 'outbound' },
    ]);
    assert.deepEqual(p.acknowledgments, {
      functional: '997',
      ta1: 'requested-or-errors',
      ackAcks: false,
      expectAckWithinHours: 24,
    });
    assert.equal(p.duplicateWindowHours, 48);
    assert.deepEqual(p.specOverlays, [
      {
        set: '856',
        version: '004010',
        positions: { DTM: { usage: 'M' }, BSN: { elements: { '01': { codes: ['00'] } } } },
      },
    ]);
    assert.deepEqual(p.reconciliation, {
      quantityPercent: 2.5,
      unitPriceAbsolute: 0.01,
      unitPricePercent: 1,
      invoiceGraceDays: 5,
    });
    assert.deepEqual(p.contacts, [
      { name: 'Dana Ortiz', email: 'edi@full.example', role: 'edi' },
      { name: 'Lee Park', email: 'ap@full.example' },
    ]);
  });

  it('gives a file that leaves them out no transaction sets, overlays or contacts, and zero tolerances', async () => {
    await write('minimal.yaml', MINIMAL);
    const p = loadPartners(dir, { dataDir: DATA_DIR }).get('minimal')!;
    assert.deepEqual(p.transactionSets, []);
    assert.deepEqual(p.specOverlays, []);
    assert.deepEqual(p.contacts, []);
    assert.deepEqual(p.reconciliation, {
      quantityPercent: 0,
      unitPriceAbsolute: 0,
      unitPricePercent: 0,
      invoiceGraceDays: 3,
    });
    assert.equal(p.acknowledgments.expectAckWithinHours, undefined);
  });

  it('says a port is at most 65535, at the port', async () => {
    const text = `${MINIMAL}channels:\n  inbound:\n    - kind: sftp\n      id: pull\n      host: sftp.example\n      port: 70000\n      user: u\n      password: env:PW\n      directories: [out]\n`;
    assert.deepEqual(await errorsOf(text), ['12:13: channels.inbound[0].port must be at most 65535']);
  });

  it('refuses a literal password, saying to use a reference', async () => {
    const text = `${MINIMAL}channels:\n  inbound:\n    - kind: sftp\n      id: pull\n      host: sftp.example\n      user: u\n      password: hunter2\n      directories: [out]\n`;
    const errors = await errorsOf(text);
    assert.deepEqual(errors, [
      '13:17: channels.inbound[0].password must be a secret reference (env:NAME or file:/absolute/path); the secret itself does not belong in a partner file',
    ]);
    assert.ok(!errors.join('').includes('hunter2'));
  });

  it("checks that the channels' secret references resolve when asked to, naming what is missing", async () => {
    const text = `${MINIMAL}channels:\n  inbound:\n    - kind: sftp\n      id: pull\n      host: sftp.example\n      user: u\n      password: env:DOCKSIDE_TEST_UNSET_PW\n      directories: [out]\n  outbound:\n    kind: ftp\n    host: ftp.example\n    user: u\n    password: file:/nonexistent/ftp-password\n    directory: in\n`;
    await write('p.yaml', text);
    const file = join(dir, 'p.yaml');
    const env = { DOCKSIDE_TEST_OTHER: 'x' };
    assert.deepEqual(validatePartnerFiles([file], { dataDir: DATA_DIR, env }).errors, []);
    assert.deepEqual(
      validatePartnerFiles([file], { dataDir: DATA_DIR, env, checkSecrets: true }).errors.map((e) =>
        e.replace(`${file}:`, ''),
      ),
      [
        '13:17: channels.inbound[0].password env:DOCKSIDE_TEST_UNSET_PW does not resolve: the environment variable DOCKSIDE_TEST_UNSET_PW is not set',
        '19:15: channels.outbound.password file:/nonexistent/ftp-password does not resolve: cannot read /nonexistent/ftp-password (ENOENT)',
      ],
    );
    assert.deepEqual(
      validatePartnerFiles([file], {
        dataDir: DATA_DIR,
        env: { DOCKSIDE_TEST_UNSET_PW: 'set' },
        checkSecrets: true,
      }).errors.length,
      1,
    );
  });

  it('asks for quotes around a version YAML reads as a number', async () => {
    const text = `${MINIMAL}transactionSets:\n  - set: "856"\n    version: 004010\n    direction: inbound\n`;
    assert.deepEqual(await errorsOf(text), [
      '9:14: transactionSets[0].version must be string; put it in quotes: "004010"',
    ]);
  });

  it('does not repeat a number written where a secret reference goes', async () => {
    const text = `${MINIMAL}channels:\n  inbound:\n    - kind: sftp\n      id: pull\n      host: sftp.example\n      user: u\n      password: 8675309\n      directories: [out]\n`;
    const errors = await errorsOf(text);
    assert.deepEqual(errors, ['13:17: channels.inbound[0].password must be string; put it in quotes']);
  });

  it('refuses a direction that is not inbound or outbound, listing both', async () => {
    const text = `${MINIMAL}transactionSets:\n  - { set: "856", version: "004010", direction: both }\n`;
    assert.deepEqual(await errorsOf(text), [
      '8:49: transactionSets[0].direction must be equal to one of the allowed values: inbound, outbound',
    ]);
  });

  it('refuses a transaction set listed twice, naming the first', async () => {
    const line = '  - { set: "856", version: "004010", direction: inbound }\n';
    assert.deepEqual(await errorsOf(`${MINIMAL}transactionSets:\n${line}${line}`), [
      '9:5: transactionSets[1] repeats transactionSets[0] (004010/856 inbound); list it once',
    ]);
  });

  it('refuses a GS application id longer than GS02 allows', async () => {
    const text = MINIMAL.replace(
      'id: MINIMAL\n',
      'id: MINIMAL\n    applicationIds: [WAYTOOLONGAPPLICATIONID]\n',
    );
    assert.deepEqual(await errorsOf(text), [
      '7:22: identities[0].applicationIds[0] must NOT have more than 15 characters',
    ]);
  });

  it('refuses a contact without an email, or with something that is not one', async () => {
    const text = `${MINIMAL}contacts:\n  - name: Dana\n  - name: Lee\n    email: lee at example\n`;
    const errors = await errorsOf(text);
    assert.equal(errors.length, 2, errors.join('\n'));
    assert.equal(errors[0], "8:5: contacts[0] must have required property 'email'");
    assert.equal(
      errors[1],
      '10:12: contacts[1].email must match pattern "^[^\\s@]+@[^\\s@]+\\.[^\\s@]+$": an address such as edi@partner.example',
    );
  });

  it('says what an identity qualifier and a partner id look like', async () => {
    const text = MINIMAL.replace('qualifier: ZZ', 'qualifier: zz').replace('id: minimal', 'id: Acme_Co');
    assert.deepEqual(await errorsOf(text), [
      '2:5: id must match pattern "^[a-z0-9][a-z0-9-]{0,62}$": lower-case letters, digits and dashes, starting with a letter or digit, e.g. acme-widget',
      '5:16: identities[0].qualifier must match pattern "^[0-9A-Z]{2}$": two capital letters or digits, e.g. ZZ or 01',
    ]);
  });

  it('refuses a negative tolerance', async () => {
    assert.deepEqual(await errorsOf(`${MINIMAL}reconciliation:\n  unitPricePercent: -1\n`), [
      '8:21: reconciliation.unitPricePercent must be at least 0',
    ]);
  });

  it('points at an element position YAML read as a number, saying to quote it', async () => {
    const text = `${MINIMAL}specOverlays:\n  - set: "856"\n    version: "004010"\n    positions:\n      BSN:\n        elements:\n          01: { codes: ["00"] }\n`;
    assert.deepEqual(await errorsOf(text), [
      '13:11: specOverlays[0].positions.BSN.elements.1 is not an element position: write two digits in quotes, "01", or "05-01" for a component',
    ]);
  });

  it('refuses an overlay that widens the standard, at the position', async () => {
    const text = `${MINIMAL}specOverlays:\n  - set: "856"\n    version: "004010"\n    positions:\n      BSN:\n        usage: O\n      HL/TD1:\n        max: 50\n`;
    assert.deepEqual(await errorsOf(text), [
      '11:7: specOverlays[0].positions.BSN cannot make a mandatory position optional',
      "13:7: specOverlays[0].positions.HL/TD1 max 50 is above the standard's 20",
    ]);
  });

  it('refuses a code the standard does not list', async () => {
    const text = `${MINIMAL}specOverlays:\n  - set: "856"\n    version: "004010"\n    positions:\n      HL/HL:\n        elements:\n          "04": { codes: ["1", "2"] }\n`;
    assert.deepEqual(await errorsOf(text), [
      "11:7: specOverlays[0].positions.HL/HL HL04 codes 2 are not in the standard's list",
    ]);
  });

  it('refuses a position path that is not tags joined by /, and a syntax note that is not one', async () => {
    const text = `${MINIMAL}specOverlays:\n  - set: "856"\n    version: "004010"\n    positions:\n      hl.td1:\n        usage: M\n      BSN:\n        syntax: [C07]\n`;
    assert.deepEqual(await errorsOf(text), [
      '11:7: specOverlays[0].positions.hl.td1 is not a segment path: segment tags and loop ids joined by /, e.g. BSN or "HL/TD1"',
      '14:18: specOverlays[0].positions.BSN.syntax[0] must match pattern "^[PRECL][0-9]{4,}$": an X12 syntax note: P, R, E, C or L and two-digit element positions, e.g. P0102 or C0706',
    ]);
  });

  it('refuses an HL level the spec does not know, at the overlay', async () => {
    const text = `${MINIMAL}specOverlays:\n  - set: "856"\n    version: "004010"\n    hierarchy:\n      levels:\n        ZZ: { required: [TD1] }\n`;
    assert.deepEqual(await errorsOf(text), [
      '8:5: specOverlays[0] hierarchy.levels.ZZ: the spec has no level ZZ',
    ]);
  });

  it('refuses an overlay of a spec that does not exist, naming the ones that do', async () => {
    const text = `${MINIMAL}specOverlays:\n  - set: "856"\n    version: "004020"\n`;
    assert.deepEqual(await errorsOf(text), [
      '8:5: specOverlays[0] there is no spec for 004020/856 to narrow; specs of set 856: 004010/856, 005010/856',
    ]);
  });

  it('refuses an overlay path that names no position', async () => {
    const text = `${MINIMAL}specOverlays:\n  - set: "856"\n    version: "004010"\n    positions:\n      XYZ:\n        usage: M\n`;
    assert.deepEqual(await errorsOf(text), [
      '11:7: specOverlays[0].positions.XYZ no such position in 004010/856',
    ]);
  });

  it('accepts the full example file', async () => {
    assert.deepEqual(await errorsOf(FULL), []);
  });

  it('does not check overlays against specs it is not given', async () => {
    await write('p.yaml', `${MINIMAL}specOverlays:\n  - set: "856"\n    version: "004020"\n`);
    assert.deepEqual(validatePartnerFiles([join(dir, 'p.yaml')], { dataDir: DATA_DIR }).errors, []);
  });

  it('throws a non-retryable config error listing every problem when loading', async () => {
    await write('p.yaml', `${MINIMAL}reconciliation:\n  unitPricePercent: 101\n  invoiceGraceDays: 1.5\n`);
    try {
      loadPartners(dir, { dataDir: DATA_DIR });
      assert.fail('loaded');
    } catch (e) {
      assert.ok(e instanceof GatewayError);
      assert.equal(e.retryable, false);
      assert.match(e.message, /p\.yaml:8:21: reconciliation\.unitPricePercent must be at most 100/);
      assert.match(e.message, /p\.yaml:9:21: reconciliation\.invoiceGraceDays must be integer/);
    }
  });
});
