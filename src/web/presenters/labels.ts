/** Chinese names of coded values, for pages and workbooks. */
import type { RoundStatus } from '../../db/repos/rounds.ts';

export const ROUND_STATUS_NAMES: Record<RoundStatus, string> = {
  draft: '草稿',
  open: '进行中',
  closed: '已结束',
  published: '已发布',
};
