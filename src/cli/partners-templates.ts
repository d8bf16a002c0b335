// Starter partner files for `dockside partners new`. Each is a complete, commented file that the loader
// accepts as written: the only thing left to do before a first connection is to set the environment
// variables its secret references name (listed in `secrets`), to put the files it names in place (`files`: AS2
// certificates and keys, read when the file loads), and to fill in the partner's real addresses.
// They live in code rather than as files so that the id can be put into paths, variable names and the
// identity without a template language.

import { join, resolve } from 'node:path';

export const TEMPLATE_NAMES = ['sftp-x12', 'hosted-sftp', 'folder-csv', 'ftp-x12', 'as2'] as const;
export type TemplateName = (typeof TEMPLATE_NAMES)[number];

export interface StarterFile {
  text: string;
  /** Environment variables the file's `env:` references name, with what each must hold. */
  secrets: { name: string; holds: string }[];
  /** Files its `file:` references name, with what each must hold. */
  files: { path: string; holds: string }[];
}

export interface StarterOptions {
  /** The gateway's data directory: AS2 certificates and keys are expected under `<dataDir>/as2/<id>/`. */
  dataDir: string;
}

/** A value in single quotes, so that a path with `: ` or `#` stays one YAML scalar. */
function quoted(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/** `acme-widget` -> `ACME_WIDGET`, for environment variable names. */
function envPrefix(id: string): string {
  return id.toUpperCase().replace(/-/g, '_');
}

/** A guess at the partner's ISA06 to start from; the partner's real one replaces it. */
function isaGuess(id: string): string {
  return id.toUpperCase().replace(/-/g, '').slice(0, 15) || 'PARTNER';
}

function header(id: string, what: string): string {
  return [
    '# yaml-language-server: $schema=./schema.json',
    `# Partner ${id}: ${what}`,
    '# Written by `dockside partners new`. Next: `dockside partners validate`, then `dockside partners test ' +
      `${id}\`,`,
    `# then \`dockside partners certify ${id} SAMPLE.edi\`; set status: active once the partner is certified.`,
    `id: ${id}`,
    `name: ${id} # the partner's name as people know it`,
    '# testing (not certified yet) and active partners are polled and answered alike by a running gateway,',
    "# but a testing partner's documents are marked as test data and kept out of reconciliation;",
    '# suspended: its channels are not started and its hosted login is refused.',
    'status: testing',
    '# The ISA05/ISA06 (qualifier and id) the partner sends as interchange sender. A file whose ISA sender',
    '# is not one of these is refused, whichever channel brought it. Ask the partner for its real values.',
    'identities:',
    '  - qualifier: ZZ',
    `    id: ${isaGuess(id)}`,
  ].join('\n');
}

const ACKS = [
  '# The X12 sets exchanged with the partner; inbound: it sends them to us. Quote set ids and versions.',
  'transactionSets:',
  "  - { set: '856', version: '004010', direction: inbound }",
  "  - { set: '810', version: '004010', direction: inbound }",
  'acknowledgments:',
  '  functional: auto # 997 for 004010 groups, 999 for 005010; or 997, 999, none',
  '  ta1: requested-or-errors # always, requested (ISA14 = 1), errors, requested-or-errors, never',
  '# An interchange repeating the sender, receiver and ISA13 of one received within this many hours is a',
  '# duplicate: recorded, answered with a TA1 on errors, not processed again.',
  'duplicateWindowHours: 720',
  '# Who to call about this partner: - { name: …, email: …, role: edi }',
  'contacts: []',
].join('\n');

const HOST_KEY = [
  '      hostKey:',
  "        # The server's SHA256 host key fingerprint(s). `dockside partners test` prints the key the server",
  '        # shows; check it with the partner by another way than the network, then pin it here.',
  '        fingerprints: []',
  '        trustOnFirstUse: false',
].join('\n');

export function starterFile(id: string, template: TemplateName, options: StarterOptions): StarterFile {
  const env = envPrefix(id);
  switch (template) {
    case 'as2': {
      const dir = join(resolve(options.dataDir), 'as2', id);
      const partnerCert = join(dir, 'partner.pem');
      const ourCert = join(dir, 'our.pem');
      const ourKey = join(dir, 'our.key');
      return {
        secrets: [],
        files: [
          { path: partnerCert, holds: "the partner's AS2 certificate (PEM), as the partner sent it" },
          { path: ourCert, holds: 'our AS2 certificate for this partner (PEM): send the partner a copy' },
          {
            path: ourKey,
            holds: "its private key (PEM, unencrypted), readable by the gateway's user only",
          },
        ],
        text: [
          header(id, 'X12 over AS2, both ways: it posts to our AS2 endpoint, we post to its AS2 URL.'),
          ACKS,
          "# The partner sends AS2 messages to the gateway's AS2 endpoint; they are told apart by AS2-From and",
          '# AS2-To. This file validates once the three certificate and key files below exist: they are read',
          '# (and a key checked against its certificate) when the gateway loads the file. To make our own pair:',
          `#   openssl req -x509 -newkey rsa:2048 -nodes -days 730 -subj '/CN=dockside-${id}' \\`,
          `#     -keyout ${ourKey} -out ${ourCert}`,
          '# `dockside partners list` warns 30 days before a certificate expires; `dockside partners test`',
          '# fails on an expired one.',
          'as2:',
          `  as2Id: ${isaGuess(id)}-AS2 # the partner's AS2 name (its AS2-From); ask the partner for it`,
          '  ourAs2Id: DOCKSIDE # our AS2 name with this partner (its AS2-To)',
          "  # The partner's certificate: the only one whose signatures are accepted, and what we encrypt for.",
          '  # A reference: file:/absolute/path.pem, or env:NAME for a variable holding the PEM.',
          `  certificate: ${quoted(`file:${partnerCert}`)}`,
          '  # Ours: the partner encrypts to it and checks our signatures with it. While changing certificates,',
          '  # list the new pair after the current one; the first signs, any of them decrypts.',
          '  identities:',
          `    - certificate: ${quoted(`file:${ourCert}`)}`,
          `      privateKey: ${quoted(`file:${ourKey}`)} # a secret reference, never the key itself`,
          '  requireSigned: true # refuse unsigned messages',
          '  requireEncrypted: true # refuse unencrypted messages',
          '  maxConcurrent: 4 # messages received at once; more are told to retry (HTTP 503)',
          '  # Where the partner may ask for asynchronous MDNs (Receipt-Delivery-Option): same scheme, host and',
          "  # port, path at or below the entry's. Without this list, only the host of the AS2 URL below.",
          `  # asyncMdnUrls: [https://as2.${id}.example/mdn]`,
          'channels:',
          '  # Acknowledgments and documents for the partner are posted to its AS2 URL.',
          '  outbound:',
          '    kind: as2',
          `    url: https://as2.${id}.example/as2 # the partner's AS2 URL, http:// or https://`,
          '    sign: sha256 # sha1, sha256, sha384, sha512, or none',
          '    encrypt: aes-256-cbc # aes-128-cbc, aes-192-cbc, aes-256-cbc, des-ede3-cbc, or none',
          '    keyTransport: rsa-pkcs1 # or rsa-oaep, if the partner accepts it',
          '    compress: false',
          '    mdn: sync # the receipt: sync (in the response), async (posted back later), or none',
          '    signedMdn: true',
          "    # With mdn: async, where the partner posts the MDN (our AS2 endpoint's public URL):",
          '    # asyncMdnUrl: https://as2.dockside.example/as2',
          "    timeoutMs: 60000 # the HTTP request's own timeout",
          '',
        ].join('\n'),
      };
    }
    case 'sftp-x12': {
      const password = `${env}_SFTP_PASSWORD`;
      return {
        files: [],
        secrets: [{ name: password, holds: `the password of the login on the partner's SFTP server` }],
        text: [
          header(id, 'X12 fetched from its SFTP server; acknowledgments put back on the same server.'),
          ACKS,
          'channels:',
          '  inbound:',
          '    - kind: sftp',
          `      id: pull # receipts name this channel ${id}/pull`,
          `      host: sftp.${id}.example # the partner's server`,
          '      port: 22',
          '      user: dockside',
          '      # A secret is a reference, never the value: env:NAME or file:/path (a mounted secret).',
          `      password: env:${password}`,
          '      # privateKey: file:/run/secrets/key   (instead of or as well as the password)',
          HOST_KEY,
          '      directories: [/outbound] # where the partner leaves files for us',
          "      patterns: ['*.edi', '*.x12', '*.txt']",
          '      pollIntervalMs: 30000',
          '      completion: { kind: delete } # once stored; or { kind: move, to: archive }, or leave',
          '  outbound:',
          '    kind: sftp',
          '    channel: pull # the same server and login as the inbound channel',
          '    directory: /inbound # where the partner picks up our acknowledgments',
          '',
        ].join('\n'),
      };
    }
    case 'ftp-x12': {
      const password = `${env}_FTP_PASSWORD`;
      return {
        files: [],
        secrets: [{ name: password, holds: `the password of the login on the partner's FTP server` }],
        text: [
          header(id, 'X12 fetched from its FTP/FTPS server; acknowledgments put back on the same server.'),
          ACKS,
          'channels:',
          '  inbound:',
          '    - kind: ftp',
          `      id: pull # receipts name this channel ${id}/pull`,
          `      host: ftp.${id}.example # the partner's server`,
          '      user: dockside',
          '      # A secret is a reference, never the value: env:NAME or file:/path (a mounted secret).',
          `      password: env:${password}`,
          '      tls:',
          '        # explicit (AUTH TLS on port 21), implicit (port 990), or none: plain FTP, the password',
          '        # crosses the network readable; only where the partner offers nothing else.',
          '        mode: explicit',
          "        # fingerprint: 'AB:CD:…' the certificate's SHA-256, to pin instead of trusting a CA",
          '      directories: [/out] # where the partner leaves files for us',
          "      patterns: ['*.edi', '*.x12', '*.txt']",
          '      pollIntervalMs: 60000',
          '      completion: { kind: move, to: archive }',
          '  outbound:',
          '    kind: ftp',
          '    channel: pull # the same server and login as the inbound channel',
          '    directory: /in # where the partner picks up our acknowledgments',
          '',
        ].join('\n'),
      };
    }
    case 'hosted-sftp': {
      const hash = `${env}_HOSTED_PASSWORD_HASH`;
      return {
        files: [],
        secrets: [
          {
            name: hash,
            holds:
              "the scrypt hash of the partner's password on Dockside's SFTP server ($scrypt$ln=…; see docs/hosted-sftp.md)",
          },
        ],
        text: [
          header(id, "pushes X12 to Dockside's own SFTP server and fetches acknowledgments from it."),
          ACKS,
          '# The partner logs in to the hosted SFTP server (DOCKSIDE_SFTP_PORT) as ' +
            `${id}, puts files into /inbound and`,
          '# takes acknowledgments from /outbound.',
          'hosted:',
          `  passwordHash: env:${hash} # a reference to the hash; the password itself is never stored`,
          '  publicKeys: [] # OpenSSH public keys (ssh-ed25519 AAAA… comment), or file:/path of such lines',
          'channels:',
          '  outbound:',
          '    kind: hosted',
          '',
        ].join('\n'),
      };
    }
    case 'folder-csv':
      return {
        files: [],
        secrets: [],
        text: [
          header(id, 'a legacy partner that drops CSV files into a local folder (a share).'),
          '# Who to call about this partner: - { name: …, email: …, role: edi }',
          'contacts: []',
          'channels:',
          '  inbound:',
          '    - kind: folder',
          `      id: drop # receipts name this channel ${id}/drop`,
          `      path: drop/${id}/inbound # relative paths are under DOCKSIDE_DATA_DIR`,
          "      patterns: ['*.csv']",
          '      pollIntervalMs: 5000',
          '      completion: { kind: move, to: processed }',
          '  # No outbound channel: CSV files get no acknowledgment.',
          '# How the CSV files become documents (docs/csv.md lists every field). The first mapping whose `files`',
          "# match a file's name reads it; bad rows are reported with their line and column, the rest is kept.",
          'csv:',
          '  - name: ship-notices',
          '    produces: advance-ship-notice # or invoice',
          "    files: ['ASN_*.csv']",
          "    delimiter: ','",
          '    encoding: utf-8 # or windows-1252, latin1',
          '    headerRow: true # false: name columns by number, 1 for the first',
          '    dateFormats: [YYYY-MM-DD, MM/DD/YYYY]',
          "    decimalSeparator: '.'",
          '    # Rows with the same value here make one ship notice.',
          '    groupBy: [Shipment]',
          '    # Taken from the first row of each shipment: document field -> column.',
          '    documentFields:',
          '      shipmentId: Shipment',
          '      shipDate: Ship Date',
          '    # One line of the document per row.',
          '    lineFields:',
          '      poNumber: PO',
          '      buyerPartNumber: Item',
          '      quantityShipped: Qty',
          '      unit: { column: UOM, default: EA }',
          '',
        ].join('\n'),
      };
  }
}
