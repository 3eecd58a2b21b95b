// Run only by test/ci/stall-reporter.test.ts.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['*.stall.ts'],
    pool: 'forks',
    reporters: ['default', '../../support/stall-reporter.ts'],
  },
});
