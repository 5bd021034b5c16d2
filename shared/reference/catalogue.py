"""The procedure catalogue: what each procedure needs, costs and who handles it, in which order.

A procedure's **plan** is a sequence of stages; the tasks of one stage run in
parallel and the next stage starts when all of them approve. Each task names a
unit by level and kind (``commune:VP``, ``province:SNNMT``); jurisdiction turns
that into a concrete unit code for the commune the dossier concerns.

Inter-connected procedures (*liên thông*) list **components** the applicant may
choose from; a task that belongs to a component runs only when it was chosen.
"""

import re
from datetime import time
from typing import Annotated, Literal, Self

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

Level = Literal["commune", "province"]
FIELD_SLUG = r"^[a-z][a-z-]*$"


class UnitRef(BaseModel):
    """A kind of unit at one level, e.g. the commune police (``commune:CA``)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    level: Level
    kind: str = Field(pattern=r"^[A-Z]{2,8}$")

    @classmethod
    def parse(cls, text: str) -> "UnitRef":
        return cls.model_validate(_split_unit(text))

    def __str__(self) -> str:
        return f"{self.level}:{self.kind}"


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


def _split_unit(value: object) -> object:
    if isinstance(value, str):
        level, _, kind = value.partition(":")
        return {"level": level, "kind": kind}
    return value


UnitField = Annotated[UnitRef, BeforeValidator(_split_unit)]
"""A unit kind written ``<level>:<KIND>`` in reference files."""


class PlannedTask(_Strict):
    """One unit's share of a procedure."""

    key: str = Field(pattern=r"^[a-z][a-z0-9-]*$", description="Stable name of the task inside its procedure.")
    name_vi: str
    name_en: str
    unit: UnitField
    working_days: int = Field(ge=0, description="This task's own allowance, counted from its assignment.")
    component: str | None = Field(default=None, description="The component this task belongs to, if optional.")


class Stage(_Strict):
    """Tasks that run in parallel; the next stage waits for all of them."""

    name: str
    tasks: tuple[PlannedTask, ...] = Field(min_length=1)


class Document(_Strict):
    """A paper or file the applicant hands in; ``key`` names it in a submission (default: from ``name_en``)."""

    key: str = Field(default="", pattern=r"^([a-z][a-z0-9-]*)?$", max_length=100)
    name_vi: str
    name_en: str
    required: bool = True
    component: str | None = None

    @model_validator(mode="after")
    def _key_from_name(self) -> Self:
        if not self.key:
            object.__setattr__(self, "key", document_key(self.name_en))
        return self


def document_key(name_en: str) -> str:
    """A stable key from a document's English name: lowercase words joined by hyphens, at most 8 words."""
    words = re.findall(r"[a-z0-9]+", name_en.lower())
    key = "-".join(words[:8]).lstrip("0123456789-")
    return key or "document"


class Fee(_Strict):
    """A fee or charge; 0 VND means the procedure is free."""

    name_vi: str
    name_en: str
    amount_vnd: int = Field(ge=0)
    note: str | None = None
    collected: Literal["at-receipt", "not-collected"] = Field(
        default="at-receipt",
        description="When it is paid: at receipt (the dossier is complete only once it is paid), or not collected"
        " through lienthong (paid elsewhere, e.g. to the tax office).",
    )
    component: str | None = Field(default=None, description="The component it is charged for, if optional.")
    channel: Literal["any", "counter", "online"] = Field(
        default="any", description="Where the rate applies: filed at a counter (by a clerk), online, or either."
    )


class Component(_Strict):
    """A part of an inter-connected procedure the applicant may choose."""

    key: str = Field(pattern=r"^[a-z][a-z0-9-]*$")
    name_vi: str
    name_en: str
    required: bool = False


class Procedure(_Strict):
    """One administrative procedure of the catalogue."""

    code: str = Field(pattern=r"^\d\.\d{6}$", description="National Database on Administrative Procedures code.")
    name_vi: str
    name_en: str
    field: str = Field(pattern=FIELD_SLUG, description="Field of administration, e.g. civil-status, land.")
    level: Level = Field(description="Competent level that decides the procedure.")
    working_days: int = Field(ge=0, description="Statutory time from complete receipt.")
    cutoff: time | None = Field(
        default=None, description="Receipts after this local hour count from the next working day."
    )
    on_supplement: Literal["pause", "restart"] = Field(
        default="pause",
        description="What a supplement does to the clock: pause it, or restart it from the new receipt.",
    )
    supplement_once: bool = Field(default=True, description="At most one supplement request per dossier.")
    source: str = Field(min_length=1, description="Legal text or registry entry the figures come from.")
    verified: bool = Field(description="False while the code or figures still need checking against the source.")
    documents: tuple[Document, ...] = Field(min_length=1)
    fees: tuple[Fee, ...] = Field(min_length=1)
    components: tuple[Component, ...] = ()
    min_optional_components: int = Field(default=0, ge=0)
    plan: tuple[Stage, ...] = Field(min_length=1)
    financial_obligation: bool = Field(
        default=False,
        description="Whether a handling unit may notify a financial obligation (land use levy, registration fee...),"
        " which puts the dossier in paying (portal code 6).",
    )
    on_financial_obligation: Literal["pause", "run"] = Field(
        default="pause", description="What paying does to the clock: pause it until paid, or let it run."
    )
    result_vi: str | None = Field(
        default=None, description="The title of the result document, e.g. Trích lục khai sinh."
    )
    result_en: str | None = Field(default=None, description="The same in English; default: the procedure's name.")

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        keys = [task.key for stage in self.plan for task in stage.tasks]
        duplicates = sorted({key for key in keys if keys.count(key) > 1})
        if duplicates:
            raise ValueError(f"task keys must be unique in a plan, repeated: {', '.join(duplicates)}")
        known = {component.key for component in self.components}
        for task in self.tasks():
            if task.component is not None and task.component not in known:
                raise ValueError(f"task {task.key} names unknown component {task.component!r}")
        for document in self.documents:
            if document.component is not None and document.component not in known:
                raise ValueError(f"document {document.name_en!r} names unknown component {document.component!r}")
        document_keys = [document.key for document in self.documents]
        repeated_keys = sorted({key for key in document_keys if document_keys.count(key) > 1})
        if repeated_keys:
            raise ValueError(f"document keys must be unique in a procedure, repeated: {', '.join(repeated_keys)}")
        optional = [c for c in self.components if not c.required]
        if self.min_optional_components > len(optional):
            raise ValueError(
                f"min_optional_components is {self.min_optional_components} but only {len(optional)} are optional"
            )
        longest = sum(max(task.working_days for task in stage.tasks) for stage in self.plan)
        if longest > self.working_days:
            raise ValueError(
                f"the plan's stages take up to {longest} working days, more than the procedure's {self.working_days}"
            )
        return self

    def tasks(self) -> tuple[PlannedTask, ...]:
        return tuple(task for stage in self.plan for task in stage.tasks)

    def required_documents(self, components: tuple[str, ...]) -> tuple[Document, ...]:
        """The documents a dossier running ``components`` must hand in: required ones of the procedure and of
        the chosen components."""
        return tuple(d for d in self.documents if d.required and (d.component is None or d.component in components))

    def receipt_fees(self, components: tuple[str, ...], channel: Literal["counter", "online"]) -> tuple[Fee, ...]:
        """The fees paid at receipt by a dossier running ``components`` filed through ``channel``: those above 0 VND
        collected at receipt, at the rate of that channel."""
        return tuple(
            f
            for f in self.fees
            if f.amount_vnd > 0
            and f.collected == "at-receipt"
            and f.channel in ("any", channel)
            and (f.component is None or f.component in components)
        )

    def chosen_components(self, requested: tuple[str, ...]) -> tuple[str, ...]:
        """The components a dossier runs: the required ones plus those the applicant chose.

        Raises ``ValueError`` naming the problem when the choice is not allowed.
        """
        known = {c.key: c for c in self.components}
        unknown = [key for key in requested if key not in known]
        if unknown:
            allowed = ", ".join(known) or "none"
            raise ValueError(f"unknown component(s) {', '.join(unknown)}; this procedure offers: {allowed}")
        optional = [key for key in dict.fromkeys(requested) if not known[key].required]
        if len(optional) < self.min_optional_components:
            names = ", ".join(c.key for c in self.components if not c.required)
            raise ValueError(
                f"choose at least {self.min_optional_components} of the optional components ({names}), "
                f"got {len(optional)}"
            )
        required = [c.key for c in self.components if c.required]
        return tuple(dict.fromkeys([*required, *optional]))


class Catalogue(_Strict):
    """All procedures a deployment accepts, under one version."""

    version: str = Field(min_length=1)
    procedures: tuple[Procedure, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_codes(self) -> Self:
        codes = [p.code for p in self.procedures]
        repeated = sorted({code for code in codes if codes.count(code) > 1})
        if repeated:
            raise ValueError(f"procedure codes must be unique, repeated: {', '.join(repeated)}")
        return self

    def find(self, code: str) -> Procedure | None:
        return next((p for p in self.procedures if p.code == code), None)
