import { z } from 'zod';

// Who may do what in the HQ console and the hub's API: the roles, and a user as the hub
// lists one. One home for both sides: the hub validates its answers with these schemas and
// the console reads the same types (it may not import the hub).

export const ROLES = ['admin', 'hq', 'store_manager'] as const;
/** admin: everything, users included; hq: every store; store_manager: the stores listed. */
export type Role = (typeof ROLES)[number];
export const roleSchema = z.enum(ROLES);

/** GET /api/users: a user of the chain (never a password or token). */
export const userRowSchema = z.object({
  user_id: z.string(),
  name: z.string(),
  role: roleSchema,
  store_ids: z.array(z.string()),
  disabled: z.boolean(),
  has_password: z.boolean(),
  tokens: z.number().describe('live API tokens'),
  sessions: z.number().describe('open console sessions'),
  created_at: z.string(),
  password_changed_at: z.string().nullable(),
});
export type UserRow = z.infer<typeof userRowSchema>;
