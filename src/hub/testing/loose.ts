/**
 * Acks and pushed messages as tests see them: shapes are asserted with expect(), so a
 * permissive type keeps the assertions readable.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- test-only alias; the runtime shapes are checked by the assertions
export type Loose = any;
