// Who is signed in on this page: the gateway's session (party, username, CSRF token), the
// browser's signing key, the party as the ledger knows it (its kind and keys), and how far the
// platform's clock is from this machine's, so what the browser stamps is on the platform's time.
import { formatTime } from "./ledger.js";

export const signedIn = { session: null, key: null, party: null, offsetMs: 0 };

export function begin(session) {
  signedIn.session = session;
  signedIn.offsetMs = Date.parse(session.server_time) - Date.now();
}

export function end() {
  signedIn.session = null;
}

export const platformNow = () => Date.now() + signedIn.offsetMs;

// now by the platform's clock, in the ledger's spelling (created_at, signed_at)
export const ledgerTime = () => formatTime(new Date(platformNow()));
