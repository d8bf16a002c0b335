// What the partner file says a partner may send, checked against what an analysed file holds. Pure: the
// running pipeline (process-receipt) and `partners certify` call the same functions, so a certified report
// says what the running gateway says.
import type { AckPolicy } from '../x12/acks/build.ts';
import type { AnalysisResult, InterchangeResult } from '../x12/analyzer.ts';
import { issue } from '../x12/issues.ts';
import type { Partner, PartnerDirectory, PartnerIdentity } from '../partners/partner.ts';
import { isDuplicate, refused } from './receipt-plan.ts';

/** Adds the partner checks' issues to the analysis: senders, then application ids and agreed sets of the
 * interchanges whose sender is the partner's. */
export function checkAgainstPartner(
  analysis: AnalysisResult,
  partner: Partner,
  directory: PartnerDirectory,
): void {
  checkSenders(analysis, partner, directory);
  for (const ic of analysis.interchanges) {
    if (refused(ic)) continue;
    checkApplicationSenders(ic, partner);
    checkAgreedSets(ic, partner);
  }
}

/** An interchange whose ISA sender is not one of the partner's identities is refused. */
export function checkSenders(analysis: AnalysisResult, partner: Partner, directory: PartnerDirectory): void {
  for (const ic of analysis.interchanges) {
    if (identityOf(ic, partner)) continue;
    const { senderQualifier: q, senderId: id } = ic.header;
    const owner = directory.byIdentity(q, id);
    const claimed = partner.identities.map((i) => `${i.qualifier}/${i.id}`).join(', ');
    ic.issues.push(
      issue(
        'sender-not-partner',
        `ISA06 sender ${q.trim()}/${id.trim()} is not an identity of partner ${partner.id} (${claimed}), ` +
          `whose channel delivered the file` +
          (owner ? `; it belongs to partner ${owner.id}` : '; no partner claims it'),
        { ...ic.location, element: 6 },
        { data: id.trim() },
      ),
    );
  }
}

/** A group whose GS02 is not one of the application ids listed with the ISA identity is rejected; an identity
 * without applicationIds accepts any. */
function checkApplicationSenders(ic: InterchangeResult, partner: Partner): void {
  const identity = identityOf(ic, partner);
  const allowed = identity?.applicationIds;
  if (!identity || !allowed) return;
  for (const g of ic.groups) {
    const sender = g.header.senderCode.trim();
    if (allowed.includes(sender)) continue;
    g.issues.push(
      issue(
        'application-sender-not-partner',
        `GS02 application sender ${sender} is not one partner ${partner.id} lists for ` +
          `${identity.qualifier}/${identity.id} (${allowed.join(', ')}); add it to that identity's ` +
          `applicationIds in ${partner.file} if the partner uses it`,
        { ...g.location, element: 2 },
        { data: sender },
      ),
    );
  }
}

/** With inbound transaction sets listed, a set or version not among them is rejected ("not supported"); a
 * partner file listing none accepts every set a spec is known for. */
function checkAgreedSets(ic: InterchangeResult, partner: Partner): void {
  const inbound = partner.transactionSets.filter((t) => t.direction === 'inbound');
  if (inbound.length === 0) return;
  for (const g of ic.groups) {
    const version = g.header.version.trim();
    for (const s of g.sets) {
      if (inbound.some((t) => t.set === s.id && sameVersion(t.version, version))) continue;
      s.issues.push(
        issue(
          'set-not-agreed',
          `transaction set ${s.id} in version ${version} is not one partner ${partner.id} sends by its partner ` +
            `file (${inbound.map((t) => `${t.set}/${t.version}`).join(', ')}); add it to transactionSets in ` +
            `${partner.file} to accept it`,
          { ...s.location, element: 1 },
          { data: s.id },
        ),
      );
    }
  }
}

/** "004010" in the partner file covers a GS08 of 004010 and its industry variants (004010VICS); a version
 * written with its release suffix ("005010X221A1") covers that one only. */
function sameVersion(listed: string, gs08: string): boolean {
  return listed === gs08 || (/^\d{6}$/.test(listed) && gs08.startsWith(listed));
}

function identityOf(ic: InterchangeResult, partner: Partner): PartnerIdentity | undefined {
  const q = ic.header.senderQualifier.trim();
  const id = ic.header.senderId.trim();
  return partner.identities.find((i) => i.qualifier === q && i.id === id);
}

/** The partner's ack policy for an interchange; a refused or duplicate one gets only the envelope answer. */
export function ackPolicyFor(ic: InterchangeResult, partner: Partner): AckPolicy {
  return refused(ic) || isDuplicate(ic)
    ? { ta1: partner.acknowledgments.ta1 === 'never' ? 'never' : 'errors', functional: 'none' }
    : partner.acknowledgments;
}
