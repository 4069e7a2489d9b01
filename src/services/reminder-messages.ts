/**
 * The words of every reminder (#21): a short Chinese message naming the unit, what happened, where, the
 * deadline in words and an absolute link — once as markdown for the group robots (企业微信 / 钉钉) and
 * once as plain text for e-mail. Pure: services/reminder-events.ts gathers the facts, this puts them into
 * words. A robot's markdown holds at most ROBOT_MAX_BYTES, so the daily digest is cut with "还有 n 条"
 * and its link (cutMarkdown); the e-mail keeps the whole list.
 */
import { cutMarkdown, ROBOT_MAX_BYTES } from '../notify/channels.ts';
import type { ReminderProblemRow, ReminderTaskRow } from '../db/repos/reminder-events.ts';
import { deadlineWords, ruleText } from './deadlines.ts';
import { problemPlace } from './problem-places.ts';

export interface ReminderMessage {
  subject: string;
  /** for the robots, within ROBOT_MAX_BYTES */
  markdown: string;
  /** for e-mail */
  text: string;
}

/** One problem or document task as a reminder names it. */
export interface ReminderItem {
  /** 问题 #12, or 材料任务 #7 */
  ref: string;
  /** 来源 (测评, 材料, 督查, 随手拍, 12345, 媒体), or 材料审核 for a task */
  source: string;
  /** where it is: a site, an address, a 社区's materials */
  place: string;
  description: string;
  /** the deadline in words: 2026-12-14（5 个工作日）, 2026-12-03 14:00（24 小时） */
  deadline: string;
  url: string;
}

const PRODUCT = '创城测评';
const DESCRIPTION_MAX = 80;
const NOTE_MAX = 200;

/** Text typed by people, on one line and not too long (a description may hold newlines). */
export function oneLine(text: string, max = DESCRIPTION_MAX): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

/**
 * Typed text inside a robot's markdown: characters that would turn it into a link, emphasis, code or
 * markup are replaced by their full-width forms, so a description cannot break the message.
 */
const md = (text: string): string =>
  text.replace(/[[\]*_`<>]/g, (ch) => String.fromCharCode(ch.charCodeAt(0) + 0xfee0));

/** A site or an address with its 镇街 / 社区; a 社区's or 镇街's own materials: just those. */
const placeWords = (place: { name: string; area: string }) =>
  !place.area ? place.name : place.area.includes(place.name) ? place.area : `${place.name}（${place.area}）`;

/** A problem as reminders name it; `base`: the app's address, without a trailing slash. */
export function problemItem(p: ReminderProblemRow, base: string): ReminderItem {
  const place = problemPlace(p, new Map());
  const rule =
    p.deadline_amount === null ? '' : `（${ruleText({ unit: p.deadline_rule, amount: p.deadline_amount })}）`;
  return {
    ref: `问题 #${p.id}`,
    source: place.sourceName,
    place: placeWords(place),
    description: oneLine(p.description || (p.standard_code ?? '')),
    deadline: `${deadlineWords(p)}${rule}`,
    url: `${base}/problems/${p.id}`,
  };
}

/** A document task as reminders name it: its place's materials for a standard (`standardText`). */
export function taskItem(t: ReminderTaskRow, standardText: string, base: string): ReminderItem {
  const place = problemPlace(
    {
      source: 'document',
      site_name: null,
      site_type: null,
      street_name: t.street_name,
      community_name: t.community_name,
      task_level: t.level,
      task_department: t.department,
      address: '',
    },
    new Map(),
  );
  return {
    ref: `材料任务 #${t.id}`,
    source: '材料审核',
    place: placeWords(place),
    description: oneLine(`${t.standard_code} ${standardText}`),
    deadline: t.due,
    url: `${base}/tasks/${t.id}`,
  };
}

const plain = (s: string) => s;

const itemLine = (i: ReminderItem) =>
  `${i.ref}【${i.source}】${i.place}：${i.description}；时限 ${i.deadline}`;

const itemMarkdown = (i: ReminderItem) =>
  `- [${i.ref}](${i.url}) **${md(i.source)}** ${md(i.place)}：${md(i.description)}；时限 ${i.deadline}`;

const itemText = (i: ReminderItem) => `· ${itemLine(i)}\n  ${i.url}`;

/**
 * A message about one thing: a title, a few sentences (already in words; typed text in them is passed
 * through `md` for the markdown), and a link.
 */
function single(
  subject: string,
  title: string,
  lines: { text: string; markdown: string }[],
  link: { label: string; url: string },
): ReminderMessage {
  return {
    subject: `【${PRODUCT}】${subject}`,
    markdown: [`### ${md(title)}`, ...lines.map((l) => l.markdown), `[${link.label}](${link.url})`].join(
      '\n\n',
    ),
    text: [title, ...lines.map((l) => l.text), `${link.label}：${link.url}`].join('\n\n'),
  };
}

const about = (i: ReminderItem) => ({
  text: `${itemLine(i)}`,
  markdown: `> **${md(i.source)}** ${md(i.place)}：${md(i.description)}`,
});

export interface DigestFacts {
  unitName: string;
  /** the day of the digest, YYYY-MM-DD */
  date: string;
  problems: ReminderItem[];
  tasks: ReminderItem[];
  problemsUrl: string;
  tasksUrl: string;
}

/** The daily digest: what reached the unit since the last one, counted, then each item. */
export function digestMessage(f: DigestFacts): ReminderMessage {
  const counts = [
    f.problems.length ? `新交办问题 ${f.problems.length} 条` : '',
    f.tasks.length ? `新材料任务 ${f.tasks.length} 项` : '',
  ]
    .filter(Boolean)
    .join('，');
  const title = `${f.unitName} ${f.date} 每日提醒`;
  const items = [...f.problems, ...f.tasks];
  const links = [
    f.problems.length ? `[查看本单位的问题](${f.problemsUrl})` : '',
    f.tasks.length ? `[查看本单位的材料任务](${f.tasksUrl})` : '',
  ].filter(Boolean);
  const header = `### ${md(title)}\n${counts}，请按时整改、提交：`;
  const textLinks = [
    f.problems.length ? `本单位的问题：${f.problemsUrl}` : '',
    f.tasks.length ? `本单位的材料任务：${f.tasksUrl}` : '',
  ].filter(Boolean);
  return {
    subject: `【${PRODUCT}】${f.unitName}：${counts}`,
    markdown: cutMarkdown(header, items.map(itemMarkdown), links.join('　'), ROBOT_MAX_BYTES),
    text: [
      `${title}`,
      `${counts}，请按时整改、提交：`,
      items.map(itemText).join('\n'),
      textLinks.join('\n'),
    ].join('\n\n'),
  };
}

/** One working day before a problem's or a task's deadline. */
export function dueSoonMessage(unitName: string, i: ReminderItem, isTask: boolean): ReminderMessage {
  const what = isTask ? '提交材料' : '完成整改并报告';
  return single(
    `${i.ref} 整改时限将至：${i.deadline}`,
    `${i.ref} 整改时限将至`,
    [
      {
        text: `${unitName}：${i.ref} 的时限为 ${i.deadline}，请在此前${what}。`,
        markdown: `**${md(unitName)}**：${i.ref} 的时限为 ${i.deadline}，请在此前${what}。`,
      },
      about(i),
    ],
    { label: isTask ? '查看材料任务' : '查看问题', url: i.url },
  );
}

/** A problem's deadline has passed and it is still open. */
export function overdueMessage(unitName: string, i: ReminderItem): ReminderMessage {
  return single(
    `${i.ref} 已逾期：时限 ${i.deadline}`,
    `${i.ref} 已逾期`,
    [
      {
        text: `${unitName}：${i.ref} 的整改时限 ${i.deadline}已过，仍未报告整改，请尽快整改。`,
        markdown: `**${md(unitName)}**：${i.ref} 的整改时限 ${i.deadline}已过，仍未报告整改，请尽快整改。`,
      },
      about(i),
    ],
    { label: '查看问题', url: i.url },
  );
}

/** Copied to the 包联 unit of the problem's 社区 after it has been overdue for some days. */
export function escalationMessage(
  liaisonName: string,
  responsibleName: string,
  days: number,
  i: ReminderItem,
): ReminderMessage {
  const sentence = (b: (s: string) => string) =>
    `${b(liaisonName)}：您包联社区的 ${i.ref}（责任单位 ${b(responsibleName)}）已逾期 ${days} 天仍未整改，时限 ${i.deadline}，请督促。`;
  return single(
    `抄送：${responsibleName} 的 ${i.ref} 已逾期 ${days} 天`,
    `逾期抄送：${i.ref}`,
    [{ text: sentence((s) => s), markdown: sentence((s) => `**${md(s)}**`) }, about(i)],
    { label: '查看问题', url: i.url },
  );
}

/** A fix (or corrected documents) sent back at 复查. */
export function returnedMessage(
  unitName: string,
  i: ReminderItem,
  step: string,
  note: string,
): ReminderMessage {
  const reason = oneLine(note, NOTE_MAX);
  return single(
    `${i.ref} ${step}`,
    `${i.ref} ${step}`,
    [
      {
        text: `${unitName}：${i.ref} ${step}${reason ? `，意见：${reason}` : ''}。请重新整改，时限 ${i.deadline}。`,
        markdown: `**${md(unitName)}**：${i.ref} ${step}${reason ? `，意见：${md(reason)}` : ''}。请重新整改，时限 ${i.deadline}。`,
      },
      about(i),
    ],
    { label: '查看问题', url: i.url },
  );
}

/** The office decided a unit's 申诉 / 转办 / 延期. */
export function decidedMessage(
  unitName: string,
  i: ReminderItem,
  decision: { kind: string; answer: string },
  note: string,
  link: { label: string; url: string },
): ReminderMessage {
  const opinion = oneLine(note, NOTE_MAX);
  const say = (b: (s: string) => string, typed: (s: string) => string) =>
    `${b(unitName)}：${i.ref} 的${decision.kind}申请已处理：${decision.answer}${opinion ? `，意见：${typed(opinion)}` : ''}。`;
  return single(
    `${i.ref} ${decision.kind}申请：${decision.answer}`,
    `${decision.kind}申请已处理`,
    [{ text: say(plain, plain), markdown: say((s) => `**${md(s)}**`, md) }, about(i)],
    link,
  );
}

export interface SurveyFacts {
  recipientName: string;
  communityName: string;
  roundName: string;
  valid: number;
  target: number;
  endsOn: string;
  /** the 社区's public survey link (for residents, from the poster) */
  surveyUrl: string;
}

/** A 社区 behind its survey target as the round's end nears: to the 社区 and to its 镇街. */
export function surveyBehindMessage(f: SurveyFacts): ReminderMessage {
  const say = (b: (s: string) => string) =>
    `${b(f.recipientName)}：${b(f.roundName)} 的问卷调查将于 ${f.endsOn} 结束，${b(f.communityName)} 有效问卷 ${f.valid} 份，目标 ${f.target} 份，还差 ${f.target - f.valid} 份，请组织居民扫码答题或入户调查。`;
  return single(
    `${f.communityName} 问卷进度落后（${f.valid} / ${f.target}）`,
    `${f.communityName} 问卷进度落后`,
    [{ text: say((s) => s), markdown: say((s) => `**${md(s)}**`) }],
    { label: '居民答题链接', url: f.surveyUrl },
  );
}
