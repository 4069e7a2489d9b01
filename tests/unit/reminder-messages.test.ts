// The words of reminders, from plain facts: a long digest cut for a robot at 4,096 bytes with "还有 n 条"
// and its links while the e-mail keeps every item; typed text that cannot turn into a link or emphasis in
// a robot's markdown; a description on one line and shortened.
import { describe, expect, it } from 'vitest';
import {
  digestMessage,
  dueSoonMessage,
  oneLine,
  surveyBehindMessage,
  type ReminderItem,
} from '../../src/services/reminder-messages.ts';

const LINK = 'https://cc.example.gov.cn';
const item = (
  n: number,
  description = '绿化带内堆放建筑垃圾，影响通行和市容市貌，请尽快清理并恢复绿化',
): ReminderItem => ({
  ref: `问题 #${n}`,
  source: '督查',
  place: `幸福路 ${n} 号（东湖街道 / 幸福社区）`,
  description,
  deadline: '2027-03-08（3 个工作日）',
  url: `${LINK}/problems/${n}`,
});
const bytes = (s: string) => Buffer.byteLength(s, 'utf8');

describe('the digest', () => {
  const facts = (count: number) => ({
    unitName: '幸福社区居委会',
    date: '2027-03-04',
    problems: Array.from({ length: count }, (_, i) => item(i + 1)),
    tasks: [],
    problemsUrl: `${LINK}/problems`,
    tasksUrl: `${LINK}/tasks`,
  });

  it('keeps a short one whole', () => {
    const m = digestMessage(facts(2));
    expect(m.subject).toBe('【创城测评】幸福社区居委会：新交办问题 2 条');
    expect(m.markdown).not.toContain('还有');
    expect(m.markdown.split('\n').filter((l) => l.startsWith('- ['))).toHaveLength(2);
  });

  it('cuts a long one for the robot at 4,096 bytes, saying how many are left, and mails all', () => {
    const m = digestMessage(facts(80));
    expect(bytes(m.markdown)).toBeLessThanOrEqual(4096);
    const kept = m.markdown.split('\n').filter((l) => l.startsWith('- [')).length;
    expect(kept).toBeGreaterThan(5);
    expect(kept).toBeLessThan(80);
    expect(m.markdown).toContain(`……还有 ${80 - kept} 条`);
    expect(m.markdown.trimEnd().endsWith(`[查看本单位的问题](${LINK}/problems)`)).toBe(true);
    expect(m.markdown).toContain('新交办问题 80 条');
    for (let n = 1; n <= 80; n++) expect(m.text).toContain(`${LINK}/problems/${n}\n`.trimEnd());
    expect(m.text).toContain(`本单位的问题：${LINK}/problems`);
  });
});

describe('typed text', () => {
  it('cannot make a link or emphasis in a robot’s markdown; the e-mail keeps it as typed', () => {
    const m = dueSoonMessage(
      '幸福社区居委会',
      item(7, oneLine('[点我](http://evil.example) **加急**')),
      false,
    );
    expect(m.markdown).not.toContain('](http://evil.example)');
    expect(m.markdown).toContain('［点我］(http://evil.example) ＊＊加急＊＊');
    expect(m.markdown).toContain(`[查看问题](${LINK}/problems/7)`); // the app's own link stays a link
    expect(m.text).toContain('[点我](http://evil.example) **加急**');
  });

  it('is put on one line and shortened to 80 characters', () => {
    expect(oneLine('第一行\n\n  第二行\t结束')).toBe('第一行 第二行 结束');
    const long = oneLine('很'.repeat(120));
    expect(long).toHaveLength(80);
    expect(long.endsWith('…')).toBe(true);
  });
});

describe('a survey behind its target', () => {
  it('says how many answers are missing and where residents answer', () => {
    const m = surveyBehindMessage({
      recipientName: '东湖街道办事处',
      communityName: '幸福社区',
      roundName: '2027年3月问卷调查',
      valid: 12,
      target: 50,
      endsOn: '2027-03-14',
      surveyUrl: `${LINK}/s/abc`,
    });
    expect(m.subject).toBe('【创城测评】幸福社区 问卷进度落后（12 / 50）');
    expect(m.text).toContain('幸福社区 有效问卷 12 份，目标 50 份，还差 38 份');
    expect(m.text).toContain(`居民答题链接：${LINK}/s/abc`);
  });
});
