// Writes a realistic 856 (ASN) file of about the requested size: interchanges of one group with many ship
// notices, each shipment -> order -> pack -> items, as a distribution center sends them to a retailer.
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';

function pad(n: number, w: number): string {
  return String(n).padStart(w, '0');
}

export function isa(control: number, version: '00401' | '00501'): string {
  const rep = version === '00501' ? '^' : 'U';
  return `ISA*00*          *00*          *ZZ*ACMEDC         *ZZ*RETAILCO       *261126*0930*${rep}*${version}*${pad(control, 9)}*0*P*>~\n`;
}

const STYLES = [
  'CREW NECK TEE',
  'V-NECK TEE',
  'HOODED SWEATSHIRT',
  'JOGGER PANT',
  'DENIM JACKET',
  'POLO SHIRT',
];
const COLORS = ['BLUE', 'BLACK', 'HEATHER GREY', 'WHITE', 'NAVY', 'OLIVE'];
const SIZES = ['S', 'M', 'L', 'XL'];

/**
 * One 856 as a distribution center sends it to a retailer: shipment (carrier, BOL, ship-from and ship-to
 * addresses) -> order (PO, department) -> cartons (SSCC-18 labels) -> items (UPC, vendor style, buyer item,
 * quantity, pack, description, lot).
 */
export function shipNotice(
  control: number,
  packs: number,
  items: number,
): { text: string; segments: number } {
  const st = pad(control, 4);
  const lines: string[] = [
    `ST*856*${st}`,
    `BSN*00*SHP${pad(control, 8)}*20261126*0930*0001`,
    'HL*1**S',
    `TD1*CTN25*${packs}****G*${(packs * 12.5).toFixed(1)}*LB`,
    'TD5*B*2*ODFL*M*OLD DOMINION FREIGHT LINE',
    `REF*BM*BOL${pad(control, 9)}`,
    `REF*CN*PRO${pad(control * 7, 10)}`,
    'DTM*011*20261126',
    'DTM*017*20261129',
    'FOB*PP',
    'N1*SF*ACME APPAREL DISTRIBUTION CENTER*92*DC01',
    'N3*1200 INDUSTRIAL PARKWAY',
    'N4*COLUMBUS*OH*43215*US',
    'N1*ST*RETAILCO STORE 1042*92*1042',
    'N3*88 MAIN STREET',
    'N4*DAYTON*OH*45402*US',
    'HL*2*1*O',
    `PRF*PO${pad(control, 7)}***20261120`,
    'REF*DP*0412',
    'REF*IA*884512',
  ];
  let hl = 2;
  for (let p = 0; p < packs; p++) {
    const pack = ++hl;
    lines.push(`HL*${pack}*2*P`, 'PO4*1', `MAN*GM*00${pad(612345, 7)}${pad(control * 100 + p, 10)}`);
    for (let i = 0; i < items; i++) {
      const style = STYLES[(control + i) % STYLES.length]!;
      const color = COLORS[(p + i) % COLORS.length]!;
      const size = SIZES[i % SIZES.length]!;
      lines.push(
        `HL*${++hl}*${pack}*I`,
        `LIN**UP*0${pad(70000000000 + control * 10 + i, 11)}*VN*${style.slice(0, 4).replace(' ', '')}-${pad(i, 4)}-${color.slice(0, 3)}*BP*RC${pad(1000000 + i, 7)}`,
        `SN1**${6 + i}*EA`,
        `PO4*${6 + i}*1*EA`,
        `PID*F****${style} ${color} ${size}`,
        `REF*LT*LOT${pad(control % 1000, 3)}${String.fromCharCode(65 + (i % 26))}`,
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
