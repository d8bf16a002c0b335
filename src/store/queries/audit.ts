// The audit log: who did what to which thing, and when. Written in the same transaction as the change.
import type { Queryable } from '../db.ts';

export interface AuditEntry {
  id: number;
  at: Date;
  actor: string;
  action: string;
  subjectType: string;
  subjectId: string;
  details: Record<string, unknown>;
}

export async function audit(
  q: Queryable,
  entry: { actor: string; action: string; subjectType: string; subjectId: string | number; details?: object },
): Promise<void> {
  await q.query(
    `insert into audit_log (actor, action, subject_type, subject_id, details) values ($1, $2, $3, $4, $5::jsonb)`,
    [
      entry.actor,
      entry.action,
      entry.subjectType,
      String(entry.subjectId),
      JSON.stringify(entry.details ?? {}),
    ],
  );
}

export async function auditOf(
  q: Queryable,
  subjectType: string,
  subjectId: string | number,
): Promise<AuditEntry[]> {
  return q.query<AuditEntry>(
    `select id, at, actor, action, subject_type as "subjectType", subject_id as "subjectId", details
     from audit_log where subject_type = $1 and subject_id = $2 order by id`,
    [subjectType, String(subjectId)],
  );
}
