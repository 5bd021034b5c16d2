"""What the board shows, as the JSON body of ``GET /v1/units/{unit}/stats``."""

from dataclasses import asdict
from datetime import date

from pydantic import BaseModel, ConfigDict, Field

from services.department.stats.figures import ReturnTally, Tally


class Figures(BaseModel):
    """The unit's task figures: its decisions (approved or refused tasks) by timeliness against each task's own
    due time (see the endpoint's description for the definitions)."""

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


class ReturnFigures(BaseModel):
    """Results returned to applicants, on time or late: on time when returned by the appointment date on the
    receipt (returned_at <= due_at)."""

    model_config = ConfigDict(frozen=True)

    returned: int = Field(description="Results handed to the applicants in the period (counter, post or online).")
    on_time: int = Field(description="Returned at or before the appointment on the receipt.")
    late: int = Field(description="Returned after the appointment.")
    on_time_rate: float | None = Field(description="on_time / returned, from 0 to 1; null when none was returned.")

    @classmethod
    def of(cls, tally: ReturnTally) -> "ReturnFigures":
        return cls(**asdict(tally), returned=tally.returned, on_time_rate=tally.on_time_rate)


class UnitReturnFigures(ReturnFigures):
    """The results one unit issued."""

    code: str
    name: str | None = Field(description="Its Vietnamese name, when the registry knows the code.")


class BoardStats(BaseModel):
    """A unit's public-board figures over a period: its task figures in total and per procedure, and the results it
    issued that were returned to applicants."""

    unit: UnitRef
    period: PeriodView
    total: Figures = Field(description="Task figures: the unit's decisions, by timeliness against each task's due.")
    procedures: list[ProcedureFigures] = Field(description="Task figures per procedure with completions, by code.")
    results_returned: ReturnFigures = Field(
        default_factory=lambda: ReturnFigures.of(ReturnTally()),
        description="Results the unit issued that were returned in the period: on time when returned by the"
        " appointment date on the receipt.",
    )
    due_dates_moved: list[DueDatesMoved] = Field(
        default_factory=list,
        description="Closures and calendar changes that moved the unit's due times in the period (or those of "
        "tasks completed in it): their days count neither towards the deadline nor as late.",
    )


class ProvinceResults(BaseModel):
    """A province's results returned over a period: in total and per issuing unit."""

    province: str = Field(description="Two-digit province code.")
    name: str | None = Field(description="The province's name.")
    period: PeriodView
    total: ReturnFigures
    units: list[UnitReturnFigures] = Field(description="Issuing units with results returned, by code.")
