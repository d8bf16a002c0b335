import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GatewayError } from '../../../src/errors.ts';
import { loadPartners, validatePartnerFiles } from '../../../src/partners/load.ts';

const DEMO_DIR = fileURLToPath(new URL('../../../partners', import.meta.url));
const DATA_DIR = '/srv/dockside/var';

const MINIMAL = `id: minimal
name: Minimal Partner
identities:
  - qualifier: ZZ
    id: MINIMAL
`;

/** What a folder channel that says only its kind, id and path gets. */
const FOLDER_DEFAULTS = {
  kind: 'folder',
  pollIntervalMs: 2000,
  patterns: ['*'],
  maxFilesPerPoll: 100,
  readLock: { kind: 'changed', checks: 2, doneFile: '{name}.done' },
  completion: { kind: 'move', to: 'processed', failedTo: 'failed' },
  backoffMaxMs: 300_000,
};

/** 1-based line and column of the first occurrence of `needle` in `text` (after `after`, if given). */
function positionOf(text: string, needle: string, after = ''): { line: number; col: number } {
  const start = after ? text.indexOf(after) : 0;
  assert.ok(start >= 0, `${after} not in the fixture`);
  const offset = text.indexOf(needle, start);
  assert.ok(offset >= 0, `${needle} not in the fixture`);
  const before = text.slice(0, offset).split('\n');
  return { line: before.length, col: before[before.length - 1]!.length + 1 };
}

/** The message of the error loadPartners throws; fails the test if it does not throw a config-invalid error. */
function loadError(dir: string): string {
  try {
    loadPartners(dir, { dataDir: DATA_DIR });
  } catch (e) {
    assert.ok(e instanceof GatewayError, String(e));
    assert.equal(e.code, 'config-invalid');
    assert.equal(e.retryable, false);
    return e.message;
  }
  assert.fail('the partner files were accepted');
}

describe('loadPartners', () => {
  describe('the demo partners', () => {
    // The demo partners refer to secrets `dockside` makes under the data directory (src/cli/demo.ts).
    const DEMO_ENV = {
      DOCKSIDE_DEMO_ACME_WIDGET_SFTP_PASSWORD: 'not-used',
      DOCKSIDE_DEMO_TCHOME_PASSWORD_HASH:
        '$scrypt$ln=10,r=8,p=1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
    };
    const partners = () => loadPartners(DEMO_DIR, { dataDir: DATA_DIR, env: DEMO_ENV });

    it('loads acme-widget and tchome with their identities', () => {
      const dir = partners();
      assert.deepEqual(
        dir
          .all()
          .map((p) => p.id)
          .filter((id) => id === 'acme-widget' || id === 'tchome'),
        ['acme-widget', 'tchome'],
      );
      assert.deepEqual(dir.get('acme-widget')?.identities, [{ qualifier: 'ZZ', id: 'ACMEWIDGET' }]);
      assert.deepEqual(dir.get('tchome')?.identities, [{ qualifier: 'ZZ', id: 'TCHOME' }]);
      assert.equal(dir.get('acme-widget')?.name, 'Acme Widget Co.');
      assert.equal(dir.get('acme-widget')?.file, join(DEMO_DIR, 'acme-widget.yaml'));
    });

    it('fills the defaults a file leaves out', () => {
      const tchome = partners().get('tchome')!;
      assert.equal(tchome.status, 'active');
      assert.deepEqual(tchome.acknowledgments, {
        functional: 'auto',
        ta1: 'requested-or-errors',
        ackAcks: false,
      });
      assert.equal(tchome.duplicateWindowHours, 720);
      assert.deepEqual(tchome.inbound, []);
      assert.deepEqual(tchome.hosted, {
        passwordHash: DEMO_ENV.DOCKSIDE_DEMO_TCHOME_PASSWORD_HASH,
        publicKeys: [],
      });
      assert.deepEqual(tchome.outbound, { kind: 'hosted', root: join(DATA_DIR, 'hosted') });
    });

    it('polls acme-widget over SFTP on loopback with its demo key pinned under the data directory', () => {
      const pull = partners().get('acme-widget')!.inbound[0]!;
      assert.ok(pull.kind === 'sftp');
      assert.deepEqual(
        [pull.id, pull.host, pull.port, pull.user, pull.password, pull.directories, pull.completion],
        [
          'pull',
          '127.0.0.1',
          2223,
          'dockside',
          'env:DOCKSIDE_DEMO_ACME_WIDGET_SFTP_PASSWORD',
          ['/outbound'],
          { kind: 'move', to: 'archive' },
        ],
      );
      assert.deepEqual(pull.hostKey, {
        fingerprints: [],
        trustOnFirstUse: false,
        learnedFile: join(DATA_DIR, 'known-hosts', 'acme-widget', 'pull@127.0.0.1_2223'),
      });
    });
  });

  describe('files written for the test', () => {
    let dir: string;

    beforeEach(async () => {
      dir = await mkdtemp(join(tmpdir(), 'dockside-partners-'));
    });

    afterEach(async () => {
      await rm(dir, { recursive: true, force: true });
    });

    const write = (name: string, text: string) => writeFile(join(dir, name), text);

    it('fills every documented default for a minimal file', async () => {
      await write(
        'minimal.yaml',
        `${MINIMAL}channels:\n  inbound:\n    - kind: folder\n      id: drop\n      path: in/minimal\n`,
      );
      const p = loadPartners(dir, { dataDir: DATA_DIR }).get('minimal')!;
      assert.equal(p.status, 'active');
      assert.deepEqual(p.acknowledgments, { functional: 'auto', ta1: 'requested-or-errors', ackAcks: false });
      assert.equal(p.duplicateWindowHours, 720);
      assert.deepEqual(p.inbound, [{ ...FOLDER_DEFAULTS, id: 'drop', path: join(DATA_DIR, 'in/minimal') }]);
      assert.equal(p.outbound, undefined);
    });

    it('gives a partner without channels no inbound channels', async () => {
      await write('minimal.yaml', MINIMAL);
      assert.deepEqual(loadPartners(dir, { dataDir: DATA_DIR }).get('minimal')?.inbound, []);
    });

    it('keeps absolute channel paths as they are', async () => {
      await write(
        'minimal.yaml',
        `${MINIMAL}channels:\n  inbound:\n    - kind: folder\n      id: drop\n      path: /mnt/as2/in\n` +
          `  outbound:\n    kind: folder\n    path: /mnt/as2/out\n`,
      );
      const p = loadPartners(dir, { dataDir: DATA_DIR }).get('minimal')!;
      assert.deepEqual(
        [
          p.inbound[0]!.kind === 'folder' && p.inbound[0]!.path,
          p.outbound?.kind === 'folder' && p.outbound.path,
        ],
        ['/mnt/as2/in', '/mnt/as2/out'],
      );
    });

    it('reads .yml files and ignores files of other kinds', async () => {
      await write('minimal.yml', MINIMAL);
      await write('README.md', '# not a partner');
      await write('schema.json', '{}');
      assert.deepEqual(
        loadPartners(dir, { dataDir: DATA_DIR })
          .all()
          .map((p) => p.id),
        ['minimal'],
      );
    });

    it('rejects a poll interval out of range, naming file, line, column and field', async () => {
      const text = `${MINIMAL}channels:\n  inbound:\n    - kind: folder\n      id: drop\n      path: in\n      pollIntervalMs: 5\n`;
      await write('minimal.yaml', text);
      const at = positionOf(text, '5', 'pollIntervalMs');
      assert.deepEqual(at, { line: 11, col: 23 });
      const message = loadError(dir);
      assert.ok(
        message.includes(
          `${join(dir, 'minimal.yaml')}:11:23: channels.inbound[0].pollIntervalMs must be at least 100`,
        ),
        message,
      );
    });

    it('rejects an unknown key, pointing at the key itself', async () => {
      const text = `${MINIMAL}channels:\n  inbound:\n    - kind: folder\n      id: drop\n      path: in\n      colour: red\n`;
      await write('minimal.yaml', text);
      const at = positionOf(text, 'colour');
      const message = loadError(dir);
      assert.ok(
        message.includes(
          `minimal.yaml:${at.line}:${at.col}: channels.inbound[0].colour is not a known setting`,
        ),
        message,
      );
    });

    it('rejects an unknown top-level key at its line', async () => {
      const text = `${MINIMAL}dupliateWindowHours: 24\n`;
      await write('minimal.yaml', text);
      const message = loadError(dir);
      assert.ok(
        message.includes(
          `minimal.yaml:6:1: dupliateWindowHours is not a known setting; did you mean duplicateWindowHours?`,
        ),
        message,
      );
    });

    it('rejects a bad identity qualifier, naming the field path', async () => {
      const text = MINIMAL.replace('qualifier: ZZ', 'qualifier: zz');
      await write('minimal.yaml', text);
      const at = positionOf(text, 'zz');
      assert.deepEqual(at, { line: 4, col: 16 });
      const message = loadError(dir);
      assert.ok(message.includes(`minimal.yaml:4:16: identities[0].qualifier must match pattern`), message);
    });

    it('refuses the ids the API and the console use as paths under /partners/', async () => {
      for (const id of ['validate', 'problems']) {
        await write('minimal.yaml', MINIMAL.replace('id: minimal', `id: ${id}`));
        const message = loadError(dir);
        assert.ok(message.includes(`minimal.yaml:1:5: id ${id} is reserved`), message);
      }
    });

    it('lists the allowed values when a value is not one of them', async () => {
      const text = `${MINIMAL}status: live\n`;
      await write('minimal.yaml', text);
      const message = loadError(dir);
      assert.ok(
        message.includes('minimal.yaml:6:9: status must be equal to one of the allowed values'),
        message,
      );
      assert.match(message, /testing, active, suspended/);
    });

    it('rejects a file missing a required field', async () => {
      await write('minimal.yaml', MINIMAL.replace('name: Minimal Partner\n', ''));
      assert.match(loadError(dir), /minimal\.yaml:1:1: the file must have required property 'name'/);
    });

    it('rejects an empty file', async () => {
      await write('empty.yaml', '');
      assert.match(loadError(dir), /empty\.yaml:1:1: the file must be object/);
    });

    it('reports a YAML syntax error with its line', async () => {
      await write('dup.yaml', `${MINIMAL}name: Again\n`);
      await write('tab.yaml', 'id: tab\n\tname: Tab\n');
      const message = loadError(dir);
      assert.ok(message.includes(`${join(dir, 'dup.yaml')}:6:1: Map keys must be unique`), message);
      assert.ok(message.includes(`${join(dir, 'tab.yaml')}:2:1: Tabs are not allowed`), message);
    });

    it('refuses two files claiming the same ISA identity, naming both', async () => {
      await write('a.yaml', MINIMAL.replace('id: minimal', 'id: a'));
      await write(
        'b.yaml',
        MINIMAL.replace('id: minimal', 'id: b').replace('id: MINIMAL', 'id: "MINIMAL  "'),
      );
      const message = loadError(dir);
      assert.ok(
        message.includes(
          `${join(dir, 'b.yaml')}:5:9: identities[0].id ISA identity ZZ/MINIMAL is already claimed by ` +
            `${join(dir, 'a.yaml')}:5:9 (partner a); an ISA identity belongs to one partner only`,
        ),
        message,
      );
    });

    it('refuses two files with the same partner id, naming both', async () => {
      await write('a.yaml', MINIMAL);
      await write('b.yaml', MINIMAL.replace('id: MINIMAL', 'id: OTHER'));
      const message = loadError(dir);
      assert.ok(
        message.includes(
          `${join(dir, 'b.yaml')}:1:5: id minimal is already used by ${join(dir, 'a.yaml')}:1:5; ` +
            'every partner needs an id of its own',
        ),
        message,
      );
    });

    it('refuses two inbound channels with the same id in one file', async () => {
      const channel = '    - kind: folder\n      id: drop\n      path: in\n';
      await write('minimal.yaml', `${MINIMAL}channels:\n  inbound:\n${channel}${channel}`);
      assert.match(
        loadError(dir),
        /minimal\.yaml:12:11: channels\.inbound\[1\]\.id drop is already the id of channels\.inbound\[0\]; two inbound channels cannot share an id/,
      );
    });

    it('reports the problems of all files together', async () => {
      await write('a.yaml', `${MINIMAL.replace('id: minimal', 'id: a')}duplicateWindowHours: -1\n`);
      await write('b.yaml', 'id: b\nname: [unclosed\n');
      await write('c.yaml', MINIMAL.replace('id: minimal', 'id: c').replace('qualifier: ZZ', 'qualifier: Z'));
      await write('d.yaml', MINIMAL.replace('id: minimal', 'id: Not_Valid'));
      const message = loadError(dir);
      const lines = message.split('\n').slice(1);
      assert.equal(lines.length, 4, message);
      assert.match(lines[0]!, /a\.yaml:6:23: duplicateWindowHours must be at least 0/);
      assert.match(lines[1]!, /b\.yaml:\d+:\d+: /);
      assert.match(lines[2]!, /c\.yaml:4:16: identities\[0\]\.qualifier/);
      assert.match(lines[3]!, /d\.yaml:1:5: id must match pattern/);
    });

    it('names files under the working directory relative to it', async () => {
      await mkdir(join(dir, 'partners'));
      await writeFile(join(dir, 'partners', 'bad.yaml'), MINIMAL.replace('Minimal Partner', "''"));
      const cwd = process.cwd();
      // loadPartners is synchronous, so nothing else runs while the working directory is changed.
      process.chdir(dir);
      let message: string;
      try {
        message = loadError(join(dir, 'partners'));
      } finally {
        process.chdir(cwd);
      }
      assert.match(message, /^ {2}partners\/bad\.yaml:2:7: name must NOT have fewer than 1 characters$/m);
    });

    it('validates chosen files without throwing, checking them against each other', async () => {
      await write('a.yaml', MINIMAL.replace('id: minimal', 'id: a'));
      await write('b.yaml', MINIMAL.replace('id: minimal', 'id: b'));
      await write(
        'c.yaml',
        `${MINIMAL.replace('id: minimal', 'id: c').replace('id: MINIMAL', 'id: C')}status: live\n`,
      );
      const options = { dataDir: DATA_DIR };
      assert.deepEqual(validatePartnerFiles([join(dir, 'a.yaml')], options), { errors: [] });
      const { errors } = validatePartnerFiles(
        ['a.yaml', 'b.yaml', 'c.yaml'].map((f) => join(dir, f)),
        options,
      );
      assert.equal(errors.length, 2, errors.join('\n'));
      assert.match(errors[0]!, /c\.yaml:6:9: status must be equal to one of the allowed values/);
      assert.match(
        errors[1]!,
        /b\.yaml:5:9: identities\[0\]\.id ISA identity ZZ\/MINIMAL is already claimed by .*a\.yaml:5:9/,
      );
    });

    it('refuses a partner directory that cannot be read', () => {
      const message = loadError(join(dir, 'missing'));
      assert.match(message, /cannot read the partner directory/);
    });
  });
});
