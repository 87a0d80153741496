import { defineConfig } from 'vitest/config';
export default defineConfig({ test: { include: ['test/engine/**/*.test.ts', 'test/course/**/*.test.ts'], fileParallelism: false, testTimeout: 600000, hookTimeout: 600000 } });
