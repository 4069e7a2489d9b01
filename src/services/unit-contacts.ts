/**
 * A unit's contacts and group robot (#21), where reminders reach it: the 负责人 and the 联络员 (name,
 * mobile, e-mail) and a 企业微信 or 钉钉 group robot (webhook, and 钉钉's signing secret). The office edits
 * them on the unit's page (/units/:id/contacts) or imports them with the units workbook; a unit's own
 * users may read them. The page also shows whom an overdue problem is escalated to: the 包联 units of the
 * 社区 this unit stands for, with their leaders and their own channels.
 *
 * The form is checked whole (unit-contacts-check.ts) and refused whole; a saved secret is never shown
 * again, only masked, and never written to the audit log.
 */
import { atomically, type Db } from '../db/connection.ts';
import { appendAudit } from '../db/repos/audit.ts';
import {
  findRobot,
  listContacts,
  removeContact,
  removeRobot,
  saveContact,
  saveRobot,
  type ContactRole,
  type ContactRow,
  type RobotKind,
  type RobotRow,
} from '../db/repos/reminders.ts';
import { findUnitById, liaisonsOf, type UnitRow } from '../db/repos/units.ts';
import { listCommunities } from '../db/repos/places.ts';
import { listUsers } from '../db/repos/users.ts';
import { InvalidInput, NotFound, type FieldErrors } from '../errors.ts';
import { CONTACT_ROLE_NAMES, ROBOT_KIND_NAMES, UNIT_KIND_NAMES } from '../labels.ts';
import { nowIso } from '../util/time.ts';
import { auditUserId, can, canOrReject, type Actor } from './access.ts';
import { shortUrl } from '../notify/address.ts';
import { reminderSettings } from './reminder-settings.ts';
import {
  CONTACT_ROLES,
  EXPECTED_WEBHOOK,
  checkContact,
  checkRobot,
  maskSecret,
  unusualWebhook,
  type CheckedContact,
  type CheckedRobot,
  type Report,
} from './unit-contacts-check.ts';

export interface ContactView {
  role: ContactRole;
  roleName: string;
  name: string;
  mobile: string | null;
  email: string | null;
}

export interface RobotView {
  kind: RobotKind;
  kindName: string;
  webhook: string;
  /** the saved 钉钉 secret, masked (null: none) */
  secretMasked: string | null;
  /** the address is not in the documented form (a proxy or a private deployment, or a slip) */
  unusual: boolean;
  expected: string;
}

/** A 包联 unit of the 社区 this unit stands for: escalations go to it and its leaders. */
export interface LiaisonView {
  unitId: number;
  code: string;
  name: string;
  contacts: ContactView[];
  /** its robot's kind only: another unit's address is not this page's to show */
  robotName: string | null;
  leaders: string[];
}

export interface UnitContactsPage {
  unit: { id: number; code: string; name: string; kindName: string; retired: boolean };
  canEdit: boolean;
  contacts: Record<ContactRole, ContactView | null>;
  robot: RobotView | null;
  expected: Record<RobotKind, string>;
  /** the 社区 this unit stands for, each with its 包联 units */
  communities: { name: string; liaisons: LiaisonView[] }[];
  /** the 社区 this unit 包联 itself, and its leaders' accounts */
  liaisonFor: string[];
  leaders: string[];
  /** after how many days overdue a problem is copied to its 社区' 包联 units */
  escalateDays: number;
  /** the stored values as the form writes them (the secret never) */
  form: ContactsForm;
}

/** The page's form as typed: head.name … liaison.email, robot.kind, robot.webhook, robot.secret, robot.clearSecret. */
export type ContactsForm = Record<string, string>;

const contactView = (c: ContactRow): ContactView => ({
  role: c.role,
  roleName: CONTACT_ROLE_NAMES[c.role],
  name: c.name,
  mobile: c.mobile,
  email: c.email,
});

function unitOr404(db: Db, unitId: number): UnitRow {
  const unit = findUnitById(db, unitId);
  if (!unit) throw new NotFound('找不到该单位');
  return unit;
}

const leaderNames = (db: Db, unitId: number): string[] =>
  listUsers(db, 'leader')
    .filter((u) => u.unit_id === unitId && u.active)
    .map((u) => u.display_name);

/** What /units/:id/contacts shows: the office may edit, the unit's own users read. */
export function unitContactsPage(db: Db, actor: Actor, unitId: number): UnitContactsPage {
  const unit = unitOr404(db, unitId);
  canOrReject(db, actor, 'unit.contacts', unit);
  const canEdit = can(db, actor, 'office.manage', null);
  const contacts: Record<ContactRole, ContactView | null> = { head: null, liaison: null };
  for (const c of listContacts(db, unitId)) contacts[c.role] = contactView(c);
  const stored = findRobot(db, unitId);
  const robot: RobotView | null = stored
    ? {
        kind: stored.kind,
        kindName: ROBOT_KIND_NAMES[stored.kind],
        // its key lets anyone post into the group: whole only in the office's form
        webhook: canEdit ? stored.webhook : shortUrl(stored.webhook),
        secretMasked: stored.secret ? maskSecret(stored.secret) : null,
        unusual: unusualWebhook(stored.kind, stored.webhook),
        expected: EXPECTED_WEBHOOK[stored.kind],
      }
    : null;
  const all = listCommunities(db);
  const communities = all
    .filter((c) => c.unit_id === unitId)
    .map((c) => ({
      name: c.name,
      liaisons: liaisonsOf(db, c.id).map((id): LiaisonView => {
        const u = findUnitById(db, id)!;
        const theirRobot = findRobot(db, id);
        return {
          unitId: id,
          code: u.code,
          name: u.name,
          contacts: listContacts(db, id).map(contactView),
          robotName: theirRobot ? `${ROBOT_KIND_NAMES[theirRobot.kind]}群机器人` : null,
          leaders: leaderNames(db, id),
        };
      }),
    }));
  const liaisonFor = all.filter((c) => liaisonsOf(db, c.id).includes(unitId)).map((c) => c.name);
  return {
    unit: {
      id: unit.id,
      code: unit.code,
      name: unit.name,
      kindName: UNIT_KIND_NAMES[unit.kind],
      retired: unit.retired_at !== null,
    },
    canEdit,
    contacts,
    robot,
    expected: EXPECTED_WEBHOOK,
    communities,
    liaisonFor,
    leaders: leaderNames(db, unitId),
    escalateDays: reminderSettings(db).escalateDays,
    form: canEdit ? storedForm(contacts, stored) : {},
  };
}

function storedForm(contacts: Record<ContactRole, ContactView | null>, robot: RobotRow | undefined) {
  const form: ContactsForm = { 'robot.kind': robot?.kind ?? '', 'robot.webhook': robot?.webhook ?? '' };
  for (const role of CONTACT_ROLES) {
    form[`${role}.name`] = contacts[role]?.name ?? '';
    form[`${role}.mobile`] = contacts[role]?.mobile ?? '';
    form[`${role}.email`] = contacts[role]?.email ?? '';
  }
  return form;
}

/** A unit's contacts and robot, checked: what to write. */
export interface CheckedContacts {
  contacts: Record<ContactRole, CheckedContact | null>;
  robot: CheckedRobot;
}

/** Checks the page's form against what is stored; every field's message is reported. */
export function checkContactsForm(
  form: ContactsForm,
  stored: RobotRow | undefined,
  report: Report,
): CheckedContacts {
  const field = (k: string) => form[k] ?? '';
  const contacts = { head: null, liaison: null } as CheckedContacts['contacts'];
  for (const role of CONTACT_ROLES)
    contacts[role] = checkContact(
      role,
      { name: field(`${role}.name`), mobile: field(`${role}.mobile`), email: field(`${role}.email`) },
      report,
    );
  const robot = checkRobot(
    {
      kind: field('robot.kind'),
      webhook: field('robot.webhook'),
      secret: field('robot.secret'),
      clearSecret: field('robot.clearSecret') === '1',
    },
    stored,
    report,
  );
  return { contacts, robot };
}

const sameContact = (a: ContactRow | undefined, b: CheckedContact | null) =>
  a === undefined
    ? b === null
    : b !== null && a.name === b.name && a.mobile === b.mobile && a.email === b.email;

/**
 * Writes checked contacts and robot and audits the change (the webhook shortened, its key never whole; the
 * secret only as new / kept / cleared);
 * returns whether anything changed. The page and the import both write through here.
 */
export function writeUnitContacts(db: Db, actor: Actor, unitId: number, next: CheckedContacts): boolean {
  return atomically(db, () => {
    const before = new Map(listContacts(db, unitId).map((c) => [c.role, c]));
    const robotBefore = findRobot(db, unitId);
    const at = nowIso();
    let changed = false;
    for (const role of CONTACT_ROLES) {
      const c = next.contacts[role];
      if (sameContact(before.get(role), c)) continue;
      changed = true;
      if (c) saveContact(db, unitId, role, c, at);
      else removeContact(db, unitId, role);
    }
    const r = next.robot;
    const robotSame = r
      ? robotBefore?.kind === r.kind && robotBefore.webhook === r.webhook && robotBefore.secret === r.secret
      : robotBefore === undefined;
    if (!robotSame) {
      changed = true;
      if (r) saveRobot(db, unitId, r, at);
      else removeRobot(db, unitId);
    }
    if (changed)
      appendAudit(db, {
        userId: auditUserId(actor),
        action: 'unit.contacts',
        entity: 'unit',
        entityId: unitId,
        detail: {
          head: next.contacts.head,
          liaison: next.contacts.liaison,
          robot: r && { kind: r.kind, webhook: shortUrl(r.webhook), secret: r.secretChange },
        },
      });
    return changed;
  });
}

/** The office saves the page's form: refused whole with every field's message, or written and audited. */
export function saveUnitContacts(db: Db, actor: Actor, unitId: number, form: ContactsForm): boolean {
  canOrReject(db, actor, 'office.manage', null);
  unitOr404(db, unitId);
  const fields: FieldErrors = {};
  const checked = checkContactsForm(form, findRobot(db, unitId), (f, m) => (fields[f] ??= m));
  const wrong = Object.values(fields);
  if (wrong.length)
    throw new InvalidInput(
      `${wrong[0]}（${wrong.length > 1 ? `共 ${wrong.length} 处有误，` : ''}未保存）`,
      fields,
    );
  return writeUnitContacts(db, actor, unitId, checked);
}
