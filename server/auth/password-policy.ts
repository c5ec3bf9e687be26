import { ZxcvbnFactory, type ZxcvbnResult } from "@zxcvbn-ts/core";
import { adjacencyGraphs, dictionary as commonDictionary } from "@zxcvbn-ts/language-common";
import { dictionary as frenchDictionary, translations as frenchTranslations } from "@zxcvbn-ts/language-fr";
import { PASSWORD_MIN_LENGTH } from "../../shared/schemas/users";
import { AppError } from "../errors";

// A chosen password must hold against a guesser that knows the common passwords, French words and names, keyboard
// runs and dates: zxcvbn's estimate, with the common and French lists, must reach 3 ("safely unguessable": about
// 10^8 guesses and more), or 4 when it carries the account's name or e-mail. Server-side only — the lists weigh
// megabytes and the client never imports this. The demo accounts' `demo` never goes through here: it is seeded,
// not chosen.

const MIN_SCORE = 3;

let estimator: ZxcvbnFactory | null = null;
function zxcvbn(): ZxcvbnFactory {
  // Built on first use: the dictionaries take a moment to load and most runs of the server never need them.
  estimator ??= new ZxcvbnFactory({
    translations: frenchTranslations,
    graphs: adjacencyGraphs,
    dictionary: { ...commonDictionary, ...frenchDictionary },
  });
  return estimator;
}

/**
 * Why this password is refused, in French for the person choosing it ("il est trop courant"), or null when it is
 * accepted. `personal` are words of the account (name, e-mail, initials) that must not carry the password.
 */
export function passwordWeakness(password: string, personal: readonly string[] = []): string | null {
  if (password.length < PASSWORD_MIN_LENGTH) return `il doit compter au moins ${PASSWORD_MIN_LENGTH} caractères`;
  const result = zxcvbn().check(password, [...personal.map((p) => p.toLowerCase()), ...personal.map((p) => p.split("@")[0]!.toLowerCase()), ...personal.flatMap(wordsOf), "cadenas"]);
  // Built on one's own name or e-mail, it must be strong even for a guesser who knows them: the top score.
  const personalPart = result.sequence.some((m) => (m as { dictionaryName?: string }).dictionaryName === "userInputs");
  if (result.score >= (personalPart ? 4 : MIN_SCORE)) return null;
  return reasonOf(result);
}

/** Refuses a weak password with a 400 naming `field`, as any invalid field is. */
export function assertStrongPassword(password: string, field: "password" | "newPassword", personal: readonly string[] = []): void {
  const weakness = passwordWeakness(password, personal);
  if (!weakness) return;
  const message = `Mot de passe refusé : ${weakness}. Choisissez-en un plus long ou moins prévisible, par exemple quelques mots sans rapport entre eux.`;
  throw new AppError("VALIDATION_FAILED", message, { issues: [{ path: field, message }] });
}

/** The name, the e-mail's parts and the initials, as separate words the guesser tries. */
function wordsOf(text: string): string[] {
  const words = text
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter((w) => w.length >= 2);
  // "Valérie" is typed "valerie" as often as not.
  return [...new Set([...words, ...words.map((w) => w.normalize("NFD").replace(/\p{M}/gu, ""))])];
}

/** The weakest parts the estimator found, in French. */
function reasonOf(result: ZxcvbnResult): string {
  const reasons = new Set<string>();
  for (const match of result.sequence) {
    const m = match as { pattern: string; dictionaryName?: string; reversed?: boolean; l33t?: boolean };
    if (m.pattern === "dictionary") {
      if (m.dictionaryName === "userInputs") reasons.add("il reprend votre nom, votre e-mail ou « cadenas »");
      else if (m.dictionaryName?.startsWith("passwords")) reasons.add("il est trop courant (parmi les mots de passe les plus utilisés)");
      else reasons.add("il est fait de mots ou de noms trop courants");
    } else if (m.pattern === "spatial") reasons.add("c'est une suite de touches du clavier");
    else if (m.pattern === "repeat") reasons.add("il répète les mêmes caractères");
    else if (m.pattern === "sequence") reasons.add("c'est une suite facile à deviner (abcd, 1234…)");
    else if (m.pattern === "date" || (m.pattern === "regex" && (m as { regexName?: string }).regexName === "recentYear")) reasons.add("il contient une date ou une année");
  }
  if (reasons.size === 0) reasons.add(result.feedback.warning ? result.feedback.warning.replace(/\.$/, "").toLowerCase() : "il est trop facile à deviner");
  return [...reasons].join(", ");
}
