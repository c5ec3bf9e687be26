import { z } from "zod";
import { NewPassword, UserBody } from "./users";

/** Whether the server still waits for its first office account (an empty database without demo data). */
export const SetupState = z.object({ needsAccount: z.boolean() }).meta({ id: "SetupState" });
export type SetupState = z.infer<typeof SetupState>;

/** The first office account, created with the code the server printed in its log at start. */
export const SetupAccountBody = UserBody.pick({ name: true, email: true, initials: true })
  .extend({
    code: z.string().trim().min(1, "is required").max(40),
    password: NewPassword,
  })
  .meta({ id: "SetupAccountBody" });
export type SetupAccountBody = z.infer<typeof SetupAccountBody>;
