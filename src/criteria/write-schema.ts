/** `npm run criteria:schema`: regenerates criteria/schema.json from the zod schema. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { criteriaJsonSchema } from './json-schema.ts';
import { CRITERIA_DIR } from './load.ts';

const target = join(CRITERIA_DIR, 'schema.json');
writeFileSync(target, criteriaJsonSchema());
console.log(`已写入 ${target}`);
