import assert from 'node:assert/strict';
import { GatewayError } from '../../../src/errors.ts';
import type { Db, Queryable } from '../../../src/store/db.ts';
import {
  findEarlierInterchange,
  interchangesOfReceipt,
  recordInterchanges,
  type GroupRecord,
  type InterchangeRecord,
  type SetRecord,
} from '../../../src/store/queries/interchanges.ts';
import { insertReceipt } from '../../../src/store/queries/receipts.ts';
import { engines } from '../../helpers/store.ts';

let serial = 0;
let controlSerial = 0;
/** A control number no other test uses. */
const control = () => `9${String(++controlSerial).padStart(8, '0')}`;

async function receipt(q: Queryable, replayOf: number | null = null): Promise<number> {
  serial++;
  const { receipt } = await insertReceipt(q, {
    channelKind: replayOf === null ? 'cli' : 'replay',
    channelId: 'test',
    partnerId: 'acme',
    remotePath: null,
    fileName: `f${serial}.edi`,
    size: 10,
    remoteMtime: null,
    sha256: 'a'.repeat(64),
    blobKey: 'a'.repeat(64),
    idempotencyKey: `ic-${serial}-${Math.random()}`,
    replayOf,
  });
  return receipt.id;
}

function set(position: number, overrides: Partial<SetRecord> = {}): SetRecord {
  return {
    position,
    setId: '850',
    controlNumber: String(position).padStart(4, '0'),
    implementation: null,
    spec: '850/004010',
    status: 'accepted',
    segmentCount: 12,
    startOffset: 200 + position * 100,
    startLine: 3 + position * 10,
    issues: [],
    droppedIssues: 0,
    mappingStatus: 'pending',
    ...overrides,
  };
}

function group(position: number, sets: SetRecord[], overrides: Partial<GroupRecord> = {}): GroupRecord {
  return {
    position,
    functionalId: 'PO',
    applicationSender: 'SENDERAPP',
    applicationReceiver: 'RECEIVERAPP',
    controlNumber: String(position),
    version: '004010',
    ackCode: 'A',
    setCount: sets.length,
    issues: [],
    sets,
    ...overrides,
  };
}

function interchange(
  position: number,
  groups: GroupRecord[],
  overrides: Partial<InterchangeRecord> = {},
): InterchangeRecord {
  return {
    position,
    partnerId: 'acme',
    senderQualifier: 'ZZ',
    senderId: 'ACME',
    receiverQualifier: 'ZZ',
    receiverId: 'DOCKSIDE',
    controlNumber: String(position).padStart(9, '0'),
    version: '00401',
    usageIndicator: 'P',
    ackRequested: true,
    sentDate: '261126',
    sentTime: '1030',
    status: 'accepted',
    duplicateOf: null,
    startOffset: position * 1000,
    startLine: 1 + position * 50,
    issues: [],
    groups,
    ...overrides,
  };
}

const identity = (controlNumber: string, senderId = 'ACME') => ({
  senderQualifier: 'ZZ',
  senderId,
  receiverQualifier: 'ZZ',
  receiverId: 'DOCKSIDE',
  controlNumber,
});

for (const engine of engines()) {
  describe(`interchanges on ${engine.name}`, () => {
    let db: Db;

    before(async () => {
      db = await engine.open();
    });

    describe('recordInterchanges and interchangesOfReceipt', () => {
      it('writes two interchanges with their groups and sets and reads them back linked', async () => {
        const r = await receipt(db);
        const issue = { code: 'element-too-long', severity: 'error', location: { segment: 4, element: 2 } };
        const records = [
          interchange(0, [
            group(0, [
              set(0),
              set(1, { status: 'rejected', issues: [issue], mappingStatus: 'not-applicable' }),
            ]),
            group(1, [set(0, { setId: '856', controlNumber: '0101' })], { functionalId: 'SH', ackCode: 'E' }),
          ]),
          interchange(1, [group(0, [set(0, { controlNumber: '9999' })])], {
            controlNumber: '000000777',
            status: 'accepted-with-errors',
            issues: [{ code: 'isa-date' }],
          }),
        ];
        const ids = await recordInterchanges(db, r, records);
        assert.deepEqual([...ids.keys()].sort(), [0, 1]);

        const { interchanges, groups, sets } = await interchangesOfReceipt(db, r);
        assert.deepEqual(
          interchanges.map((ic) => [ic.id, ic.position, ic.controlNumber, ic.status, ic.issues]),
          [
            [ids.get(0), 0, '000000000', 'accepted', []],
            [ids.get(1), 1, '000000777', 'accepted-with-errors', [{ code: 'isa-date' }]],
          ],
        );
        const first = interchanges[0]!;
        assert.equal(first.partnerId, 'acme');
        assert.equal(first.senderQualifier, 'ZZ');
        assert.equal(first.senderId, 'ACME');
        assert.equal(first.receiverId, 'DOCKSIDE');
        assert.equal(first.version, '00401');
        assert.equal(first.duplicateOf, null);

        assert.deepEqual(
          groups.map((g) => [g.interchangeId, g.position, g.functionalId, g.ackCode, g.setCount]),
          [
            [ids.get(0), 0, 'PO', 'A', 2],
            [ids.get(0), 1, 'SH', 'E', 1],
            [ids.get(1), 0, 'PO', 'A', 1],
          ],
        );
        const groupId = (ic: number, pos: number) =>
          groups.find((g) => g.interchangeId === ids.get(ic) && g.position === pos)!.id;
        assert.deepEqual(
          sets.map((s) => [s.groupId, s.interchangeId, s.position, s.setId, s.controlNumber, s.status]),
          [
            [groupId(0, 0), ids.get(0), 0, '850', '0000', 'accepted'],
            [groupId(0, 0), ids.get(0), 1, '850', '0001', 'rejected'],
            [groupId(0, 1), ids.get(0), 0, '856', '0101', 'accepted'],
            [groupId(1, 0), ids.get(1), 0, '850', '9999', 'accepted'],
          ],
        );
        const rejected = sets[1]!;
        assert.deepEqual(rejected.issues, [issue]);
        assert.equal(rejected.mappingStatus, 'not-applicable');
        assert.equal(rejected.spec, '850/004010');
        assert.equal(rejected.segmentCount, 12);
        assert.equal(rejected.startLine, 13);
      });

      it("stores the interchange's partner, offsets and flags on its rows", async () => {
        const r = await receipt(db);
        const ids = await recordInterchanges(db, r, [
          interchange(0, [group(0, [set(0, { droppedIssues: 7, implementation: 'X220A1' })])], {
            partnerId: 'globex',
            ackRequested: false,
            startOffset: 123456789012,
            startLine: 42,
            duplicateOf: null,
          }),
        ]);
        const [ic] = await db.query<Record<string, unknown>>(
          'select partner_id, ack_requested, start_offset, start_line, usage_indicator, sent_date, sent_time from interchanges where id = $1',
          [ids.get(0)],
        );
        assert.deepEqual(ic, {
          partner_id: 'globex',
          ack_requested: false,
          start_offset: 123456789012,
          start_line: 42,
          usage_indicator: 'P',
          sent_date: '261126',
          sent_time: '1030',
        });
        const [ts] = await db.query<Record<string, unknown>>(
          'select partner_id, dropped_issues, implementation, receipt_id from transaction_sets where interchange_id = $1',
          [ids.get(0)],
        );
        assert.deepEqual(ts, {
          partner_id: 'globex',
          dropped_issues: 7,
          implementation: 'X220A1',
          receipt_id: r,
        });
      });

      it('records an interchange that points at the one it duplicates', async () => {
        const r1 = await receipt(db);
        const first = (await recordInterchanges(db, r1, [interchange(0, [])])).get(0)!;
        const r2 = await receipt(db);
        await recordInterchanges(db, r2, [interchange(0, [], { status: 'duplicate', duplicateOf: first })]);
        const { interchanges } = await interchangesOfReceipt(db, r2);
        assert.equal(interchanges[0]!.status, 'duplicate');
        assert.equal(interchanges[0]!.duplicateOf, first);
      });

      it('records interchanges without groups and groups without sets', async () => {
        const r = await receipt(db);
        await recordInterchanges(db, r, [interchange(0, []), interchange(1, [group(0, [])])]);
        const { interchanges, groups, sets } = await interchangesOfReceipt(db, r);
        assert.equal(interchanges.length, 2);
        assert.equal(groups.length, 1);
        assert.equal(sets.length, 0);
      });

      it('writes nothing for an empty list', async () => {
        const r = await receipt(db);
        assert.equal((await recordInterchanges(db, r, [])).size, 0);
        assert.deepEqual(await interchangesOfReceipt(db, r), { interchanges: [], groups: [], sets: [] });
      });

      it('refuses to record the same receipt a second time and keeps the first recording whole', async () => {
        const r = await receipt(db);
        await recordInterchanges(db, r, [interchange(0, [group(0, [set(0)])])]);
        await assert.rejects(
          db.transaction((tx) =>
            recordInterchanges(tx, r, [interchange(1, [group(0, [set(0)])]), interchange(0, [])]),
          ),
          (e: unknown) => {
            assert.ok(e instanceof GatewayError);
            assert.equal(e.code, 'store-failed');
            assert.equal(e.retryable, false);
            return true;
          },
        );
        const { interchanges, groups, sets } = await interchangesOfReceipt(db, r);
        assert.deepEqual(
          interchanges.map((ic) => ic.position),
          [0],
        );
        assert.equal(groups.length, 1);
        assert.equal(sets.length, 1);
      });

      it('refuses a status the schema does not know', async () => {
        const r = await receipt(db);
        await assert.rejects(
          recordInterchanges(db, r, [interchange(0, [], { status: 'lost' as 'accepted' })]),
          (e: unknown) => e instanceof GatewayError && e.code === 'store-failed',
        );
      });
    });

    describe('findEarlierInterchange', () => {
      it('finds an interchange with the same sender, receiver and control number within the window', async () => {
        const r = await receipt(db);
        const cn = control();
        const id = (await recordInterchanges(db, r, [interchange(0, [], { controlNumber: cn })])).get(0)!;
        const found = await findEarlierInterchange(db, identity(cn), 24, null);
        assert.equal(found!.id, id);
        assert.equal(found!.receiptId, r);
        assert.ok(found!.createdAt instanceof Date);
      });

      it('finds nothing for another control number, sender or receiver', async () => {
        const r = await receipt(db);
        const cn = control();
        await recordInterchanges(db, r, [interchange(0, [], { controlNumber: cn })]);
        assert.equal(await findEarlierInterchange(db, identity(`${cn}9`), 24, null), undefined);
        assert.equal(await findEarlierInterchange(db, identity(cn, 'OTHER'), 24, null), undefined);
        assert.equal(
          await findEarlierInterchange(db, { ...identity(cn), receiverQualifier: '01' }, 24, null),
          undefined,
        );
      });

      it('finds the earliest of several', async () => {
        const cn = control();
        const r1 = await receipt(db);
        const first = (await recordInterchanges(db, r1, [interchange(0, [], { controlNumber: cn })])).get(0)!;
        const r2 = await receipt(db);
        await recordInterchanges(db, r2, [interchange(0, [], { controlNumber: cn })]);
        await db.query(
          `update interchanges set created_at = clock_timestamp() - interval '2 hours' where id = $1`,
          [first],
        );
        assert.equal((await findEarlierInterchange(db, identity(cn), 24, null))!.id, first);
      });

      it('ignores an interchange older than the window', async () => {
        const r = await receipt(db);
        const cn = control();
        const id = (await recordInterchanges(db, r, [interchange(0, [], { controlNumber: cn })])).get(0)!;
        await db.query(
          `update interchanges set created_at = clock_timestamp() - interval '48 hours' where id = $1`,
          [id],
        );
        assert.equal(await findEarlierInterchange(db, identity(cn), 24, null), undefined);
        assert.equal((await findEarlierInterchange(db, identity(cn), 72, null))!.id, id);
      });

      it('ignores refused and duplicate interchanges', async () => {
        const cn = control();
        const r1 = await receipt(db);
        await recordInterchanges(db, r1, [interchange(0, [], { controlNumber: cn, status: 'refused' })]);
        const r2 = await receipt(db);
        await recordInterchanges(db, r2, [interchange(0, [], { controlNumber: cn, status: 'duplicate' })]);
        assert.equal(await findEarlierInterchange(db, identity(cn), 24, null), undefined);
        const r3 = await receipt(db);
        const rejected = (
          await recordInterchanges(db, r3, [interchange(0, [], { controlNumber: cn, status: 'rejected' })])
        ).get(0)!;
        assert.equal((await findEarlierInterchange(db, identity(cn), 24, null))!.id, rejected);
      });

      it('leaves out the receipt replayed and its other replays, but not other receipts', async () => {
        const cn = control();
        const root = await receipt(db);
        await recordInterchanges(db, root, [interchange(0, [], { controlNumber: cn })]);
        const replay1 = await receipt(db, root);
        await recordInterchanges(db, replay1, [interchange(0, [], { controlNumber: cn })]);
        // A second replay of the same root is not a duplicate of the root nor of the first replay.
        assert.equal(await findEarlierInterchange(db, identity(cn), 24, root), undefined);
        assert.equal((await findEarlierInterchange(db, identity(cn), 24, null))!.receiptId, root);

        const unrelated = await receipt(db);
        const other = (
          await recordInterchanges(db, unrelated, [interchange(0, [], { controlNumber: cn })])
        ).get(0)!;
        assert.equal((await findEarlierInterchange(db, identity(cn), 24, root))!.id, other);
      });
    });
  });
}
