import { z } from "zod";

export const Id = z.uuid();
export const CalendarDate = z.iso.date().meta({ description: "Calendar date YYYY-MM-DD (site time zone)" });
export const Instant = z.iso.datetime({ offset: true }).meta({ description: "Instant, ISO-8601 UTC" });
export const Cents = z.number().int().meta({ description: "Amount in euro cents" });
/** A photo's address: the SHA-256 of its bytes, computed on the phone and checked by the server. */
export const Sha256 = z.string().regex(/^[0-9a-f]{64}$/, "must be a SHA-256 in lowercase hex");
