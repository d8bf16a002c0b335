// Writes a realistic 856 (ASN) file of about the requested size: interchanges of 50 groups... no - of one
// group with many ship notices, each shipment -> order -> pack -> items, as a distribution center sends.
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';

function pad(n: number, w: number): string {
  return String(n).padStart(w, '0');
}

function isa(control: number, version: '00401' | '00501'): string {
  const rep = version === '00501' ? '^' : 'U';
  return `ISA*00*          *00*          *ZZ*ACMEDC         *ZZ*RETAILCO       *261126*0930*${rep}*${version}*${pad(control, 9)}*0*P*>~\n`;
}

/** One 856 with `packs` cartons of `items` lines each. */
function shipNotice(control: number, packs: number, items: number): { text: string; segments: number } {
  const st = pad(control, 4);
  const lines: string[] = [
    `ST*856*${st}`,
    `BSN*00*SHP${pad(control, 8)}*20261126*0930*0001`,
    'HL*1**S',
    'TD1*CTN25*' + packs + '****G*' + (packs * 12.5).toFixed(1) + '*LB',
    'TD5*B*2*ODFL*M*OLD DOMINION',
    `REF*BM*BOL${pad(control, 9)}`,
    'DTM*011*20261126',
    'N1*SF*ACME DISTRIBUTION CENTER*92*DC01',
    'N3*1200 INDUSTRIAL PKWY',
    'N4*COLUMBUS*OH*43215*US',
    'N1*ST*RETAILCO STORE 1042*92*1042',
    'N3*88 MAIN ST',
    'N4*DAYTON*OH*45402*US',
    'HL*2*1*O',
    `PRF*PO${pad(control, 7)}***20261120`,
  ];
  let hl = 2;
  for (let p = 0; p < packs; p++) {
    const pack = ++hl;
    lines.push(`HL*${pack}*2*P`, `MAN*GM*00012345${pad(control % 100000, 5)}${pad(p, 5)}`);
    for (let i = 0; i < items; i++) {
      lines.push(
        `HL*${++hl}*${pack}*I`,
        `LIN*${i + 1}*UP*0${pad(70000000000 + i, 11)}*VN*SKU-${pad(i, 5)}`,
        `SN1**${6 + i}*EA`,
      );
    }
  }
  lines.push(`CTT*${hl}`);
  lines.push(`SE*${lines.length + 1}*${st}`);
  return { text: lines.join('~\n') + '~\n', segments: lines.length };
}

export async function generate856(path: string, megabytes: number): Promise<void> {
  const target = megabytes * 1024 * 1024;
  const out = createWriteStream(path);
  let written = 0;
  let icControl = 0;
  const write = async (s: string) => {
    written += Buffer.byteLength(s);
    if (!out.write(s)) await once(out, 'drain');
  };
  while (written < target) {
    icControl++;
    const group = icControl;
    await write(isa(icControl, '00401'));
    await write(`GS*SH*ACMEDC*RETAILCO*20261126*0930*${group}*X*004010~\n`);
    let sets = 0;
    for (let s = 1; s <= 2000 && written < target; s++) {
      sets++;
      await write(shipNotice(s, 4, 6).text);
    }
    await write(`GE*${sets}*${group}~\nIEA*1*${pad(icControl, 9)}~\n`);
  }
  out.end();
  await once(out, 'finish');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [path, mb] = process.argv.slice(2);
  if (!path || !mb) {
    console.error('usage: generate.ts PATH MEGABYTES');
    process.exit(2);
  }
  await generate856(path, Number(mb));
}
