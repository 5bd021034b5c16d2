"""Tasks that wait for the applicant (supplements, a financial obligation), the clock, and their resumption.

A task waits with a :class:`~services.routing.domain.tasks.Wait` naming what for. While any
waiting task stops the clock (``pauses``), the dossier's clock is stopped from ``paused_at``.
When the applicant hands in what one kind of wait asked for, the tasks waiting for it resume:
if the clock was stopped, every open due time (the dossier's, the tasks') moves later by the
working time it stood still, and it starts again, or stays stopped from now while another
wait that stops it goes on. The dossier's status then says what is still awaited (paying,
waiting) or processing.
"""

from datetime import datetime

from services.routing.domain.deadlines import Deadlines
from services.routing.domain.effects import Effect, Resumed, StatusChanged
from services.routing.domain.plan_state import PlanRejectedError, PlanState
from services.routing.domain.tasks import PlanTask, TaskState, Wait, WaitKind
from shared.contracts import DossierStatus


class WaitSteps(PlanState):
    """Waiting for the applicant and resuming (a step of :class:`~services.routing.domain.plan.DossierPlan`)."""

    def _begin_wait(self, task: PlanTask, wait: Wait) -> None:
        task.state = TaskState.WAITING
        task.waiting = wait
        if wait.pauses and self.paused_at is None:
            self.paused_at = wait.since

    def _wait_of(self, task: PlanTask) -> Wait:
        """What the task waits for; a task of an older plan waits for supplements, with the clock stopped."""
        if task.waiting is not None:
            return task.waiting
        return Wait("supplement", self.paused_at or task.assigned_at or self.received_at, True, 0)

    def _waiting_for(self, kind: WaitKind) -> list[PlanTask]:
        return [t for t in self.tasks if t.state is TaskState.WAITING and self._wait_of(t).kind == kind]

    def _expect_waiting(self, kind: WaitKind) -> list[PlanTask]:
        """The tasks waiting for ``kind``; rejected when there is none (a late or repeated act)."""
        waiting = self._waiting_for(kind)
        if not waiting or self.ended:
            raise PlanRejectedError(f"dossier {self.dossier_code} is {self.status.value}, not waiting for {kind}s")
        return waiting

    def _end_waits(self, kind: WaitKind, now: datetime, deadlines: Deadlines) -> list[Effect]:
        """Resume the tasks waiting for ``kind``, moving the due times by the time the clock stood still."""
        resuming = self._expect_waiting(kind)
        restart = kind == "supplement" and self.on_supplement == "restart"
        if self.paused_at is not None:
            paused = deadlines.paused_days(self.paused_at, now)
            self._move_due_times(paused, resuming if restart else [], now, deadlines)
            action = "supplemented" if kind == "supplement" else "paid"
            self._note(now, action, f"clock stopped for {paused} working day(s); due {self.due_at.isoformat()}")
        elif restart:
            self._move_due_times(0, resuming, now, deadlines)
        effects: list[Effect] = []
        for task in resuming:
            assert task.due_at is not None
            seen = self._wait_of(task).documents_seen
            task.state, task.waiting = TaskState.OPEN, None
            documents = tuple(self.documents[seen:])
            effects.append(Resumed(self._next(), task.id, task.routing.unit_code, task.due_at, documents))
        still = [self._wait_of(t) for t in self.tasks if t.state is TaskState.WAITING]
        self.paused_at = now if any(w.pauses for w in still) else None
        return [*effects, self._awaited_status(still)]

    def _move_due_times(self, paused: int, restarted: list[PlanTask], now: datetime, deadlines: Deadlines) -> None:
        """Every open due time later by ``paused`` working days; the ``restarted`` tasks' counted again from now."""
        if restarted:
            self.due_at = deadlines.dossier_due(now, self.working_days, self.cutoff)
        else:
            self.due_at = deadlines.extend(self.due_at, paused)
        for task in self.active_tasks():
            if task.due_at is None:
                continue
            if task in restarted:
                task.due_at = deadlines.task_due(now, task.working_days)
            else:
                task.due_at = deadlines.extend(task.due_at, paused)

    def _awaited_status(self, waits: list[Wait]) -> StatusChanged:
        """Paying while an obligation is unpaid, else waiting while supplements are, else processing.

        Back to paying, the change does not repeat ``payment``: only the one that notified the
        obligation carries it, so what is due is recorded (and asked for) once.
        """
        if any(w.kind == "payment" for w in waits):
            return self._move_to(DossierStatus.PAYING)
        missing = tuple(item for w in waits if w.kind == "supplement" for item in w.missing)
        if any(w.kind == "supplement" for w in waits):
            return self._move_to(DossierStatus.WAITING, missing=missing)
        return self._move_to(DossierStatus.PROCESSING)
