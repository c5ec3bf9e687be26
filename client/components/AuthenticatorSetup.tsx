import type { EnrolmentSecret } from "../../shared/schemas/two-factor";

/**
 * Setting an authenticator app up (Google Authenticator, Microsoft Authenticator, FreeOTP…): scan the QR code, or on
 * the phone that holds the app open the link, or type the key by hand. The QR code comes drawn by the server (an SVG
 * data URL): no QR library in the app's bundles.
 */
export function AuthenticatorSetup(props: { secret: EnrolmentSecret }) {
  return (
    <div class="authenticator-setup">
      <ol class="authenticator-steps">
        <li>Installez une application d'authentification sur votre téléphone (Google Authenticator, Microsoft Authenticator, FreeOTP…).</li>
        <li>Dans l'application, ajoutez un compte en scannant ce code QR.</li>
      </ol>
      <img class="totp-qr" src={props.secret.qrCode} width="200" height="200" alt="Code QR à scanner avec l'application d'authentification" />
      <p class="muted">
        Sur le téléphone qui porte l'application&#8239;:{" "}
        <a class="text-link inline" href={props.secret.otpauthUrl}>
          ouvrir dans l'application
        </a>
        . Ou saisissez cette clé à la main&#8239;:
      </p>
      <code class="totp-key">{props.secret.secret}</code>
    </div>
  );
}

/** The 6 digits of the app: a numeric keypad on phones, and the code the phone's system offers filled in. */
export function CodeField(props: { label: string }) {
  return (
    <label class="field">
      <span>{props.label}</span>
      <input name="code" class="code-input" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9 ]*" maxlength="7" required />
    </label>
  );
}
