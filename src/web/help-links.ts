/**
 * Which part of the user guide (docs/用户指南.md, served at /help/guide) each page's 帮助 link opens:
 * path patterns × role → an anchor of the guide. The first matching pattern wins; a page without a rule
 * (or a role without an entry in it) opens the guide's part for the user's role. Every anchor named
 * here must exist in the guide (tests/http/help.test.ts checks it on the rendered page).
 */
import type { Role } from '../db/repos/users.ts';

export const GUIDE_PATH = '/help/guide';

/** The guide's part for each role: the default target. */
export const ROLE_PARTS: Record<Role, string> = {
  office: 'office',
  inspector: 'inspector',
  unit: 'unit',
  leader: 'leader',
};

interface Rule {
  pattern: RegExp;
  anchors: Partial<Record<Role, string>>;
}

export const HELP_RULES: readonly Rule[] = [
  {
    pattern: /^\/$/,
    anchors: {
      office: 'office-progress',
      inspector: 'inspector-sites',
      unit: 'unit-problems',
      leader: 'leader-home',
    },
  },
  { pattern: /^\/rounds\/new$/, anchors: { office: 'office-round' } },
  { pattern: /^\/calendar/, anchors: { office: 'office-criteria' } },
  { pattern: /^\/problem-settings/, anchors: { office: 'office-sources' } },
  { pattern: /^\/reports(\/|$)/, anchors: { office: 'office-reports' } },
  { pattern: /^\/hotline(\/|$)/, anchors: { office: 'office-hotline' } },
  { pattern: /^\/rounds\/\d+\/assignments/, anchors: { office: 'office-assign' } },
  { pattern: /^\/rounds\/\d+\/review/, anchors: { office: 'office-review' } },
  { pattern: /^\/rounds\/\d+\/imports/, anchors: { office: 'office-setup' } },
  { pattern: /^\/rounds\/\d+\/surveys\/\d+\/interview/, anchors: { inspector: 'inspector-interviews' } },
  { pattern: /^\/rounds\/\d+\/surveys/, anchors: { office: 'office-surveys' } },
  { pattern: /^\/interviews/, anchors: { inspector: 'inspector-interviews' } },
  { pattern: /^\/rounds\/\d+\/results\/weak/, anchors: { office: 'office-weak', unit: 'unit-results' } },
  {
    pattern: /^\/rounds\/\d+\/results/,
    anchors: { office: 'office-results', unit: 'unit-results', leader: 'leader-home' },
  },
  {
    pattern: /^\/rounds\/\d+\/sites\/\d+/,
    anchors: { office: 'office-review', inspector: 'inspector-sheet' },
  },
  {
    pattern: /^\/rounds(\/\d+)?$/,
    anchors: { office: 'office-progress', inspector: 'inspector-sites', unit: 'unit-results' },
  },
  { pattern: /^\/problems-notice/, anchors: { office: 'office-problems', unit: 'unit-notice' } },
  { pattern: /^\/problems\/new$/, anchors: { office: 'office-record', leader: 'leader-record' } },
  {
    pattern: /^\/problems\/\d+/,
    anchors: {
      office: 'office-requests',
      inspector: 'inspector-reinspect',
      unit: 'unit-fix',
      leader: 'leader-reinspect',
    },
  },
  {
    pattern: /^\/problems/,
    anchors: {
      office: 'office-problems',
      inspector: 'inspector-reinspect',
      unit: 'unit-problems',
      leader: 'leader-home',
    },
  },
  { pattern: /^\/notifications(\/|$)/, anchors: { office: 'office-reminders' } },
  {
    pattern: /^\/units\/standing(\.xlsx)?$/,
    anchors: { office: 'office-standing', leader: 'leader-standing' },
  },
  { pattern: /^\/units\/\d+\/contacts/, anchors: { office: 'office-contacts', unit: 'unit-reminders' } },
  { pattern: /^\/(places|units|users|imports)(\/|$)/, anchors: { office: 'office-setup' } },
  { pattern: /^\/criteria/, anchors: { office: 'office-criteria' } },
  { pattern: /^\/audit/, anchors: { office: 'office-audit' } },
];

/** The anchor of the guide that helps with `path` for `role`. */
export function helpAnchor(path: string, role: Role): string {
  for (const rule of HELP_RULES) {
    if (!rule.pattern.test(path)) continue;
    const anchor = rule.anchors[role];
    if (anchor) return anchor;
    break;
  }
  return ROLE_PARTS[role];
}

/** The 帮助 link of a page, or null when nobody is logged in (the guide is for users). */
export function helpHref(path: string, role: Role | undefined): string | null {
  return role ? `${GUIDE_PATH}#${helpAnchor(path, role)}` : null;
}
