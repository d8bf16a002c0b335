// The benchmark's input: N distinct files of about 5 KB, each one interchange with one group and one 856,
// from one partner (ZZ/ACMEDC, the sender bench/x12 uses) or, with --partners P, dealt round-robin to P
// partners (ACMEDC, ACMEDC2, …). ISA13, GS06 and the ship notice's numbers come from the file's ordinal, so
// no two files are duplicates of each other, by bytes or by interchange.
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isa, shipNotice } from '../x12/generate.ts';

/** The partner of the file of ordinal `n` (1-based), and its ISA sender id. */
export function partnerOf(n: number, partners: number): { id: string; sender: string } {
  const p = (n - 1) % partners;
  return p === 0 ? { id: 'bench', sender: 'ACMEDC' } : { id: `bench-${p + 1}`, sender: `ACMEDC${p + 1}` };
}
/** Cartons per shipment and items per carton: about 5.2 KB a file. */
const PACKS = 5;
const ITEMS = 6;

/** The file of ordinal `n` (1-based). */
export function benchFile(n: number, partners = 1): string {
  const control = String(n).padStart(9, '0');
  const { sender } = partnerOf(n, partners);
  return (
    isa(n, '00401').replace('*ACMEDC         *', `*${sender.padEnd(15)}*`) +
    `GS*SH*${sender}*RETAILCO*20261126*0930*${n}*X*004010~\n` +
    shipNotice(n, PACKS, ITEMS).text +
    `GE*1*${n}~\nIEA*1*${control}~\n`
  );
}

export const fileName = (n: number) => `856-${String(n).padStart(6, '0')}.x12`;

/** Writes the files into `dir/files` (replacing what is there) and returns their total size in bytes. */
export function writeFiles(dir: string, count: number, partners: number): number {
  const filesDir = join(dir, 'files');
  rmSync(filesDir, { recursive: true, force: true });
  mkdirSync(filesDir, { recursive: true });
  let bytes = 0;
  for (let n = 1; n <= count; n++) {
    const text = benchFile(n, partners);
    bytes += Buffer.byteLength(text);
    writeFileSync(join(filesDir, fileName(n)), text);
  }
  return bytes;
}

export function listFiles(dir: string): string[] {
  return readdirSync(join(dir, 'files'))
    .filter((f) => f.endsWith('.x12'))
    .sort()
    .map((f) => join(dir, 'files', f));
}

/** The partners whose ISA identities are the files' senders; their acks go to folders under the data
 * directory. */
export function writePartners(dir: string, partners: number): string {
  const partnersDir = join(dir, 'partners');
  rmSync(partnersDir, { recursive: true, force: true });
  mkdirSync(partnersDir, { recursive: true });
  for (let n = 1; n <= partners; n++) {
    const { id, sender } = partnerOf(n, partners);
    writeFileSync(
      join(partnersDir, `${id}.yaml`),
      [
        '# Written by bench/pipeline: a sender of the generated 856 files.',
        `id: ${id}`,
        `name: Benchmark distribution center ${n}`,
        'status: active',
        'identities:',
        '  - qualifier: ZZ',
        `    id: ${sender}`,
        'acknowledgments:',
        '  functional: auto',
        '  ta1: requested-or-errors',
        'channels:',
        '  outbound:',
        '    kind: folder',
        `    path: outbound/${id}`,
        '',
      ].join('\n'),
    );
  }
  return partnersDir;
}
