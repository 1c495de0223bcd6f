// The ledger SDK in the browser: what the portal signs, hashes and verifies, byte for byte as the
// Python `ledger` package does (tests/test_gateway_ledger_js.py checks it in Chromium against
// that package). Each module is named after its Python counterpart in ledger/.
export * from "./ledger/encoding.js";
export * from "./ledger/signatures.js";
export * from "./ledger/commands.js";
export * from "./ledger/merkle.js";
export * from "./ledger/receipts.js";
export * from "./ledger/notes.js";
