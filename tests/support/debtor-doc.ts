import type { DebtorDoc } from "../../shared/schemas/debtor-doc";

/** The customer every hand-made document in the unit tests is about. */
export const CUSTOMER = "0190f1c2-0000-7000-8000-000000000001";

/**
 * A debtor document as the server would send it: Jeanne Martin, a person paying by card, €159 due, an open case at
 * R1 since 1 November, nothing else. Tests add what their rule reads (`units`, `tasks`, `history`, `promise`…).
 */
export function debtorDoc(over: Partial<DebtorDoc> = {}): DebtorDoc {
  return {
    customerId: CUSTOMER,
    ref: "CL1001",
    name: "Jeanne Martin",
    kind: "person",
    phone: null,
    email: null,
    address: null,
    postalCode: null,
    city: null,
    paymentMethod: "card",
    segment: "box",
    stop: false,
    case: { id: "0190f1c2-0000-7000-8000-0000000000d1", status: "open", openedOn: "2026-11-01", anchorOn: "2026-11-01", level: "R1", stage: "R1" },
    balanceCents: 15_900,
    units: [],
    tasks: [],
    promise: null,
    invoices: [],
    history: [],
    ...over,
  };
}
