import { z } from "zod";

export const Id = z.uuid();
export const CalendarDate = z.iso.date().meta({ description: "Calendar date YYYY-MM-DD (site time zone)" });
export const Instant = z.iso.datetime({ offset: true }).meta({ description: "Instant, ISO-8601 UTC" });
export const Cents = z.number().int().meta({ description: "Amount in euro cents" });
