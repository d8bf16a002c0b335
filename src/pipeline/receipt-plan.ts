// Turns an analysis (with the pipeline's own interchange issues added) and the acks built for it into the
// rows to record and the receipt's overall outcome. No I/O: everything here is decided from values.
import type { AckInterchange } from '../x12/acks/build.ts';
import { interchangeStatus, setAcceptance } from '../x12/acks/build.ts';
import type { AnalysisResult, InterchangeResult } from '../x12/analyzer.ts';
import type { InterchangeRecord, InterchangeStatus, SetStatus } from '../store/queries/interchanges.ts';
import type { ReceiptOutcome } from '../store/queries/receipts.ts';

export type InterchangePlan = InterchangeRecord;

export interface ReceiptPlan {
  interchanges: InterchangePlan[];
  acks: { position: number; ack: AckInterchange }[];
  outcome: ReceiptOutcome;
}

const SET_STATUS: Record<'A' | 'E' | 'R', SetStatus> = {
  A: 'accepted',
  E: 'accepted-with-errors',
  R: 'rejected',
};

export function planReceipt(
  analysis: AnalysisResult,
  partnerId: string,
  acks: Map<InterchangeResult, AckInterchange>,
): ReceiptPlan {
  const interchanges: InterchangePlan[] = [];
  const planned: ReceiptPlan['acks'] = [];
  let acceptedSets = 0;
  let rejectedSets = 0;
  analysis.interchanges.forEach((ic, position) => {
    const status = interchangeDecision(ic);
    const open = status === 'accepted' || status === 'accepted-with-errors';
    const ack = acks.get(ic);
    if (ack) planned.push({ position, ack });
    const groupAcks = ack?.functional ?? [];
    let anyRejectedSet = false;
    const h = ic.header;
    interchanges.push({
      position,
      partnerId,
      senderQualifier: h.senderQualifier.trim(),
      senderId: h.senderId.trim(),
      receiverQualifier: h.receiverQualifier.trim(),
      receiverId: h.receiverId.trim(),
      controlNumber: h.controlNumber,
      version: h.version,
      usageIndicator: h.usage,
      ackRequested: h.ackRequested === '1',
      sentDate: h.date,
      sentTime: h.time,
      status,
      duplicateOf: duplicateOf.get(ic) ?? null,
      startOffset: ic.location.offset,
      startLine: ic.location.line,
      issues: ic.issues,
      groups: ic.groups.map((g, gi) => ({
        position: gi,
        functionalId: g.header.functionalId,
        applicationSender: g.header.senderCode,
        applicationReceiver: g.header.receiverCode,
        controlNumber: g.header.controlNumber,
        version: g.header.version,
        ackCode: groupAcks.find((f) => f.groupControlNumber === g.header.controlNumber)?.code ?? null,
        setCount: g.setCount,
        issues: g.issues,
        sets: g.sets.map((s, si) => {
          // A group with an error of its own is rejected whole (AK9 R), whatever its sets' AK5 say.
          const groupRejected = !g.complete || g.issues.some((i) => i.severity === 'error');
          const setStatus = open && !groupRejected ? SET_STATUS[setAcceptance(s)] : 'rejected';
          if (setStatus === 'rejected') {
            anyRejectedSet = true;
            rejectedSets++;
          } else acceptedSets++;
          return {
            position: si,
            setId: s.id,
            controlNumber: s.controlNumber,
            implementation: s.implementation ?? null,
            spec: s.spec ?? null,
            status: setStatus,
            segmentCount: s.segmentCount,
            startOffset: s.location.offset,
            startLine: s.location.line,
            issues: s.issues,
            droppedIssues: s.droppedIssues,
            mappingStatus: setStatus === 'rejected' ? 'not-applicable' : 'pending',
          };
        }),
      })),
    });
    const last = interchanges[interchanges.length - 1]!;
    if (last.status === 'accepted' && anyRejectedSet) last.status = 'accepted-with-errors';
  });
  const outcome: ReceiptOutcome =
    acceptedSets === 0
      ? 'rejected'
      : rejectedSets === 0 && interchanges.every((ic) => ic.status.startsWith('accepted'))
        ? 'accepted'
        : 'partially-accepted';
  return { interchanges, acks: planned, outcome };
}

function interchangeDecision(ic: InterchangeResult): InterchangeStatus {
  if (refused(ic)) return 'refused';
  if (isDuplicate(ic)) return 'duplicate';
  const envelope = interchangeStatus(ic).code;
  if (envelope === 'R') return 'rejected';
  return envelope === 'E' ? 'accepted-with-errors' : 'accepted';
}

/** The earlier interchange each duplicate repeats (kept beside the analysis, which has no place for it). */
export const duplicateOf = new WeakMap<InterchangeResult, number>();

export function refused(ic: InterchangeResult): boolean {
  return ic.issues.some((i) => i.code === 'sender-not-partner');
}

export function isDuplicate(ic: InterchangeResult): boolean {
  return ic.issues.some((i) => i.code === 'duplicate-interchange');
}
