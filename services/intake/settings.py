"""Settings of the intake service: the common ``LIENTHONG_*`` ones plus its own, below."""

from pydantic import Field, SecretStr

from shared.kernel.settings import CommonSettings


class IntakeSettings(CommonSettings):
    """Intake numbers dossiers by the receiving centre's local day and checks identities.

    ``LIENTHONG_POPULATION_DB_URL`` unset means identities are not checked: every dossier is
    received with identity ``unchecked`` and the service warns once at start. Otherwise each
    dossier's applicant is checked once while it is received (at most ``timeout`` seconds, no
    call while the circuit breaker is open) and, when the database could not answer, again in
    the background with growing delays until it answers. The dossier never waits for it.

    ``LIENTHONG_LOOKUP_SECRET_KEY`` is the key the receipts' lookup secrets are hashed with
    (HMAC-SHA-256): keep it out of the database, the same in every instance, and never change it
    while secrets made under it are in use. Unset, secrets are hashed without a key and the service
    warns at start.

    Results the applicant chose to receive by post are ordered from the postal service at
    ``LIENTHONG_POSTAL_URL`` (unset: they wait, and the service warns at start); its delivery
    callbacks are taken only signed with ``LIENTHONG_POSTAL_CALLBACK_SECRET`` (unset: all refused).

    Receipt fees and financial obligations are collected through the national payment platform at
    ``LIENTHONG_PAYMENT_URL`` (as merchant ``LIENTHONG_PAYMENT_MERCHANT_KEY``; unset: they are
    recorded and wait); its callbacks are taken only signed with ``LIENTHONG_PAYMENT_CALLBACK_SECRET``
    within ``LIENTHONG_PAYMENT_CALLBACK_WINDOW_SECONDS`` (unset secret: all refused).
    """

    timezone: str = "Asia/Ho_Chi_Minh"
    population_db_url: str | None = Field(
        default=None, description="base URL of the National Population Database's verification API (via the LGSP)"
    )
    population_db_token: str = Field(default="", description="bearer token for that API", repr=False)
    population_db_timeout_seconds: float = Field(default=2.0, gt=0, description="longest wait for one answer")
    population_db_breaker_threshold: int = Field(
        default=3, ge=1, description="failures in a row that open the circuit breaker"
    )
    population_db_breaker_open_seconds: float = Field(
        default=30.0, gt=0, description="how long an open breaker lets no call through before trying one"
    )
    identity_recheck_base_seconds: float = Field(default=5.0, gt=0, description="delay after the first failed check")
    identity_recheck_cap_seconds: float = Field(default=300.0, gt=0, description="longest delay between two checks")
    identity_recheck_poll_seconds: float = Field(default=1.0, gt=0, description="pause between looks for due checks")
    identity_recheck_batch: int = Field(default=20, ge=1, description="pending dossiers claimed at once")
    identity_recheck_lease_seconds: float = Field(
        default=120.0, gt=0, description="how long a claim keeps other instances off a dossier being checked"
    )
    lookup_secret_key: SecretStr | None = Field(
        default=None, description="key of the lookup secrets' HMAC (a long random string)", repr=False
    )
    lookup_failures_per_minute: int = Field(
        default=10, ge=1, description="failed lookups one client address may make in any minute before it gets 429"
    )
    document_max_bytes: int = Field(
        default=20 * 1024 * 1024, ge=1, description="largest document accepted in one upload (bytes; 20 MiB)"
    )
    postal_url: str | None = Field(
        default=None, description="base URL of the postal service's shipment API; unset: results are not posted"
    )
    postal_merchant_key: SecretStr | None = Field(
        default=None, description="the key intake presents to the postal service (X-Merchant-Key)", repr=False
    )
    postal_callback_secret: SecretStr | None = Field(
        default=None, description="the secret the postal service signs its delivery callbacks with", repr=False
    )
    postal_callback_url: str | None = Field(
        default=None,
        description="where the postal service calls back (intake's POST /v1/postal/deliveries as it reaches intake);"
        " default http://127.0.0.1:<LIENTHONG_HTTP_PORT>/v1/postal/deliveries",
    )
    postal_callback_window_seconds: int = Field(
        default=300, ge=10, le=3600, description="how far a callback's signed time may be from intake's clock"
    )
    postal_timeout_seconds: float = Field(default=5.0, gt=0, description="longest wait for the postal service")
    shipment_poll_seconds: float = Field(default=1.0, gt=0, description="pause between looks for results to post")
    shipment_batch: int = Field(default=10, ge=1, description="shipments claimed at once")
    shipment_lease_seconds: float = Field(
        default=120.0, gt=0, description="how long a claim keeps other instances off a shipment being sent"
    )
    shipment_retry_base_seconds: float = Field(default=5.0, gt=0, description="delay after a first failed order")
    shipment_retry_cap_seconds: float = Field(default=600.0, gt=0, description="longest delay between two orders")
    payment_url: str | None = Field(
        default=None, description="base URL of the national payment platform's API; unset: fees and obligations wait"
    )
    payment_merchant_key: SecretStr | None = Field(
        default=None, description="the key intake presents to the payment platform (X-Merchant-Key)", repr=False
    )
    payment_callback_secret: SecretStr | None = Field(
        default=None, description="the secret the payment platform signs its payment callbacks with", repr=False
    )
    payment_callback_url: str | None = Field(
        default=None,
        description="where the payment platform calls back (intake's POST /v1/payments/callback as it reaches intake);"
        " default http://127.0.0.1:<LIENTHONG_HTTP_PORT>/v1/payments/callback",
    )
    payment_callback_window_seconds: int = Field(
        default=300, ge=10, le=3600, description="how far a payment callback's signed time may be from intake's clock"
    )
    payment_timeout_seconds: float = Field(default=5.0, gt=0, description="longest wait for the payment platform")
    payment_poll_seconds: float = Field(default=1.0, gt=0, description="pause between looks for payments to create")
    payment_batch: int = Field(default=10, ge=1, description="payments claimed at once")
    payment_lease_seconds: float = Field(
        default=120.0, gt=0, description="how long a claim keeps other instances off a payment being created"
    )
    payment_retry_base_seconds: float = Field(default=2.0, gt=0, description="delay after a first failed creation")
    payment_retry_cap_seconds: float = Field(default=300.0, gt=0, description="longest delay between two creations")
