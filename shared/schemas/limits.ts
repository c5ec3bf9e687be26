/**
 * How long a free text typed on the phone may be: a note, what the customer said, a remark on a task or an
 * emptied box. The sync mutations' schema (mutations.ts) checks it and the phone's forms count towards it; it sits
 * apart from the zod schemas so that a form can read it without loading zod.
 */
export const NOTE_MAX_CHARS = 2000;
