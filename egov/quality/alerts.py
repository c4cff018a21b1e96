"""Pipeline alerts: an ERROR log line and a Prefect event that automations turn into notices."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from prefect.events import emit_event
from prefect.exceptions import MissingContextError
from prefect.logging import get_run_logger
from prefect.logging.loggers import flow_run_logger
from pydantic import ValidationError
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from egov.settings import Settings, get_settings
from egov.sources.contract import IRKUTSK
from egov.sources.http import redact

AlertKind = Literal["overdue_source", "rejected_batch", "failed_flow_run"]
ALERT_KINDS: tuple[AlertKind, ...] = ("overdue_source", "rejected_batch", "failed_flow_run")

EVENT_PREFIX = "egov.alert."
"""Event names are egov.alert.<kind with dashes>; automations/egov-alerts.yaml matches them."""
PIPELINE_SOURCE = "pipeline"
"""Source of an alert that concerns no single source system (e.g. a failed reference load)."""
MAX_REASON_CHARS = 2000
"""Longer reasons are cut: an event has a size limit and a notice must stay readable."""

SOURCE_KEYS = ("epgu", "mfc", "omsu", "ekc")

fallback_log = logging.getLogger("egov.alerts")


@dataclass(frozen=True)
class Alert:
    """One alert: what happened (kind), for which source and period, and why."""

    kind: AlertKind
    source: str
    period: str
    reason: str

    @property
    def event_name(self) -> str:
        """The Prefect event name, e.g. egov.alert.rejected-batch."""
        return EVENT_PREFIX + self.kind.replace("_", "-")

    @property
    def message(self) -> str:
        """The one-line text of the alert: kind, source, period and reason."""
        return f"egov alert {self.kind}: source {self.source}, period {self.period}: {self.reason}"


def known_secrets(settings: Settings | None = None) -> list[str]:
    """Every secret value the settings hold (tokens, passwords, the warehouse URL and password)."""
    try:
        settings = settings or get_settings()
    except ValidationError:
        return []  # broken settings hold no secret we could know; the alert still goes out
    secrets = [
        settings.epgu_token.get_secret_value(),
        settings.ekc_user.get_secret_value(),
        settings.ekc_password.get_secret_value(),
    ]
    if settings.warehouse_url is not None:
        url = settings.warehouse_url.get_secret_value()
        secrets.append(url)
        try:
            password = make_url(url).password
        except ArgumentError:  # an unparsable URL is still redacted as a whole
            password = None
        if password:
            secrets.append(str(password))
    # Longest first, so a URL is replaced whole before the password inside it.
    return sorted((s for s in secrets if s), key=len, reverse=True)


def build_alert(
    kind: AlertKind,
    source: str,
    period: str,
    reason: str,
    *,
    secrets: list[str] | None = None,
) -> Alert:
    """A checked alert with every known secret removed from its texts."""
    if kind not in ALERT_KINDS:
        raise ValueError(f"unknown alert kind {kind!r}; expected one of {', '.join(ALERT_KINDS)}")
    if not source:
        raise ValueError("an alert needs a source")
    hidden = known_secrets() if secrets is None else secrets
    text = " ".join(redact(reason, hidden).split()) or "no reason given"
    if len(text) > MAX_REASON_CHARS:
        text = text[: MAX_REASON_CHARS - 3] + "..."
    return Alert(kind=kind, source=source, period=redact(period, hidden), reason=text)


def _run_logger() -> logging.Logger | logging.LoggerAdapter[logging.Logger]:
    try:
        return get_run_logger()
    except MissingContextError:
        return fallback_log


def emit_alert(
    kind: AlertKind,
    source: str,
    period: str,
    reason: str,
    *,
    details: dict[str, Any] | None = None,
    related: list[dict[str, str]] | None = None,
    logger: logging.Logger | logging.LoggerAdapter[Any] | None = None,
) -> Alert:
    """Log the alert at ERROR (run logger when in a run) and emit its Prefect event."""
    alert = build_alert(kind, source, period, reason)
    (logger or _run_logger()).error(alert.message)
    payload: dict[str, Any] = {
        "kind": alert.kind,
        "source": alert.source,
        "period": alert.period,
        "reason": alert.reason,
        "message": alert.message,
    }
    if details:
        # Details are our own figures (counts, codes), never source text: no redaction needed.
        payload["details"] = details
    emit_event(
        event=alert.event_name,
        resource={
            "prefect.resource.id": f"egov.source.{alert.source}",
            "prefect.resource.name": alert.source,
            "egov.alert.kind": alert.kind,
        },
        related=related,
        payload=payload,
    )
    return alert


def source_of_flow(flow_name: str) -> str:
    """The source key a flow name mentions (ingest-omsu-reports -> omsu), else 'pipeline'."""
    words = set(re.split(r"[-_ ]", flow_name.lower()))
    found = [key for key in SOURCE_KEYS if key in words]
    return found[0] if len(found) == 1 else PIPELINE_SOURCE


def on_flow_failure(flow: Any, flow_run: Any, state: Any) -> None:
    """Flow on_failure hook: a failed_flow_run alert naming the flow, the run and the error."""
    flow_name = str(getattr(flow, "name", "unknown flow"))
    run_name = str(getattr(flow_run, "name", "") or getattr(flow_run, "id", ""))
    started = getattr(flow_run, "start_time", None) or getattr(
        flow_run, "expected_start_time", None
    )
    period = (
        started.astimezone(IRKUTSK).strftime("%Y-%m-%d %H:%M")
        if isinstance(started, datetime) and started.tzinfo is not None
        else datetime.now(IRKUTSK).strftime("%Y-%m-%d %H:%M")
    )
    error = str(getattr(state, "message", "") or "no error message")
    related: list[dict[str, str]] = []
    run_id = getattr(flow_run, "id", None)
    if run_id is not None:
        related.append(
            {
                "prefect.resource.id": f"prefect.flow-run.{run_id}",
                "prefect.resource.role": "flow-run",
                "prefect.resource.name": run_name,
            }
        )
    try:
        logger: logging.Logger | logging.LoggerAdapter[Any] = flow_run_logger(flow_run, flow)
    except (ValueError, AttributeError):
        logger = fallback_log
    emit_alert(
        "failed_flow_run",
        source_of_flow(flow_name),
        period,
        f"flow {flow_name} (run {run_name}) failed: {error}",
        details={"flow": flow_name, "flow_run": run_name},
        related=related,
        logger=logger,
    )
