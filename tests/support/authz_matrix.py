"""The authorisation matrix: every operation of every service, read from the committed OpenAPI documents, with
the callers that must and must not pass it.

:func:`operations` lists what the documents declare (plus the kernel's routes every service serves outside
its document: metrics, the operator reads, the journal). :data:`ACCESS` says, for each protected operation,
who is the right caller, who lacks the scope or role, who is of another province or unit, and what body it
takes; :data:`PUBLIC_CALLS` does the same for public ones. An operation the documents gain without an entry
here has no access rule to test: :func:`unknown_operations` names it and the matrix fails.
"""

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from services.registry import SERVICES
from tests.support import clerks
from tests.support.dossiers import LAND_IN_QUYNH_LUU
from tests.support.forged_tokens import FORGED_KINDS, forged

DOCUMENTS = Path(__file__).resolve().parents[2] / "docs" / "openapi"
METHODS = ("get", "put", "post", "patch", "delete")

KERNEL_OPERATIONS = (
    ("GET", "/metrics"),
    ("GET", "/v1/dossiers/{code}/published-events"),
    ("GET", "/v1/outbox"),
    ("GET", "/v1/journal"),
    ("GET", "/v1/journal/{chain}"),
    ("GET", "/v1/journal-seals"),
)
"""Routes the kernel gives every service, for operators, outside the service's API document."""
UNDOCUMENTED = {"department": (("GET", "/v1/dossiers/{code}/tasks"),)}
"""A service's own routes outside its document (the department's dossier history: operators call it too)."""

UNIT = "17179.KT"
"""The unit whose task the matrix uses: the land registration of Quỳnh Lưu (province 40) goes there first."""
OTHER_UNIT = "40.SNNMT"
PROVINCE = "40"
ONE_STOP, OTHER_ONE_STOP = f"{PROVINCE}.TTPVHCC", "91.TTPVHCC"
"""The province's one-stop centre, whose supervisors read the province's overdue list, and another province's."""

UNAUTHENTICATED = ("no-token", *FORGED_KINDS)
"""Variants that must answer 401: no token, and every forged token (forged for the right caller's claims)."""
ELSEWHERE, WRONG, RIGHT = "other-province-or-unit", "wrong-scope-or-role", "right"
VARIANTS = (*UNAUTHENTICATED, ELSEWHERE, WRONG, RIGHT)


@dataclass(frozen=True)
class Operation:
    """One method on one path of one service."""

    service: str
    method: str
    path: str
    public: bool
    documented: bool = True

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.service, self.method, self.path)

    @property
    def name(self) -> str:
        return f"{self.service} {self.method} {self.path}"


def documented_operations(directory: Path = DOCUMENTS) -> list[Operation]:
    """Every operation of every service's committed OpenAPI document; public when its ``security`` is empty."""
    found = []
    for service in SERVICES:
        document = json.loads((directory / f"{service.name}.json").read_text())
        for path, item in document["paths"].items():
            for method in METHODS:
                if method in item:
                    public = item[method].get("security") == []
                    found.append(Operation(service.name, method.upper(), path, public))
    return found


def operations(directory: Path = DOCUMENTS) -> list[Operation]:
    """The documented operations, then the routes every service (or one) serves outside its document."""
    hidden = [
        Operation(service.name, method, path, public=False, documented=False)
        for service in SERVICES
        for method, path in (*KERNEL_OPERATIONS, *UNDOCUMENTED.get(service.name, ()))
    ]
    return documented_operations(directory) + hidden


@dataclass(frozen=True)
class Caller:
    """A token's claims beyond ``iss aud sub iat exp``: signed for real, or forged."""

    sub: str
    claims: Mapping[str, Any]

    def headers(self) -> dict[str, str]:
        return clerks.bearer(clerks.issuer().token(self.sub, **self.claims))

    def forged_headers(self, kind: str) -> dict[str, str]:
        return clerks.bearer(forged(kind, **self.claims))


def integrator(client_id: str, scopes: str, provinces: tuple[str, ...] = ("40",)) -> Caller:
    return Caller(client_id, {"client_id": client_id, "scope": scopes, "provinces": list(provinces)})


def clerk(unit: str, *roles: str) -> Caller:
    return Caller(f"clerk.{unit}", {"unit_roles": {unit: list(roles)}})


@dataclass(frozen=True)
class CitizenCaller(Caller):
    """A citizen, by a token of the national e-ID stand-in (``sub``: the citizen ID)."""

    def headers(self) -> dict[str, str]:
        return clerks.citizen_headers(self.sub)


def citizen(citizen_id: str) -> CitizenCaller:
    return CitizenCaller(citizen_id, {})


OPERATOR = integrator(clerks.OPERATOR_CLIENT, "operator", ("*",))
NOT_OPERATOR = integrator("everything-but-operator", "dossiers:submit dossiers:read portal:push", ("*",))
READER_40, READER_91 = integrator("reader-40", "dossiers:read"), integrator("reader-91", "dossiers:read", ("91",))
NOT_READER = integrator("no-read-40", "dossiers:submit portal:push")
SUBMITTER_40 = integrator("submitter-40", "dossiers:submit")
SUBMITTER_91 = integrator("submitter-91", "dossiers:submit", ("91",))
NOT_SUBMITTER = integrator("no-submit-40", "dossiers:read portal:push")
PUSHER_40, PUSHER_91 = integrator("portal-40", "portal:push"), integrator("portal-91", "portal:push", ("91",))
NOT_PUSHER = integrator("no-push-40", "dossiers:read dossiers:submit")
ROLES = ("receiver", "handler", "approver", "supervisor")
OTHER_UNITS_CLERK = clerk(OTHER_UNIT, *ROLES)


@dataclass(frozen=True)
class Access:
    """Who may call a protected operation, and a call that passes its input checks."""

    right: Caller
    wrong: Caller
    """Lacks the scope or role: 403."""
    elsewhere: Caller | None = None
    """Of another province or unit, where the operation reaches one object: ``elsewhere_status``."""
    elsewhere_status: int = 404
    body: dict[str, Any] | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    changes_its_object: bool = False
    """The right caller changes the dossier (a withdrawal): that variant gets a dossier of its own."""


def operator_only(**kwargs: Any) -> Access:
    return Access(OPERATOR, NOT_OPERATOR, **kwargs)


def clerk_action(*roles: str, body: dict[str, Any] | None = None) -> Access:
    """A clerk action on the task: a stale ``If-Match``, so the right clerk gets 409 and the task stays as it is."""
    wrong = tuple(r for r in ROLES if r not in roles)
    return Access(clerk(UNIT, *roles), clerk(UNIT, *wrong), OTHER_UNITS_CLERK, body=body, headers={"If-Match": '"0"'})


def clerk_read(*roles: str) -> Access:
    wrong = tuple(r for r in ROLES if r not in roles) or ("visitor",)
    return Access(clerk(UNIT, *roles), clerk(UNIT, *wrong), OTHER_UNITS_CLERK)


SUPERVISOR_40, SUPERVISOR_91 = clerk(ONE_STOP, "supervisor"), clerk(OTHER_ONE_STOP, "supervisor")
NOT_SUPERVISOR_40 = clerk(ONE_STOP, "receiver", "handler", "approver")
CLOSED_COMMUNE = "18040"
"""Xã Lam Thành (Nghệ An), in no other test: the matrix's closure, of days long past, closes it (moving nothing)."""
CLOSURE_DECLARED = {
    "province_code": PROVINCE,
    "communes": [CLOSED_COMMUNE],
    "first_day": "2020-06-01",
    "last_day": "2020-06-05",
    "reason": "ma trận phân quyền",
    "decision": {"number": "1/QĐ-TEST", "issued_on": "2020-05-31", "issuer": "UBND tỉnh Nghệ An"},
}
SUBMISSION = {
    "procedure_code": "1.001193",
    "applicant": {"citizen_id": "040301000123", "full_name": "Hồ Thị Lan", "date_of_birth": "2001-05-14"},
    "receiving_agency": "000.01.15.H40",
    "commune_code": "17179",
}
UNKNOWN_DOCUMENT = "00000000-0000-4000-8000-000000000000"
ACCESS: dict[tuple[str, str, str], Access] = {
    ("intake", "POST", "/v1/dossiers"): Access(
        SUBMITTER_40, NOT_SUBMITTER, SUBMITTER_91, elsewhere_status=403, body=SUBMISSION
    ),
    ("intake", "GET", "/v1/dossiers/{code}"): Access(READER_40, NOT_READER, READER_91),
    ("intake", "POST", "/v1/dossiers/{code}/supplements"): Access(
        SUBMITTER_40, NOT_SUBMITTER, SUBMITTER_91, body={"documents": [UNKNOWN_DOCUMENT]}
    ),
    # Uploads without a body or name: the right caller gets 422, nothing is stored.
    ("intake", "POST", "/v1/documents"): Access(SUBMITTER_40, NOT_SUBMITTER),
    ("intake", "POST", "/v1/dossiers/{code}/documents"): Access(SUBMITTER_40, NOT_SUBMITTER, SUBMITTER_91),
    # A key the land registration has no document of: 422, the dossier stays new.
    ("intake", "POST", "/v1/dossiers/{code}/components"): Access(
        SUBMITTER_40,
        NOT_SUBMITTER,
        SUBMITTER_91,
        body={"documents": [{"document_id": UNKNOWN_DOCUMENT, "catalogue_key": "birth-registration-form"}]},
    ),
    ("intake", "POST", "/v1/dossiers/{code}/acceptance-refusal"): Access(
        clerk("000.01.15.H40", "receiver"),
        clerk("000.01.15.H40", "handler", "approver", "supervisor"),
        clerk("000.07.15.H91", "receiver"),
        body={"reason": "ma trận phân quyền"},
        changes_its_object=True,
    ),
    ("intake", "POST", "/v1/dossiers/{code}/withdrawal"): Access(
        SUBMITTER_40, NOT_SUBMITTER, SUBMITTER_91, body={"reason": "nộp nhầm"}, changes_its_object=True
    ),
    ("intake", "GET", "/v1/identity-checks"): operator_only(),
    # The matrix's applicant is verified: the receiver gets 409 (nothing to decide), the dossier stays as it is.
    ("intake", "POST", "/v1/dossiers/{code}/identity-decision"): Access(
        clerk("000.01.15.H40", "receiver"),
        clerk("000.01.15.H40", "handler", "approver", "supervisor"),
        clerk("000.07.15.H91", "receiver"),
        body={"decision": "confirmed", "evidence": {"kind": "passport", "number_last4": "0123"}},
    ),
    # Nothing is issued to the matrix's dossier: its receiver and its applicant get 409, the dossier stays as it is.
    ("intake", "POST", "/v1/dossiers/{code}/result-handover"): Access(
        clerk("000.01.15.H40", "receiver"),
        clerk("000.01.15.H40", "handler", "approver", "supervisor"),
        clerk("000.07.15.H91", "receiver"),
    ),
    ("intake", "GET", "/v1/lookup/{code}/result"): Access(
        citizen(LAND_IN_QUYNH_LUU["applicant"]["citizen_id"]), READER_40, citizen("040301000123")
    ),
    ("routing", "GET", "/v1/dossiers/{code}/plan"): Access(READER_40, NOT_READER, READER_91),
    # The right caller's closure changes are refused past authorisation (days the wrong way round: 422; an end
    # after the last day, an extension before it: 409), so the matrix closes no office.
    ("routing", "POST", "/v1/closures"): Access(
        SUPERVISOR_40,
        NOT_SUPERVISOR_40,
        SUPERVISOR_91,
        elsewhere_status=403,
        body={**CLOSURE_DECLARED, "first_day": "2020-06-05", "last_day": "2020-06-01"},
    ),
    ("routing", "GET", "/v1/closures"): Access(SUPERVISOR_40, NOT_SUPERVISOR_40),
    ("routing", "POST", "/v1/closures/{closure_id}/end"): Access(
        SUPERVISOR_40, NOT_OPERATOR, SUPERVISOR_91, body={"reopened_on": "2020-07-01"}
    ),
    ("routing", "POST", "/v1/closures/{closure_id}/extension"): Access(
        SUPERVISOR_40, NOT_OPERATOR, SUPERVISOR_91, body={"last_day": "2020-05-01"}
    ),
    ("department", "GET", "/v1/tasks/{task_id}"): clerk_read(*ROLES),
    ("department", "GET", "/v1/units/{unit}/tasks"): clerk_read(*ROLES),
    ("department", "GET", "/v1/units/{unit}/events"): clerk_read(*ROLES),
    ("department", "GET", "/v1/units/{unit}/audit"): clerk_read("supervisor"),
    ("department", "GET", "/v1/units/{unit}/overdue"): clerk_read("supervisor"),
    ("department", "GET", "/v1/provinces/{province}/overdue"): Access(
        clerk(ONE_STOP, "supervisor"), clerk(ONE_STOP, "receiver", "handler", "approver"), clerk(OTHER_ONE_STOP, *ROLES)
    ),
    ("department", "GET", "/v1/tasks/{task_id}/apology-draft"): clerk_read("handler", "supervisor"),
    ("department", "POST", "/v1/tasks/{task_id}/claim"): clerk_action("handler"),
    ("department", "POST", "/v1/tasks/{task_id}/release"): clerk_action("handler", "supervisor"),
    ("department", "POST", "/v1/tasks/{task_id}/reassignment"): clerk_action(
        "supervisor", body={"clerk_id": "kt.le-minh"}
    ),
    ("department", "POST", "/v1/tasks/{task_id}/approve"): clerk_action("approver", body={"note": "đủ điều kiện"}),
    ("department", "POST", "/v1/tasks/{task_id}/refuse"): clerk_action("approver", body={"reason": "thiếu giấy tờ"}),
    ("department", "POST", "/v1/tasks/{task_id}/supplement-request"): clerk_action(
        "handler", body={"missing": ["Sơ đồ thửa đất"]}
    ),
    ("department", "POST", "/v1/tasks/{task_id}/return"): clerk_action("handler", body={"reason": "sai thẩm quyền"}),
    ("department", "POST", "/v1/tasks/{task_id}/extension"): clerk_action(
        "handler", body={"new_due_date": "2030-01-02", "reason": "xác minh thực địa"}
    ),
    ("department", "POST", "/v1/tasks/{task_id}/comments"): clerk_action("handler", "approver", body={"text": "ok"}),
    ("department", "POST", "/v1/tasks/{task_id}/financial-obligation"): clerk_action(
        "handler", "approver", body={"amount_vnd": 1_250_000, "description": "Tiền sử dụng đất"}
    ),
    # Any role of the task's unit reads its documents (a clerk of the unit without a known role: 403).
    ("department", "GET", "/v1/tasks/{task_id}/documents"): clerk_read(*ROLES),
    ("department", "GET", "/v1/tasks/{task_id}/documents/{document_id}"): clerk_read(*ROLES),
    ("department", "POST", "/v1/tasks/{task_id}/documents/{document_id}/link"): clerk_read(*ROLES),
    ("department", "GET", "/v1/dossiers/{code}/tasks"): operator_only(elsewhere=OTHER_UNITS_CLERK),
    ("notification", "GET", "/v1/dossiers/{code}/notifications"): operator_only(),
    ("notification", "GET", "/v1/dossiers/{code}/portal-syncs"): Access(PUSHER_40, NOT_PUSHER, PUSHER_91),
    ("notification", "GET", "/v1/deliveries"): operator_only(),
    ("notification", "GET", "/v1/deliveries/dead-lettered"): operator_only(),
    ("notification", "POST", "/v1/deliveries/{delivery_id}/retry"): operator_only(
        body={"by": "ops.an", "reason": "authorisation matrix"}
    ),
}
for _service in SERVICES:
    for _method, _path in KERNEL_OPERATIONS:
        ACCESS[(_service.name, _method, _path)] = operator_only()


@dataclass(frozen=True)
class PublicCall:
    """A call of a public operation and what it may answer (never 401 or 403)."""

    answers: frozenset[int]
    headers: Mapping[str, str] = field(default_factory=dict)


PUBLIC_CALLS: dict[tuple[str, str, str], PublicCall] = {
    # Not the dossier's secret: the same 404 as an unknown code (the limiter counts it against the address).
    ("intake", "GET", "/v1/lookup/{code}"): PublicCall(frozenset({404}), {"X-Lookup-Secret": "not-the-secret"}),
    # Unsigned: refused, and nothing changes.
    ("intake", "POST", "/v1/postal/deliveries"): PublicCall(frozenset({401})),
    # Public, authenticated by the payment platform's signature: an unsigned call is refused (and changes nothing).
    ("intake", "POST", "/v1/payments/callback"): PublicCall(frozenset({401})),
    ("department", "GET", "/v1/board/journal-roots"): PublicCall(frozenset({200})),
    ("department", "GET", "/v1/board/journal-roots.html"): PublicCall(frozenset({200})),
    ("department", "GET", "/v1/units/{unit}/stats"): PublicCall(frozenset({200})),
    ("department", "GET", "/v1/units/{unit}/stats.html"): PublicCall(frozenset({200})),
    ("department", "GET", "/v1/board/provinces/{province}/results"): PublicCall(frozenset({200})),
    ("department", "GET", "/v1/board/provinces/{province}/results.html"): PublicCall(frozenset({200})),
}


def unknown_operations(found: list[Operation]) -> list[str]:
    """Operations with no entry in the tables (or an entry of the wrong kind): their access is untested."""
    return [
        op.name
        for op in found
        if (op.public and op.key not in PUBLIC_CALLS) or (not op.public and op.key not in ACCESS)
    ]


def stale_entries(found: list[Operation]) -> list[str]:
    """Table entries for operations no document or kernel route has any more."""
    keys = {op.key for op in found}
    return [" ".join(key) for key in [*ACCESS, *PUBLIC_CALLS] if key not in keys]


def swept_per_service(found: list[Operation]) -> dict[str, dict[str, int]]:
    """Per service: how many operations are protected (swept anonymously, all 401) and how many public."""
    counts = {service.name: {"protected": 0, "public": 0} for service in SERVICES}
    for op in found:
        counts[op.service]["public" if op.public else "protected"] += 1
    return counts


def fill(path: str, values: Mapping[str, str]) -> str:
    """``path`` with its ``{parameters}`` replaced by ``values``."""
    return path.format_map(values)
