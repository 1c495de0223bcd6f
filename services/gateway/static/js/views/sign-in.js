// Signing in and out. A session starts with the browser's key (made on the first sign-in), the
// key panel's state, and the dashboard.
import { $, say, sayError, show } from "../page.js";
import { begin, end, signedIn } from "../session.js";
import { api } from "../api.js";
import { deviceKey } from "../device-key.js";
import { showDashboard } from "./dashboard.js";
import { showKeyStatus } from "./key-panel.js";

export async function startSession(session) {
  begin(session);
  signedIn.key = await deviceKey(session.username);
  $("party-id").textContent = session.party_id;
  $("public-key").value = signedIn.key.publicKey;
  $("key-id").textContent = signedIn.key.keyId;
  await showKeyStatus();
  await showDashboard();
}

export function wireSignIn() {
  $("login-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    say("");
    try {
      const session = await api("POST", "/api/v1/session", { username: $("username").value, password: $("password").value });
      $("password").value = "";
      await startSession(session);
    } catch (error) {
      sayError(error);
    }
  });
  $("logout").addEventListener("click", async () => {
    try { await api("DELETE", "/api/v1/session"); } catch (error) { /* already gone */ }
    end();
    location.hash = "";
    show("login-view");
  });
}
