// Views beyond the bills: invoices and trades (three flows), financing, credit, the ledger
// explorer and the regulator's trace. Uses app.js's helpers (api, t, say, show, registerView).
"use strict";
