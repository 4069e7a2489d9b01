/**
 * The JSON Schema of the criteria format, generated from the zod schema so the two cannot drift.
 * criteria/schema.json is this, written by `npm run criteria:schema`; a test compares them.
 */
import { z } from 'zod';
import { criteriaVersionSchema } from './schema.ts';

export function criteriaJsonSchema(): string {
  const schema = z.toJSONSchema(criteriaVersionSchema, { target: 'draft-2020-12', io: 'input' });
  return (
    JSON.stringify(
      { ...schema, title: '创城测评 测评体系版本', $id: 'https://chuangcheng.local/criteria/schema.json' },
      null,
      2,
    ) + '\n'
  );
}
