/** The days of the week as opening hours name them, Monday first (ISO order). No zod: the phone's first screen reads it. */
export const WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"] as const;
export type Weekday = (typeof WEEKDAYS)[number];
