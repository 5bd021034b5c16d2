"""Settings every service shares, read from ``LIENTHONG_*`` environment variables."""

import os
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO = Path(__file__).resolve().parents[2]


def local_passfile(local_dir: Path | None = None) -> Path:
    """The password file of the local cluster's roles, in the git-ignored local folder (``LIENTHONG_LOCAL_DIR`` by
    default)."""
    folder = local_dir or Path(os.environ.get("LIENTHONG_LOCAL_DIR") or REPO / ".local")
    return folder.resolve() / "postgres-roles.pgpass"


class CommonSettings(BaseSettings):
    """Where the broker and the database are, how topics are named, and whose tokens are trusted.

    ``topic_prefix`` lets several deployments (a province each, or one test run)
    share one Kafka cluster without seeing each other's events.

    Every service verifies bearer tokens of two issuers: the staff issuer (clerks and client
    applications; ``LIENTHONG_JWKS_URL`` or ``LIENTHONG_JWKS_FILE``) and the citizen issuer
    (the national e-ID; ``LIENTHONG_CITIZEN_JWKS_URL`` or ``…_FILE``). An issuer with neither
    is refused. The URL wins when both are set.
    """

    model_config = SettingsConfigDict(env_prefix="LIENTHONG_", extra="ignore")

    kafka_bootstrap_servers: str = "127.0.0.1:19092"
    kafka_security_protocol: Literal["PLAINTEXT", "SASL_PLAINTEXT", "SASL_SSL"] = Field(
        default="PLAINTEXT", description="SASL_PLAINTEXT on the local broker; PLAINTEXT only for a broker without ACLs"
    )
    kafka_sasl_mechanism: Literal["SCRAM-SHA-512", "SCRAM-SHA-256", "PLAIN"] = "SCRAM-SHA-512"
    kafka_ssl_ca_file: Path | None = Field(
        default=None,
        description="with SASL_SSL: the CA certificate (PEM) the brokers' certificates are checked against, e.g. the"
        " cluster CA Strimzi publishes; unset: the system's trusted CAs",
    )
    kafka_username: str | None = Field(default=None, description="the process's own Kafka principal (one per service)")
    kafka_password: SecretStr | None = None
    topic_prefix: str = ""
    topic_partitions: int = Field(default=6, ge=1)
    topic_replication_factor: int = Field(default=1, ge=1)
    consumers_per_stream: int | None = Field(
        default=None,
        ge=1,
        description="consumers of each stream's group in one process, each on its own partitions (default: one per"
        " partition, so a slow dossier holds back only its partition); lower it when many instances share a group",
    )
    instance_id: str | None = Field(
        default=None,
        description="this process's name among its service's instances, stable across restarts: each consumer's"
        " Kafka group.instance.id is <service>.<instance id>.<n> (static membership, KIP-345). Default: the host"
        " name and the HTTP port, which two running instances never share; set it where the host name changes at"
        " every start. Two running instances must never share one",
    )
    kafka_static_membership: bool = Field(
        default=True,
        description="consumers keep their group.instance.id across restarts, so a restarted process consumes again"
        " at once instead of waiting for the group to drop its dead members; a crashed instance's partitions move"
        " to the others only after kafka_session_timeout_seconds, and a stopped one does not leave its groups",
    )
    kafka_session_timeout_seconds: float = Field(
        default=10.0,
        ge=6,
        le=1800,
        description="how long the group waits for a silent consumer before its partitions move to the others"
        " (the broker's group.min/max.session.timeout.ms bound it)",
    )
    kafka_commit_every: int = Field(
        default=100,
        ge=1,
        description="handled messages per offset commit of a consumer (1: a commit after each, as before issue 16);"
        " a crash redelivers at most these, which the inbox skips",
    )
    kafka_commit_interval_seconds: float = Field(
        default=0.25,
        gt=0,
        le=60,
        description="the longest a handled message's offset waits before it is committed (also committed before a"
        " rebalance takes its partition and when the service stops)",
    )
    consumer_transaction_events: int = Field(
        default=100,
        ge=1,
        description="events a consumer applies in one PostgreSQL transaction while its partition has a backlog"
        " (1: a transaction per event); a consumer that has caught up commits after each event",
    )
    consumer_transaction_linger_seconds: float = Field(
        default=0.02,
        gt=0,
        le=5,
        description="the longest a consumed event's effects wait in an open transaction for the next events",
    )
    log_each_message: bool = Field(
        default=False,
        description="log FastStream's Received and Processed lines for every consumed message at INFO (else DEBUG)",
    )
    database_url: str = Field(
        default="postgresql://lienthong:lienthong@127.0.0.1:15432/lienthong",
        description="where the database is; its login applies the migrations, each schema's as that schema's owner"
        " role. A service itself connects as its own role (database_user), which can use only its own schema",
    )
    migrate_on_start: bool = Field(
        default=True,
        description="apply the migrations at start with database_url's login; false where a separate step"
        " (python -m services.migrate) migrates, so the service holds only its own login (it checks the schema is"
        " current instead)",
    )
    database_user: str | None = Field(
        default=None, description="the service's own login role; default lienthong_<service>"
    )
    database_password: SecretStr | None = Field(
        default=None, description="that role's password; when unset it is looked up in database_passfile"
    )
    database_passfile: Path = Field(
        default_factory=local_passfile,
        description="a PostgreSQL password file (host:port:database:user:password lines, mode 0600); by default the"
        " one deploy/local/postgres.sh writes for the local roles, <LIENTHONG_LOCAL_DIR>/postgres-roles.pgpass",
    )
    handler_attempts: int = Field(
        default=3,
        ge=1,
        description="tries before a message whose handler fails in an unknown way is dead-lettered"
        " (transient faults are retried until they heal, final ones dead-lettered at once)",
    )
    kafka_max_message_bytes: int = Field(
        default=1024 * 1024,
        ge=64 * 1024,
        description="the producer's max_request_size; a dead letter that would exceed it is published truncated",
    )
    outbox_poll_seconds: float = Field(default=0.5, gt=0)
    outbox_batch: int = Field(default=200, ge=1, description="outbox rows the relay publishes before awaiting them")
    personal_data_retention_days: float = Field(
        default=365,
        gt=0,
        description="days after a dossier ended (done, denied, cancelled) before its applicant's personal data is"
        " pseudonymised: the one-year limit for taking an administrative decision to court",
    )
    pseudonym_key: SecretStr | None = Field(
        default=None,
        # No min_length here: pydantic would quote the secret in its error. Pseudonyms checks the length.
        description="secret key of the pseudonyms (HMAC-SHA256), 32 bytes or more; without it personal data is not"
        " pseudonymised",
    )
    pseudonym_key_required: bool = Field(
        default=False, description="refuse to start without LIENTHONG_PSEUDONYM_KEY (set it in every deployment)"
    )
    inbox_retention_days: float = Field(
        default=30, gt=0, description="days an inbox row is kept: longer than any topic a consumer reads keeps events"
    )
    outbox_retention_days: float = Field(default=7, gt=0, description="days a published outbox row is kept")
    idempotency_key_retention_days: float = Field(
        default=30, gt=0, description="days a stored answer to an Idempotency-Key is replayed before it is pruned"
    )
    retention_poll_seconds: float = Field(default=3600, gt=0, description="time between two retention passes")
    retention_batch: int = Field(default=500, ge=1, description="rows per retention statement (one transaction)")
    http_host: str = "127.0.0.1"
    http_port: int | None = Field(default=None, description="defaults to the service's own port")
    jwks_url: str | None = Field(default=None, description="JWKS endpoint of the staff identity provider.")
    jwks_file: Path | None = Field(
        default=None, description="The staff issuer's JWKS on disk, re-read when it changes."
    )
    jwt_issuer: str = Field(default="lienthong-local", min_length=1, description="`iss` of staff tokens.")
    jwt_audience: str = Field(default="lienthong", min_length=1, description="Required `aud` of every token.")
    jwt_leeway_seconds: float = Field(default=30.0, ge=0, le=300, description="Clock skew allowed on exp/nbf/iat.")
    jwt_max_lifetime_seconds: float = Field(
        default=3600.0, gt=0, description="A token whose exp - iat is longer is refused."
    )
    citizen_jwks_url: str | None = Field(default=None, description="JWKS endpoint of the national e-ID (VNeID).")
    citizen_jwks_file: Path | None = Field(default=None, description="The citizen issuer's JWKS on disk.")
    citizen_jwt_issuer: str = Field(default="vneid-local", min_length=1, description="`iss` of citizen tokens.")
    citizen_jwt_audience: str = Field(default="lienthong", min_length=1, description="Required `aud` of citizens'.")
    object_store_url: str = Field(
        default="http://127.0.0.1:19300", description="the S3-compatible object store keeping dossiers' documents"
    )
    object_store_region: str = Field(default="us-east-1", min_length=1)
    object_store_bucket: str = Field(default="lienthong-documents", min_length=3, max_length=63)
    object_store_access_key: str | None = Field(default=None, description="the service's S3 access key id")
    object_store_secret_key: SecretStr | None = Field(default=None, description="its secret access key")
    presigned_link_seconds: int = Field(
        default=300, ge=10, le=3600, description="how long a pre-signed download link stays valid"
    )
