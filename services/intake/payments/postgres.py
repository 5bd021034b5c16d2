"""The SQL of intake's payments (a base of ``PostgresIntakeStore``)."""

from datetime import datetime, timedelta
from uuid import UUID

import asyncpg

from services.intake.payments.rules import PAYABLE, Fee, KnownPayment, NewPayment, PaidCallback, PaymentStatus, Purpose
from services.intake.payments.store import CreatedPayment, FeesToCollect, PaymentRecord, PaymentToCreate
from shared.kernel.polling import LeasedRows

PAYABLE_NOW = " OR ".join(
    f"(payments.purpose = '{purpose.value}' AND d.status = '{status.value}')" for purpose, status in PAYABLE.items()
)
DUE_PAYMENTS = LeasedRows(
    table="payments",
    due_column="next_attempt_at",
    ready=f"status = 'due' AND EXISTS (SELECT 1 FROM dossiers d WHERE d.id = payments.dossier_id AND ({PAYABLE_NOW}))",
    returning="id, amount_vnd, description, attempts, (SELECT code FROM dossiers d WHERE d.id = payments.dossier_id)",
    claim_set="claim = $3",
)
"""Due payments of dossiers that pay them now, claimed by one instance at a time under a lease."""

RECORD_COLUMNS = (
    "id, purpose, amount_vnd, description, status, pay_url, qr_payload, created_at, paid_at, receipt_document_id"
)


class PostgresPaymentsStore:
    """:class:`~services.intake.payments.store.PaymentsStore` on the store's ``connection``."""

    connection: asyncpg.Connection

    async def fees_to_collect(self, batch: int) -> list[FeesToCollect]:
        rows = await self.connection.fetch(
            "SELECT d.id, d.code, array_agg(f.name_vi ORDER BY f.position) AS names,"
            " array_agg(f.amount_vnd ORDER BY f.position) AS amounts"
            " FROM dossier_fees f JOIN dossiers d ON d.id = f.dossier_id"
            " WHERE f.paid_at IS NULL AND d.status = $1 AND NOT EXISTS"
            " (SELECT 1 FROM payments p WHERE p.dossier_id = d.id AND p.cause = $2)"
            " GROUP BY d.id, d.code ORDER BY d.code LIMIT $3",
            PAYABLE[Purpose.RECEIPT_FEES].value,
            Purpose.RECEIPT_FEES.value,
            batch,
        )
        return [
            FeesToCollect(
                row["id"], row["code"], tuple(Fee(n, a) for n, a in zip(row["names"], row["amounts"], strict=True))
            )
            for row in rows
        ]

    async def add_payment(self, payment: NewPayment, at: datetime) -> bool:
        added = await self.connection.fetchval(
            "INSERT INTO payments (id, dossier_id, purpose, cause, amount_vnd, description, created_at,"
            " next_attempt_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $7)"
            " ON CONFLICT (dossier_id, cause) DO NOTHING RETURNING true",
            payment.payment_id,
            payment.dossier_id,
            payment.purpose.value,
            payment.cause,
            payment.amount_vnd,
            payment.description,
            at,
        )
        return bool(added)

    async def claim_payments(self, now: datetime, lease: timedelta, claim: UUID, batch: int) -> list[PaymentToCreate]:
        rows = await DUE_PAYMENTS.claim(self.connection, now=now, lease=lease, batch=batch, claim=claim)
        return [
            PaymentToCreate(row["id"], row["code"], row["amount_vnd"], row["description"], row["attempts"])
            for row in rows
        ]

    async def record_payment_created(
        self, payment_id: UUID, claim: UUID, created: CreatedPayment, at: datetime
    ) -> bool:
        # Fenced by the claim: an instance whose lease ended and whose payment was claimed again stores nothing.
        done = await self.connection.execute(
            "UPDATE payments SET status = 'pending', platform_payment_id = $3, pay_url = $4, qr_payload = $5,"
            " requested_at = $6, attempts = attempts + 1, next_attempt_at = NULL, claim = NULL, last_error = NULL"
            " WHERE id = $1 AND claim = $2 AND status = 'due'",
            payment_id,
            claim,
            created.platform_payment_id,
            created.pay_url,
            created.qr_payload,
            at,
        )
        return bool(done != "UPDATE 0")

    async def record_payment_not_created(
        self, payment_id: UUID, claim: UUID, error: str, next_attempt_at: datetime | None
    ) -> bool:
        done = await self.connection.execute(
            "UPDATE payments SET attempts = attempts + 1, last_error = $3, next_attempt_at = $4, claim = NULL,"
            " status = CASE WHEN $4::timestamptz IS NULL THEN 'failed' ELSE status END"
            " WHERE id = $1 AND claim = $2 AND status = 'due'",
            payment_id,
            claim,
            error,
            next_attempt_at,
        )
        return bool(done != "UPDATE 0")

    async def known_payment(self, payment_id: UUID, *, lock: bool = False) -> KnownPayment | None:
        row = await self.connection.fetchrow(
            "SELECT p.id, p.dossier_id, d.code, p.purpose, p.amount_vnd, p.status, p.platform_payment_id"
            " FROM payments p JOIN dossiers d ON d.id = p.dossier_id WHERE p.id = $1"
            + (" FOR UPDATE OF p" if lock else ""),
            payment_id,
        )
        if row is None:
            return None
        return KnownPayment(
            row["id"],
            row["dossier_id"],
            row["code"],
            Purpose(row["purpose"]),
            row["amount_vnd"],
            PaymentStatus(row["status"]),
            row["platform_payment_id"],
        )

    async def record_payment_paid(self, payment_id: UUID, callback: PaidCallback, receipt_document_id: UUID) -> None:
        await self.connection.execute(
            "UPDATE payments SET status = 'paid', platform_payment_id = coalesce(platform_payment_id, $2),"
            " transaction_id = $3, paid_at = $4, receipt_document_id = $5, next_attempt_at = NULL, claim = NULL"
            " WHERE id = $1",
            payment_id,
            callback.platform_payment_id,
            callback.transaction_id,
            callback.paid_at,
            receipt_document_id,
        )

    async def dossier_payments(self, dossier_id: UUID) -> list[PaymentRecord]:
        rows = await self.connection.fetch(
            f"SELECT {RECORD_COLUMNS} FROM payments WHERE dossier_id = $1 ORDER BY created_at, id", dossier_id
        )
        return [
            PaymentRecord(
                row["id"],
                Purpose(row["purpose"]),
                row["amount_vnd"],
                row["description"],
                PaymentStatus(row["status"]),
                row["pay_url"],
                row["qr_payload"],
                row["created_at"],
                row["paid_at"],
                row["receipt_document_id"],
            )
            for row in rows
        ]
