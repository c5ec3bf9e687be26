/**
 * The password rule's length, apart from its zod schema (`NewPassword` in schemas/users.ts): the pages a phone opens
 * first (the invitation and reset links) check it without downloading zod.
 */
export const PASSWORD_MIN_LENGTH = 12;
