"""What the board shows, as the JSON body of ``GET /v1/units/{unit}/stats``."""

from dataclasses import asdict
from datetime import date

from pydantic import BaseModel, ConfigDict, Field

from services.department.stats.figures import Tally


class Figures(BaseModel):
    """Completions by timeliness (see the endpoint's description for the definitions)."""

    model_config = ConfigDict(frozen=True)

    completed: int = Field(description="Tasks the unit approved or refused in the period.")
    early: int = Field(description="Finished on a day before the due day.")
    on_time: int = Field(description="Finished on the due day, at or before the due time.")
    late: int = Field(description="Finished after the due time, or extended with an apology letter (Form 04).")
    on_time_rate: float | None = Field(
        description="(early + on_time) / completed, from 0 to 1; null when nothing was completed."
    )

    @classmethod
    def of(cls, tally: Tally) -> "Figures":
        return cls(**asdict(tally), completed=tally.completed, on_time_rate=tally.on_time_rate)


class ProcedureFigures(Figures):
    """The figures of one procedure."""

    code: str = Field(description="National procedure code, e.g. 1.001193.")
    name: str | None = Field(description="Its Vietnamese name, when the catalogue knows the code.")


class UnitRef(BaseModel):
    """The unit the figures are about."""

    code: str
    name: str


class PeriodView(BaseModel):
    """Local days of completion counted, both ends included."""

    model_config = ConfigDict(populate_by_name=True)

    first: date = Field(alias="from")
    last: date = Field(alias="to")
    timezone: str


class DueDatesMoved(BaseModel):
    """Why due times of the unit's tasks moved without any act on them: a closure (force majeure) with the
    decision that ordered it, or a change of the working-day calendar. The days it closed are not late."""

    reason: str = Field(description="As routing gave it, e.g. the closure's reason and decision.")
    tasks: int = Field(description="The unit's tasks whose due time it moved.")


class BoardStats(BaseModel):
    """A unit's public-board figures over a period: in total and per procedure."""

    unit: UnitRef
    period: PeriodView
    total: Figures
    procedures: list[ProcedureFigures] = Field(description="Procedures with completions, by code.")
    due_dates_moved: list[DueDatesMoved] = Field(
        default_factory=list,
        description="Closures and calendar changes that moved the unit's due times in the period (or those of "
        "tasks completed in it): their days count neither towards the deadline nor as late.",
    )
