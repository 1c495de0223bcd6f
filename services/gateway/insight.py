"""Gateway routes beyond the bills: invoices and trades (three flows), financing, credit, the
ledger explorer and the regulator's trace. A mixin of ``GatewayService``; each route stays a
thin adapter (authenticate, authorise, call the service that owns the answer, JSON).

Who sees what: a party reads its own trades, invoices, financings and score (the invoices
service refuses documents it takes no part in); ledger blocks and checkpoints (hashes and
sizes) are for any signed-in user, but an entry's envelope carries business data, so an entry
is shown only to its signer, to the parties of the stream it is on, and to a regulator. The
trace routes are a regulator's alone (``REGULATOR_ONLY``, 403); see
docs/decisions/0008-regulator-trace.md for how a bill is traced to its trades.
"""

from __future__ import annotations

import re

from services.common.errors import ValidationFailed
from services.common.rpc import TimedRpcProxy
from services.gateway.domain import access
from services.gateway.errors import NotYourParty, RegulatorOnly
from services.gateway.web import http, json_response

REGULATOR = "regulator"
ENTRY_ID = re.compile(r"^[0-9a-f]{64}$")
IDENTIFIER = re.compile(r"^[A-Za-z0-9_.\-]{1,96}$")
BLOCK_PAGE = 20
HISTORY_POINTS = 24  # the most the credit service draws a history with


def _checked(value: str, pattern: re.Pattern, name: str) -> str:
    if not pattern.match(value):
        raise ValidationFailed(f"{name} has the wrong form", {name: value[:100]})
    return value


def _integer(request, name: str, low: int, high: int, default: int | None = None) -> int | None:
    """An integer query parameter within [low, high]; ``INVALID_QUERY`` otherwise."""
    text = request.args.get(name)
    if text is None:
        return default
    if not re.fullmatch(r"-?\d{1,19}", text) or not low <= int(text) <= high:
        raise ValidationFailed(
            f"{name} must be an integer from {low} to {high}",
            {name: text[:32]},
            code="INVALID_QUERY",
        )
    return int(text)


def latest_height(read_blocks) -> int:
    """The highest block height (-1 before the first block), found with ``read_blocks(after,
    1)`` by galloping then bisecting: the ledger lists blocks after a height, not the last."""

    def exists(height: int) -> bool:
        return bool(read_blocks(height - 1, 1))

    if not exists(0):
        return -1
    low, high = 0, 1
    while exists(high):
        low, high = high, high * 2
    while high - low > 1:
        middle = (low + high) // 2
        low, high = (middle, high) if exists(middle) else (low, middle)
    return low


def holders_of(bill: dict) -> list[str]:
    """Everyone who held the bill or a range of it, in the order they came to hold it."""
    holders = [bill["payee"]]
    for part in bill.get("ranges", []):
        holders += [link["endorsee"] for link in part.get("chain", [])] + [part["holder"]]
    return list(dict.fromkeys(holder for holder in holders if holder))


def transfers_of(bill: dict) -> list[dict]:
    """Each hand-over of the bill as (payer → payee): delivery by the drawer, then every
    endorsement; a bill usually pays for goods the payee sold the payer."""
    hops = [{"payer": bill["drawer"], "payee": bill["payee"], "kind": "issue"}]
    for part in bill.get("ranges", []):
        for link in part.get("chain", []):
            hop = {"payer": link["endorser"], "payee": link["endorsee"], "kind": link["kind"]}
            if hop not in hops:
                hops.append(hop)
    return hops


class InsightRoutes:
    """Mixed into ``GatewayService``; its routes use the service's dependencies."""

    credit = TimedRpcProxy("credit")

    # -- invoices and trades ------------------------------------------------------------------

    @http("GET", "/api/v1/trades")
    def list_trades(self, request):
        """The party's trades with their match status."""
        portal = self._portal(request)
        return json_response({"trades": self.invoices.trades_of(portal.party_id, portal.party_id)})

    @http("GET", "/api/v1/trades/<trade_id>/flows")
    def trade_flows(self, request, trade_id):
        """A trade's three flows: ``{"trade": {..., "match"}, "events": [{"stream", "name",
        "entry_id", "ledger_time", "payload"}]}`` (contract, shipments and receipts; invoices;
        payments and bill settlements), for the trade's parties only."""
        portal = self._portal(request)
        trade_id = _checked(trade_id, IDENTIFIER, "trade_id")
        trade = self.invoices.get_trade(trade_id, portal.party_id)
        events = self.invoices.trade_events(trade_id, portal.party_id)
        return json_response({"trade": trade, "events": events})

    @http("GET", "/api/v1/invoices/verify")
    def verify_invoice(self, request):
        """Public verification (查验): ``?number=<20 digits>&issue_date=2026-03-02&total_fen=
        113000`` → ``{"authentic": true, "status": "normal"}``; no session needed."""
        self._limit_address(request)
        total_fen = _integer(request, "total_fen", 0, 10**15)
        number, issue_date = request.args.get("number"), request.args.get("issue_date")
        if total_fen is None or not number or not issue_date:
            raise ValidationFailed("give number, issue_date and total_fen", code="INVALID_QUERY")
        return json_response(self.invoices.verify_invoice(number, issue_date, total_fen))

    # -- financing ----------------------------------------------------------------------------

    @http("GET", "/api/v1/financings")
    def list_financings(self, request):
        """Applications the party made (an SME) or that are addressed to it (a bank)."""
        portal = self._portal(request)
        found = self.invoices.financings_of(portal.party_id, portal.party_id)
        return json_response({"financings": found})

    @http("GET", "/api/v1/financings/<financing_id>")
    def get_financing(self, request, financing_id):
        """One application with its assessment (reasons, pledges, decision time)."""
        portal = self._portal(request)
        financing_id = _checked(financing_id, IDENTIFIER, "financing_id")
        return json_response(self.invoices.get_financing(financing_id, portal.party_id))

    # -- credit -------------------------------------------------------------------------------

    @http("GET", "/api/v1/credit")
    def my_credit(self, request):
        """The party's score, grade, limit and reasons, each citing ledger entry ids."""
        portal = self._portal(request)
        return json_response(self.credit.get_score(portal.party_id))

    @http("GET", "/api/v1/credit/history")
    def my_credit_history(self, request):
        """The party's score over ledger time, oldest first, from its admission to the latest
        checkpoint: ``?points=<2..24>`` (default 12) → ``{"party", "model_version", "points":
        [{"tree_size", "as_of", "score", "grade", "pd", "limit_fen"}]}``."""
        portal = self._portal(request)
        points = _integer(request, "points", 2, HISTORY_POINTS, 12)
        return json_response(self.credit.score_history(portal.party_id, points))

    # -- the ledger explorer ------------------------------------------------------------------

    @http("GET", "/api/v1/ledger/blocks")
    def recent_blocks(self, request):
        """Block headers newest first: ``?before=<height>&limit=<1..100>`` (default: the
        latest 20) → ``{"blocks": [{"header", "signature"}], "before": n}``."""
        self._portal(request)
        limit = _integer(request, "limit", 1, 100, BLOCK_PAGE)
        before = _integer(request, "before", 0, 2**62)
        if before is None:
            before = latest_height(self.ledger.read_blocks) + 1
        after = max(-1, before - limit - 1)
        blocks = [
            b for b in self.ledger.read_blocks(after, limit) if b["header"]["height"] < before
        ]
        return json_response({"blocks": blocks[::-1], "before": before})

    @http("GET", "/api/v1/ledger/entries/<entry_id>")
    def ledger_entry(self, request, entry_id):
        """An entry's receipt (leaf with the signed envelope, inclusion proof, checkpoint) for
        its signer, the parties of its stream, or a regulator."""
        portal = self._portal(request)
        receipt = self.ledger.get_receipt(_checked(entry_id, ENTRY_ID, "entry_id"))
        self._require_entry_reader(receipt["leaf"]["envelope"], portal.party_id)
        return json_response(receipt)

    # -- the regulator's trace ----------------------------------------------------------------

    @http("GET", "/api/v1/trace/bills/<package_no>")
    def trace_bill(self, request, package_no):
        """A bill's history and holders, the invoices it was recorded as paying and the trades
        behind each hand-over (regulators only)."""
        portal = self._portal(request)
        self._require_regulator(portal.party_id)
        bill = self.bills.get_bill(_checked(package_no, IDENTIFIER, "package_no"))
        settlements = self.invoices.bill_settlements(bill["package_no"], portal.party_id)
        trace = {
            "bill": bill,
            "holders": holders_of(bill),
            "parties": sorted(access.bill_parties(bill)),
            "settlements": settlements,
            "trades": self._trades_behind(bill, settlements, portal.party_id),
        }
        return json_response(trace)

    # -- helpers ------------------------------------------------------------------------------

    def _party_kind(self, party_id: str) -> str:
        return self.ledger.get_party(party_id)["kind"]

    def _require_regulator(self, party_id: str) -> None:
        if self._party_kind(party_id) != REGULATOR:
            raise RegulatorOnly("only a regulator may trace", {"party_id": party_id})

    def _require_entry_reader(self, envelope: dict, party_id: str) -> None:
        """The signer, the parties of the entry's stream, or a regulator; else 403."""
        if envelope["signer"] == party_id:
            return
        kind, _, key = envelope["stream"].partition(":")
        readers = {
            "invoice": self.invoices.get_invoice,
            "trade": self.invoices.get_trade,
            "financing": self.invoices.get_financing,
            "consent": self.invoices.get_consent,
        }
        if kind == "bill":
            if self._party_kind(party_id) != REGULATOR:
                access.require_bill_party(self.bills.get_bill(key), party_id)
        elif kind in readers:
            readers[kind](key, party_id)  # refuses a party that may not read the document
        elif not (kind == "party" and key == party_id) and self._party_kind(party_id) != REGULATOR:
            raise NotYourParty("your party takes no part in this entry", {"party_id": party_id})

    def _trades_behind(self, bill: dict, settlements: list, regulator: str) -> list[dict]:
        """Trades the bill paid: those of the invoices it settled, then for each hand-over the
        trades in which the receiving party sold to the paying party."""
        found: dict[str, dict] = {}
        trades_by_buyer: dict[str, list] = {}
        for hop in transfers_of(bill):
            if hop["payer"] not in trades_by_buyer:
                trades_by_buyer[hop["payer"]] = self.invoices.trades_of(hop["payer"], regulator)
            for trade in trades_by_buyer[hop["payer"]]:
                if (trade["buyer"], trade["seller"]) == (hop["payer"], hop["payee"]):
                    found.setdefault(trade["trade_id"], {**trade, "links": []})
                    found[trade["trade_id"]]["links"].append({"by": "parties", **hop})
        for settlement in settlements:
            trade_id = settlement["invoice"]["trade_id"]
            if trade_id and trade_id not in found:
                found[trade_id] = {**self.invoices.get_trade(trade_id, regulator), "links": []}
            if trade_id:
                link = {"by": "bill_settlement", "invoice": settlement["invoice"]["number"]}
                found[trade_id]["links"].append(link)
        return list(found.values())


def openapi_paths(op, path_param, error) -> dict:
    """The OpenAPI paths of these routes, built with ``openapi.py``'s helpers."""
    anything = {"type": "object", "additionalProperties": True}
    listing = {"type": "object", "additionalProperties": {"type": "array"}}
    identifier = r"^[A-Za-z0-9_.\-]{1,96}$"
    history_point = {
        "type": "object",
        "required": ["tree_size", "as_of", "score", "grade", "pd", "limit_fen"],
        "properties": {
            "tree_size": {"type": "integer", "minimum": 1},
            "as_of": {"type": "string", "format": "date-time"},
            "score": {"type": "integer"},
            "grade": {"type": "string"},
            "pd": {"type": "number"},
            "limit_fen": {"type": "integer", "minimum": 0},
        },
    }
    score_history = {
        "type": "object",
        "required": ["party", "model_version", "points"],
        "properties": {
            "party": {"type": "string"},
            "model_version": {"type": "string"},
            "points": {"type": "array", "items": history_point, "maxItems": HISTORY_POINTS},
        },
    }

    def query(name: str, schema: dict, required: bool = False) -> dict:
        return {"name": name, "in": "query", "required": required, "schema": schema}

    return {
        "/api/v1/trades": {"get": op("The party's trades with their match status", listing)},
        "/api/v1/trades/{trade_id}/flows": {
            "get": op(
                "A trade's three flows: documents, match and the ledger events of each lane",
                anything,
                errors=(401, 403, 404, 422),
                params=[path_param("trade_id", identifier)],
            )
        },
        "/api/v1/invoices/verify": {
            "get": op(
                "Public invoice verification (查验): authentic or not, and status",
                {
                    "type": "object",
                    "properties": {"authentic": {"type": "boolean"}, "status": {}},
                },
                errors=(422,),
                params=[
                    query("number", {"type": "string", "pattern": "^[0-9]{20}$"}, True),
                    query("issue_date", {"type": "string", "format": "date"}, True),
                    query("total_fen", {"type": "integer", "minimum": 0}, True),
                ],
                security=[],
            )
        },
        "/api/v1/financings": {
            "get": op(
                "Financing applications of the party (SME) or addressed to it (bank)", listing
            )
        },
        "/api/v1/financings/{financing_id}": {
            "get": op(
                "One financing application with its assessment",
                anything,
                errors=(401, 403, 404, 422),
                params=[path_param("financing_id", identifier)],
            )
        },
        "/api/v1/credit": {
            "get": op(
                "The party's credit score, grade, limit and reasons citing ledger entries",
                anything,
                errors=(401, 404, 422, 503),
            )
        },
        "/api/v1/credit/history": {
            "get": op(
                "The party's credit score over ledger time, from its admission to the latest "
                "checkpoint (each point is the score at its tree size)",
                score_history,
                errors=(401, 404, 422, 503),
                params=[
                    query("points", {"type": "integer", "minimum": 2, "maximum": HISTORY_POINTS})
                ],
            )
        },
        "/api/v1/ledger/blocks": {
            "get": op(
                "Signed block headers, newest first",
                anything,
                errors=(401, 422),
                params=[
                    query("before", {"type": "integer", "minimum": 0}),
                    query("limit", {"type": "integer", "minimum": 1, "maximum": 100}),
                ],
            )
        },
        "/api/v1/ledger/entries/{entry_id}": {
            "get": op(
                "An entry's receipt, for its signer, its stream's parties or a regulator",
                {"$ref": "#/components/schemas/Receipt"},
                errors=(401, 403, 404, 422),
                params=[path_param("entry_id", "^[0-9a-f]{64}$")],
            )
        },
        "/api/v1/trace/bills/{package_no}": {
            "get": op(
                "Regulator trace of a bill: history, holders, settled invoices and trades",
                anything,
                errors=(401, 403, 404, 422),
                params=[path_param("package_no", identifier)],
            )
        },
    }
