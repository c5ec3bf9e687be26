import { createSignal } from "solid-js";
import { PASSWORD_MIN_LENGTH } from "../../shared/passwords";

// The new password typed twice, for the invitation and reset links and "Mon compte". No zod here: the link pages
// are the first screen a phone opens from an e-mail. The length is checked before sending; the server checks the
// rest (common passwords) and its refusal is shown as it comes.

export const PASSWORD_RULE = `${PASSWORD_MIN_LENGTH} caractères au moins, pas un mot de passe courant`;

/** Two password fields named `password` and `confirm`, shown or hidden together, with the rule under them. */
export function PasswordFields(props: { newLabel?: string }) {
  const [visible, setVisible] = createSignal(false);
  const type = () => (visible() ? "text" : "password");
  return (
    <div class="password-fields">
      <label class="field">
        <span>{props.newLabel ?? "Nouveau mot de passe"}</span>
        <span class="password-row">
          <input name="password" type={type()} autocomplete="new-password" autocapitalize="none" spellcheck={false} minLength={PASSWORD_MIN_LENGTH} required />
          <button type="button" class="button ghost reveal" aria-pressed={visible()} onClick={() => setVisible(!visible())}>
            {visible() ? "Masquer" : "Afficher"}
          </button>
        </span>
      </label>
      <label class="field">
        <span>Confirmer le mot de passe</span>
        <input name="confirm" type={type()} autocomplete="new-password" autocapitalize="none" spellcheck={false} required />
      </label>
      <p class="hint">{PASSWORD_RULE}.</p>
    </div>
  );
}

/** What is wrong with the two fields before asking the server, or null. */
export function checkNewPassword(password: string, confirm: string): string | null {
  if (password.length < PASSWORD_MIN_LENGTH) return `Le mot de passe doit compter au moins ${PASSWORD_MIN_LENGTH} caractères.`;
  if (password !== confirm) return "Les deux mots de passe ne sont pas identiques.";
  return null;
}
