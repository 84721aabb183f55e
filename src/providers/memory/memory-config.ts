import { z } from 'zod';

/** `provider: { kind: memory }`: the in-memory double used by the demo, the docs and the tests. */
export const memoryConfigSchema = z.strictObject({ kind: z.literal('memory') });
export type MemoryConfig = z.output<typeof memoryConfigSchema>;
