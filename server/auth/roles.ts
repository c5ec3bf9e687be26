import type { Role } from "../../shared/enums";
import { AppError } from "../errors";

/** Office work (the office and the Manager, not the floor): a site manager is refused with `message`. */
export function officeOnly(role: Role, message: string): void {
  if (role === "site_manager") throw new AppError("FORBIDDEN", message);
}
