/**
 * The /hotline page in words: 受理时间 in Asia/Shanghai, the order's 时限 (3 个工作日), its deadline (with the
 * minute for one in hours), the 办理状态, and 承办单位 as the platform spelled it beside the unit it matched.
 */
import { HOTLINE_STATE_NAMES } from '../../labels.ts';
import { deadlineWords, ruleText } from '../../services/deadlines.ts';
import type { HotlinePage } from '../../services/hotline.ts';
import { formatShanghai } from '../../util/time.ts';

export function presentHotlinePage(page: HotlinePage) {
  return {
    ...page,
    orders: page.orders.map((o) => ({
      problemId: o.problem_id,
      orderNo: o.order_no,
      // the list shows the start of a long 诉求; the problem page has it whole
      content: [...o.content].length > 80 ? `${[...o.content].slice(0, 80).join('')}…` : o.content,
      address: o.address,
      receivedAt: formatShanghai(o.received_at),
      handler: o.handler,
      // the unit's name when it differs from how the platform wrote it (an alias, or a transfer since)
      unitName: o.unit_name && o.unit_name.toLowerCase() !== o.handler.toLowerCase() ? o.unit_name : null,
      limit: ruleText({ unit: o.limit_unit, amount: o.limit_amount }),
      deadline: deadlineWords(o),
      state: o.state,
      stateName: HOTLINE_STATE_NAMES[o.state],
      batch: o.batch,
    })),
  };
}
