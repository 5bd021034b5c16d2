"""Settings every service shares, read from ``LIENTHONG_*`` environment variables."""

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class CommonSettings(BaseSettings):
    """Where the broker and the database are, and how topics are named.

    ``topic_prefix`` lets several deployments (a province each, or one test run)
    share one Kafka cluster without seeing each other's events.
    """

    model_config = SettingsConfigDict(env_prefix="LIENTHONG_", extra="ignore")

    kafka_bootstrap_servers: str = "127.0.0.1:19092"
    topic_prefix: str = ""
    topic_partitions: int = Field(default=6, ge=1)
    topic_replication_factor: int = Field(default=1, ge=1)
    consumers_per_stream: int | None = Field(
        default=None,
        ge=1,
        description="consumers of each stream's group in one process, each on its own partitions (default: one per"
        " partition, so a slow dossier holds back only its partition); lower it when many instances share a group",
    )
    database_url: str = "postgresql://lienthong:lienthong@127.0.0.1:15432/lienthong"
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
    http_host: str = "127.0.0.1"
    http_port: int | None = Field(default=None, description="defaults to the service's own port")
