"""Security end to end: no configured secret reaches any output; bi_reader reads only the mart;
an inbox delivers only the plain files directly inside it.

One module-scoped run does the work every scan looks at. It configures distinctive secrets
made up for this run (ЕПГУ token, ЕКЦ user and password, and a warehouse login role whose
password is in EGOV_WAREHOUSE_URL), serves a small simulated world that accepts only those, and
runs:

1. the real `backfill` flow in this process (2024-01..2024-02, heavy defects, so some batches
   fail expectations and the Data Docs site has pages), with odd entries planted in the МФЦ and
   ОМСУ inboxes (symlinks out of the inbox, a subfolder, `..` and path-like names);
2. the `pipeline` flow in this process with a wrong ЕПГУ token and a wrong ЕКЦ user and
   password, against servers that echo the rejected credentials in their 401 answers (as a
   careless proxy would): the failure path where a secret is most likely to reach a message;
3. `python -m cli.main --debug run` in a child process with the same wrong secrets (tracebacks
   and Prefect's console logs on), its output captured.

Then it reads back what they left: every log, state message, flow-run parameter, artifact and
event on the Prefect server since the run began (and the server's database file), every file of
the Data Docs site, the raw store (decompressed) and the data folder, every row of every table
and view of every non-system schema of the warehouse, and the child's output and Prefect home.
Each corpus must be non-empty (so the scan can fail) and hold none of the secrets, searched as
their random core (which survives URL, HTML and JSON escaping) and as Basic-auth base64.
"""

from __future__ import annotations

import base64
import gzip
import html
import json
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus
from uuid import UUID

import psycopg2
import psycopg2.errors
import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import (
    ArtifactFilter,
    ArtifactFilterFlowRunId,
    FlowRunFilter,
    FlowRunFilterExpectedStartTime,
    LogFilter,
    LogFilterTimestamp,
)
from prefect.events.filters import EventFilter, EventOccurredFilter
from prefect.events.worker import EventsWorker
from prefect.logging.handlers import APILogWorker
from prefect.settings import PREFECT_API_URL, PREFECT_SERVER_DATABASE_CONNECTION_URL
from psycopg2 import sql as pgsql
from psycopg2.extensions import connection as PgConnection
from sqlalchemy.engine import make_url

from egov.loading.backfill import RunReport
from egov.paths import PROJECT_ROOT
from egov.simulator import EkcStore, EpguStore, SimClock, SimulatorServers, generate_world
from egov.simulator import servers as simulator
from egov.sources.landing import DeliveryOutcome
from egov.sources.mfc.naming import parse_mfc_name
from egov.sources.omsu.naming import parse_omsu_name
from flows.pipeline import backfill, pipeline
from tests.integration.helpers import egov_settings, scratch_database
from tests.integration.loading.test_backfill import (
    AS_OF,
    EPGU_START,
    FIRST,
    LAST,
    TODAY,
    Warehouse,
    flow_report,
    make_warehouse,
)

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("prefect_harness")]

SCALE = 0.005
SEED = 20240310
CHILD_TIMEOUT_SEC = 300
EVENTS_TIMEOUT_SEC = 60.0
"""How long the Prefect server may take to persist the run's events (it writes in batches)."""
PAGE = 200
"""Rows per Prefect API read (the server's default upper limit)."""
EVENTS_PAGE = 50
"""Events per read (the events endpoint's upper limit)."""
WINDOW, WINDOW_STEP = 16, 4
"""Length and spacing of the pieces of a secret's core searched for."""


# --- secrets -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Secret:
    """A configured secret: its value and the random core every printed form of it keeps."""

    label: str
    value: str
    core: str


def _secret(label: str, prefix: str, suffix: str = "") -> Secret:
    core = uuid.uuid4().hex
    return Secret(label, f"{prefix}{core}{suffix}", core)


@dataclass(frozen=True)
class Secrets:
    """The run's secrets: the right ones, the wrong ones of the failing runs, the DB password."""

    epgu_token: Secret = field(default_factory=lambda: _secret("ЕПГУ token", "tok-"))
    ekc_user: Secret = field(default_factory=lambda: _secret("ЕКЦ user", "usr-"))
    # Characters a URL, a header or a %-format would have to escape.
    ekc_password: Secret = field(default_factory=lambda: _secret("ЕКЦ password", "pw-", ":@/% +"))
    wrong_epgu_token: Secret = field(default_factory=lambda: _secret("wrong ЕПГУ token", "tok-"))
    wrong_ekc_user: Secret = field(default_factory=lambda: _secret("wrong ЕКЦ user", "usr-"))
    wrong_ekc_password: Secret = field(
        default_factory=lambda: _secret("wrong ЕКЦ password", "pw-", "#&?")
    )
    warehouse_password: Secret = field(
        default_factory=lambda: _secret("warehouse password", "db-", "@:/%")
    )

    def all(self) -> list[Secret]:
        return [
            self.epgu_token,
            self.ekc_user,
            self.ekc_password,
            self.wrong_epgu_token,
            self.wrong_ekc_user,
            self.wrong_ekc_password,
            self.warehouse_password,
        ]

    def needles(self) -> list[tuple[str, bytes]]:
        """(what, bytes whose presence in a corpus is a leak).

        Any 19 characters in a row of a secret's random core contain one of its 16-character
        windows: a secret cut short (a message truncated mid-secret) is found too.
        """
        found = [
            (s.label, s.core[start : start + WINDOW].encode())
            for s in self.all()
            for start in range(0, len(s.core) - WINDOW + 1, WINDOW_STEP)
        ]
        for user, password in (
            (self.ekc_user, self.ekc_password),
            (self.wrong_ekc_user, self.wrong_ekc_password),
        ):
            # What the Authorization header of a Basic request carries.
            pair = f"{user.value}:{password.value}".encode()
            found.append((f"{user.label}:{password.label} as Basic base64", base64.b64encode(pair)))
        found += [(f"{s.label} as base64", base64.b64encode(s.value.encode())) for s in self.all()]
        return found


def leaks(secrets: Secrets, corpus: bytes | str) -> list[str]:
    """Labels of the secrets found in a corpus, each once (empty: none)."""
    data = corpus.encode("utf-8", "surrogateescape") if isinstance(corpus, str) else corpus
    return list(dict.fromkeys(label for label, needle in secrets.needles() if needle in data))


# --- the run -----------------------------------------------------------------------------


@dataclass
class SecuredRun:
    """What the module's run left, as text/bytes per corpus, and the facts the tests check."""

    secrets: Secrets
    world: Path
    warehouse: Warehouse
    admin_url: str
    run_url: str
    outside: Path
    canary: str
    odd_entries: dict[str, dict[str, str]]
    backfill_report: RunReport
    failing_message: str
    failing_report: RunReport | None
    child_returncode: int
    child_output: str
    flow_runs: list[Any]
    alerts: list[str]
    corpora: dict[str, bytes]
    facts: dict[str, Any]


def _random_name(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex[:10]}"


@contextmanager
def login_role(admin_url: str, password: str) -> Iterator[str]:
    """A new login role with `password` that acts with the admin's privileges; its name.

    Member of the admin role (so it may load what the admin migrated) but not a superuser. The
    embedded server trusts local connections, so the password is not checked there; it is still
    configured, so it must not leak.
    """
    admin = make_url(admin_url)
    role = _random_name("egov_loader_")
    conn = psycopg2.connect(admin_url)
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            cur.execute(
                pgsql.SQL("CREATE ROLE {} LOGIN PASSWORD %s IN ROLE {}").format(
                    pgsql.Identifier(role), pgsql.Identifier(str(admin.username))
                ),
                (password,),
            )
        yield role
    finally:
        with conn.cursor() as cur:
            cur.execute(pgsql.SQL("DROP ROLE IF EXISTS {}").format(pgsql.Identifier(role)))
        conn.close()


@contextmanager
def echoing_credentials() -> Iterator[None]:
    """Make both simulators quote the rejected Authorization header (and its decoding) in 401s."""

    def echo(app: type[Any]) -> Callable[..., Any]:
        original = app.handle

        def handle(self: Any, path: str, query: Any, headers: Any) -> Any:
            response = original(self, path, query, headers)
            if response.status != 401:
                return response
            presented = str(headers.get("Authorization") or "")
            scheme, _, value = presented.partition(" ")
            decoded = base64.b64decode(value).decode() if scheme == "Basic" else value
            text = f"rejected {presented} (decoded: {decoded})"
            return simulator._json_response(401, {"error": text})

        return handle

    with pytest.MonkeyPatch.context() as patch:
        for app in (simulator.EpguApp, simulator.EkcApp):
            patch.setattr(app, "handle", echo(app))
        yield


def run_env(
    warehouse: Warehouse, servers: SimulatorServers, run_url: str, folder: Path
) -> dict[str, str]:
    return {
        "EGOV_WAREHOUSE_URL": run_url,
        "EGOV_DATA_DIR": str(folder / "data"),
        "EGOV_WORLD_DIR": str(warehouse.world),
        "EGOV_RAW_DIR": str(warehouse.raw),
        "EGOV_DATA_DOCS_DIR": str(warehouse.data_docs),
        "EGOV_EPGU_URL": servers.epgu_url,
        "EGOV_EKC_URL": servers.ekc_url,
        "EGOV_EPGU_START_AT": EPGU_START.isoformat(),
        "EGOV_EKC_START_DAY": EPGU_START.date().isoformat(),
        # One attempt: a 401 is never retried anyway, and nothing else should fail here.
        "EGOV_HTTP_MAX_ATTEMPTS": "1",
    }


def credentials_env(token: Secret, user: Secret, password: Secret) -> dict[str, str]:
    return {
        "EGOV_EPGU_TOKEN": token.value,
        "EGOV_EKC_USER": user.value,
        "EGOV_EKC_PASSWORD": password.value,
    }


ODD_NAMES = {
    # A name each source would accept, for a month the world has no file of: only being a
    # link, or sitting in a subfolder, keeps it out.
    "mfc": ("mfc_20240301.csv", "mfc_20240302.csv"),
    "omsu": ("omsu_25701000_2024-03.xlsx", "omsu_25703000_2024-03.xlsx"),
}


def plant_odd_entries(inbox: Path, outside: Path, canary: str) -> dict[str, dict[str, str]]:
    """Entries an inbox must not deliver, per source: {name: the reason expected for it}.

    Every one of them holds (or points at) the canary text, so reading any of them would put
    the canary into the raw store.
    """
    outside.mkdir()
    outside_file = outside / "outside.csv"
    outside_file.write_text(f"not a delivery: {canary}\n", encoding="utf-8")
    content = f"{canary}\n".encode()
    planted: dict[str, dict[str, str]] = {}
    for source, (file_link, folder_link) in ODD_NAMES.items():
        folder = inbox / source
        (folder / file_link).symlink_to(outside_file)
        (folder / folder_link).symlink_to(outside)
        (folder / "nested").mkdir()
        (folder / "nested" / file_link).write_bytes(content)
        expected = {
            file_link: "symbolic link (not followed)",
            folder_link: "symbolic link (not followed)",
            "nested": "subfolder (not scanned)",
        }
        # Names that would climb out of the folder if joined carelessly (no '/' can occur in a
        # file name on POSIX; a backslash can, and is a separator elsewhere).
        for name in (f"..{file_link}", f"{file_link}.."):
            (folder / name).write_bytes(content)
            expected[name] = "does not match"
        for name in (f"..\\..\\{file_link}", "\\etc\\passwd"):
            (folder / name).write_bytes(content)
            expected[name] = "is not a plain file name"
        planted[source] = expected
    return planted


def flush_prefect_clients() -> None:
    """Send this process's queued logs and events to the server now."""
    APILogWorker.drain_all(timeout=30)
    EventsWorker.drain_all(timeout=30)


def run_child(env: dict[str, str], folder: Path) -> subprocess.CompletedProcess[str]:
    """`egov --debug run` (ЕПГУ and ЕКЦ since their marks) in a clean child environment."""
    child = {k: v for k, v in os.environ.items() if not k.startswith(("EGOV_", "PREFECT_"))}
    child.update(env)
    child.update(
        PREFECT_HOME=str(folder / "prefect-home"),
        PREFECT_API_URL=str(PREFECT_API_URL.value()),
    )
    command = [
        *(sys.executable, "-m", "cli.main", "--debug", "run", "--source", "epgu"),
        *("--source", "ekc", "--until", AS_OF.strftime("%Y-%m-%dT%H:%M:%S%z")),
        *("--today", TODAY.isoformat()),
    ]
    return subprocess.run(
        command,
        env=child,
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=CHILD_TIMEOUT_SEC,
        check=False,
    )


# --- reading back what the run left ------------------------------------------------------


def _read_all(read: Callable[[int], list[Any]]) -> list[Any]:
    """Every row of a paged Prefect read (`read(offset)`)."""
    rows: list[Any] = []
    while True:
        page = read(len(rows))
        rows += page
        if len(page) < PAGE:
            return rows


def _dump(items: list[Any]) -> bytes:
    return "\n".join(item.model_dump_json() for item in items).encode()


def _events(client: Any, since: datetime) -> list[Any]:
    events: list[Any] = []
    page = client.read_events(
        filter=EventFilter(occurred=EventOccurredFilter(since=since)), limit=EVENTS_PAGE
    )
    events += page.events
    while page.next_page is not None:
        page = client.read_events_page(page.next_page)
        events += page.events
    return events


def prefect_corpora(
    started: datetime, expected_alerts: int
) -> tuple[list[Any], list[Any], dict[str, bytes]]:
    """The run's flow runs and events, and what the Prefect server holds since `started`."""
    with get_client(sync_client=True) as client:
        since = FlowRunFilter(expected_start_time=FlowRunFilterExpectedStartTime(after_=started))
        flow_runs = _read_all(
            lambda o: client.read_flow_runs(flow_run_filter=since, limit=PAGE, offset=o)
        )
        ids: list[UUID] = [r.id for r in flow_runs]
        of_runs = FlowRunFilter(id={"any_": ids})
        task_runs = _read_all(
            lambda o: client.read_task_runs(flow_run_filter=of_runs, limit=PAGE, offset=o)
        )
        states = [s for r in flow_runs for s in client.read_flow_run_states(r.id)]
        states += [s for t in task_runs for s in client.read_task_run_states(t.id)]
        logs = _read_all(
            lambda o: client.read_logs(
                LogFilter(timestamp=LogFilterTimestamp(after_=started)), limit=PAGE, offset=o
            )
        )
        artifacts = _read_all(
            lambda o: client.read_artifacts(
                artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=ids)),
                limit=PAGE,
                offset=o,
            )
        )
        # The server persists events in batches: wait until the run's alerts are there.
        deadline = time.monotonic() + EVENTS_TIMEOUT_SEC
        events = _events(client, started)
        while (
            sum(e.event == "egov.alert.failed-flow-run" for e in events) < expected_alerts
            and time.monotonic() < deadline
        ):
            time.sleep(1.0)
            events = _events(client, started)
    database = make_url(str(PREFECT_SERVER_DATABASE_CONNECTION_URL.value())).database
    server_files = [Path(str(database) + suffix) for suffix in ("", "-wal", "-journal")]
    return (
        flow_runs,
        events,
        {
            "prefect flow runs (parameters, state messages)": _dump(flow_runs),
            "prefect flow-run parameters": json.dumps(
                [r.parameters for r in flow_runs], default=str
            ).encode(),
            "prefect task runs": _dump(task_runs),
            "prefect states (every transition's message)": _dump(states),
            "prefect logs": _dump(logs),
            "prefect artifacts": _dump(artifacts),
            "prefect events": _dump(events),
            "prefect server database file": b"".join(
                p.read_bytes() for p in server_files if p.exists()
            ),
        },
    )


def files_corpus(*folders: Path) -> bytes:
    """Every file under the folders, gzip members decompressed (the raw store's blobs)."""
    chunks: list[bytes] = []
    for folder in folders:
        for path in sorted(folder.rglob("*")):
            if path.is_symlink() or not path.is_file():
                continue
            data = path.read_bytes()
            chunks.append(str(path).encode())
            chunks.append(gzip.decompress(data) if path.suffix == ".gz" else data)
    return b"\n".join(chunks)


def warehouse_corpus(admin_url: str) -> tuple[bytes, list[str]]:
    """Every row (as text) of every table and view outside the system schemas; the relations."""
    conn = psycopg2.connect(admin_url)
    try:
        with conn.cursor() as cur:
            cur.execute(
                "SELECT n.nspname, c.relname FROM pg_class AS c "
                "JOIN pg_namespace AS n ON n.oid = c.relnamespace "
                "WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f') "
                "AND n.nspname NOT IN ('pg_catalog', 'information_schema') "
                "AND n.nspname NOT LIKE 'pg\\_%' ORDER BY 1, 2"
            )
            relations = [(str(s), str(t)) for s, t in cur.fetchall()]
            rows: list[str] = []
            for schema, table in relations:
                cur.execute(
                    pgsql.SQL("SELECT t::text FROM {}.{} AS t").format(
                        pgsql.Identifier(schema), pgsql.Identifier(table)
                    )
                )
                rows += [f"{schema}.{table}: {r[0]}" for r in cur.fetchall()]
    finally:
        conn.close()
    return "\n".join(rows).encode(), [f"{s}.{t}" for s, t in relations]


def warehouse_facts(admin_url: str) -> dict[str, Any]:
    """What the backfill loaded: batches by status, landed inbox files per source."""
    conn = psycopg2.connect(admin_url)
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT status, count(*) FROM audit.load_batches GROUP BY status")
            statuses = dict(cur.fetchall())
            cur.execute(
                "SELECT source, delivery_key FROM raw.deliveries WHERE source IN ('mfc', 'omsu')"
            )
            landed: dict[str, set[str]] = {"mfc": set(), "omsu": set()}
            for source, key in cur.fetchall():
                landed[source].add(key)
    finally:
        conn.close()
    return {"batches": statuses, "landed": landed}


@pytest.fixture(scope="module")
def secured(
    postgres_server_url: str, prefect_harness: None, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[SecuredRun]:
    secrets = Secrets()
    root = tmp_path_factory.mktemp("security")
    world = root / "world"
    # Heavy defects at this tiny scale: some batches fail expectations, so Data Docs has pages.
    generate_world(world, FIRST, LAST, scale=SCALE, seed=SEED, defects="heavy")
    canary = f"outside-the-inbox-{uuid.uuid4().hex}"
    started = datetime.now(UTC)
    with (
        scratch_database(postgres_server_url) as admin_url,
        login_role(admin_url, secrets.warehouse_password.value) as role,
        echoing_credentials(),
        SimulatorServers(
            EpguStore.load(world),
            EkcStore.load(world),
            clock=SimClock(as_of=AS_OF),
            token=secrets.epgu_token.value,
            ekc_user=secrets.ekc_user.value,
            ekc_password=secrets.ekc_password.value,
        ) as servers,
    ):
        run_url = (
            make_url(admin_url)
            .set(username=role, password=secrets.warehouse_password.value)
            .render_as_string(hide_password=False)
        )
        run = root / "run"
        warehouse = make_warehouse(admin_url, world, run)
        odd = plant_odd_entries(warehouse.world / "inbox", root / "outside", canary)
        env = run_env(warehouse, servers, run_url, run)
        right = credentials_env(secrets.epgu_token, secrets.ekc_user, secrets.ekc_password)
        wrong = credentials_env(
            secrets.wrong_epgu_token, secrets.wrong_ekc_user, secrets.wrong_ekc_password
        )

        with egov_settings(env | right):
            report = flow_report(
                backfill(
                    from_month=FIRST, to_month=LAST, until=AS_OF, today=TODAY, return_state=True
                )
            )
        with egov_settings(env | wrong):
            failing = pipeline(sources=["epgu", "ekc"], until=AS_OF, today=TODAY, return_state=True)
        child = run_child(env | wrong, run)
        flush_prefect_clients()

        # One failed_flow_run alert each from the in-process and the child pipeline run.
        flow_runs, events, corpora = prefect_corpora(started, expected_alerts=2)
        rows, relations = warehouse_corpus(admin_url)
        corpora["warehouse rows"] = rows
        corpora["warehouse relation names"] = "\n".join(relations).encode()
        corpora["data docs site"] = files_corpus(warehouse.data_docs)
        corpora["raw store (decompressed)"] = files_corpus(warehouse.raw)
        # The data folder, raw store, Data Docs, the inbox copy and the child's Prefect home.
        corpora["every file under the run's folder"] = files_corpus(run)
        corpora["child output"] = (child.stdout + child.stderr).encode()
        failing_report = failing.result(raise_on_failure=False)
        yield SecuredRun(
            secrets=secrets,
            world=world,
            warehouse=warehouse,
            admin_url=admin_url,
            run_url=run_url,
            outside=root / "outside",
            canary=canary,
            odd_entries=odd,
            backfill_report=report,
            failing_message=str(failing.message),
            failing_report=failing_report if isinstance(failing_report, RunReport) else None,
            child_returncode=child.returncode,
            child_output=child.stdout + child.stderr,
            flow_runs=flow_runs,
            alerts=[e.event for e in events if e.event.startswith("egov.alert.")],
            corpora=corpora,
            facts=warehouse_facts(admin_url),
        )


# --- 1. secrets --------------------------------------------------------------------------

CORPORA = [
    "prefect flow runs (parameters, state messages)",
    "prefect flow-run parameters",
    "prefect task runs",
    "prefect states (every transition's message)",
    "prefect logs",
    "prefect artifacts",
    "prefect events",
    "prefect server database file",
    "warehouse rows",
    "warehouse relation names",
    "data docs site",
    "raw store (decompressed)",
    "every file under the run's folder",
    "child output",
]


def test_the_runs_did_the_work_the_scans_look_at(secured: SecuredRun) -> None:
    """The backfill loaded, rejected and built Data Docs; the failing runs hit 401s and alerted."""
    chunks = secured.backfill_report.chunks
    assert chunks and [c for c in chunks if c.status == "failed"] == []
    # Rejected batches: failed expectations in the warehouse, rejected-batch alerts, Data Docs.
    assert secured.facts["batches"].get("loaded", 0) > 0
    assert secured.facts["batches"].get("rejected", 0) > 0
    assert "egov.alert.rejected-batch" in secured.alerts
    assert list(secured.warehouse.data_docs.rglob("*.html")), "no Data Docs page was built"
    assert secured.failing_report is not None, secured.failing_message
    failed = {c.source: str(c.error) for c in secured.failing_report.chunks}
    assert set(failed) == {"epgu", "ekc"}
    assert "HTTP 401" in failed["epgu"] and "check EGOV_EPGU_TOKEN" in failed["epgu"]
    assert "HTTP 401" in failed["ekc"] and "check EGOV_EKC_USER" in failed["ekc"]
    # The servers did quote the credentials they rejected; the connectors scrubbed them.
    assert "rejected *** (decoded: ***)" in failed["epgu"]
    assert "rejected *** (decoded: ***:***)" in failed["ekc"]
    assert "2 chunk(s) failed" in secured.failing_message
    assert secured.child_returncode != 0
    assert "HTTP 401" in secured.child_output
    # The backfill, the two pipelines, and the snapshot subflow of the backfill.
    assert len(secured.flow_runs) >= 4
    assert secured.alerts.count("egov.alert.failed-flow-run") >= 2, secured.alerts


@pytest.mark.parametrize("corpus", CORPORA)
def test_no_configured_secret_reaches_any_output(secured: SecuredRun, corpus: str) -> None:
    data = secured.corpora[corpus]
    assert len(data) > 0, f"{corpus} is empty: the scan could not find anything"
    assert leaks(secured.secrets, data) == []


def test_the_scan_finds_a_secret_in_any_printed_form(secured: SecuredRun) -> None:
    """URL-, JSON- and HTML-escaped, cut short, or as Basic auth: a clean scan means something."""
    secrets = secured.secrets
    password = secrets.ekc_password.value
    forms = [
        password,
        quote(password, safe=""),
        quote_plus(password),
        json.dumps(password),
        html.escape(password),
        password[:22] + "...",
    ]
    for form in forms:
        assert leaks(secrets, f"x {form} y") == ["ЕКЦ password"], form
    basic = base64.b64encode(f"{secrets.ekc_user.value}:{password}".encode()).decode()
    assert "ЕКЦ user:ЕКЦ password as Basic base64" in leaks(secrets, f"Basic {basic}")
    assert leaks(secrets, secured.run_url) == ["warehouse password"]


# --- 2. inbox folders --------------------------------------------------------------------


def _delivery_names(folder: Path, parse: Callable[[str], object]) -> set[str]:
    names = set()
    for path in folder.iterdir():
        try:
            parse(path.name)
        except ValueError:
            continue
        names.add(path.name)
    return names


@pytest.mark.parametrize("source", ["mfc", "omsu"])
def test_every_odd_inbox_entry_is_reported_with_its_reason_in_every_chunk(
    secured: SecuredRun, source: str
) -> None:
    chunks = [c for c in secured.backfill_report.chunks if c.source == source]
    assert [c.month for c in chunks] == [FIRST, LAST]
    for chunk in chunks:
        ignored = {
            d.delivery_key: str(d.error)
            for d in chunk.deliveries
            if isinstance(d, DeliveryOutcome) and d.status == "ignored"
        }
        for name, reason in secured.odd_entries[source].items():
            assert name in ignored, f"{name} was skipped without a word"
            assert reason in ignored[name]


@pytest.mark.parametrize("source", ["mfc", "omsu"])
def test_only_the_plain_files_directly_in_the_inbox_are_landed(
    secured: SecuredRun, source: str
) -> None:
    parse = parse_mfc_name if source == "mfc" else parse_omsu_name
    # The generated world's inbox, before anything was planted in the run's copy of it.
    delivered = _delivery_names(secured.world / "inbox" / source, parse)
    assert delivered and secured.facts["landed"][source] == delivered
    assert not set(secured.odd_entries[source]) & secured.facts["landed"][source]


def test_nothing_outside_the_inbox_was_read_or_touched(secured: SecuredRun) -> None:
    """Every odd entry holds (or points at) the canary: reading one would have landed it."""
    canary = secured.canary.encode()
    for corpus in ("raw store (decompressed)", "warehouse rows", "prefect server database file"):
        assert canary not in secured.corpora[corpus], corpus
    outside = secured.outside / "outside.csv"
    assert outside.read_text(encoding="utf-8") == f"not a delivery: {secured.canary}\n"
    assert sorted(p.name for p in secured.outside.iterdir()) == ["outside.csv"]


# --- 3. bi_reader ------------------------------------------------------------------------
# tests/integration/warehouse/test_bi_reader.py checks bi_reader through SET ROLE: it reads
# every mart view, cannot read raw/audit/core, cannot INSERT/UPDATE/DELETE through a mart view,
# cannot CREATE in mart or public, cannot call audit functions. These add what a BI login
# granted bi_reader could still try: every privilege in the catalogue, the server's files and
# programs, other roles, and TRUNCATE.

REFUSED_TO_A_BI_LOGIN = [
    "COPY (SELECT 1) TO PROGRAM 'true'",
    "COPY mart.load_batches TO '/tmp/bi_probe.csv'",
    "COPY mart.load_batches FROM '/etc/hostname'",
    "SELECT pg_read_file('PG_VERSION')",
    "SELECT pg_read_binary_file('PG_VERSION')",
    "SELECT pg_ls_dir('.')",
    "SELECT lo_import('/etc/hostname')",
    "TRUNCATE audit.load_batches",
    "CREATE FUNCTION mart.bi_probe() RETURNS int LANGUAGE sql AS 'SELECT 1'",
]


@dataclass(frozen=True)
class BiLogin:
    """A login role granted bi_reader, as a BI tool would connect."""

    role: str
    url: str
    admin_url: str


@pytest.fixture(scope="module")
def bi_login(secured: SecuredRun) -> Iterator[BiLogin]:
    """A login member of bi_reader on the run's warehouse (after a real load, every mart full)."""
    role = _random_name("bi_probe_")
    password = uuid.uuid4().hex
    admin = psycopg2.connect(secured.admin_url)
    admin.autocommit = True
    try:
        with admin.cursor() as cur:
            cur.execute(
                pgsql.SQL("CREATE ROLE {} LOGIN PASSWORD %s IN ROLE bi_reader").format(
                    pgsql.Identifier(role)
                ),
                (password,),
            )
        url = make_url(secured.admin_url).set(username=role, password=password)
        yield BiLogin(role, url.render_as_string(hide_password=False), secured.admin_url)
    finally:
        with admin.cursor() as cur:
            cur.execute(pgsql.SQL("DROP ROLE IF EXISTS {}").format(pgsql.Identifier(role)))
        admin.close()


@pytest.fixture
def as_bi_login(bi_login: BiLogin) -> Iterator[PgConnection]:
    conn = psycopg2.connect(bi_login.url)
    try:
        yield conn
    finally:
        conn.rollback()
        conn.close()


def _refused(conn: PgConnection, statement: str | pgsql.Composable) -> psycopg2.Error:
    """The error a statement fails with, in a savepoint so the next probe can run."""
    with conn.cursor() as cur:
        cur.execute("SAVEPOINT probe")
        try:
            cur.execute(statement)
        except psycopg2.Error as exc:
            cur.execute("ROLLBACK TO SAVEPOINT probe")
            return exc
    raise AssertionError(f"bi_reader was allowed: {statement}")


def _admin_rows(url: str, statement: str, *params: Any) -> list[tuple[Any, ...]]:
    conn = psycopg2.connect(url)
    try:
        with conn.cursor() as cur:
            cur.execute(statement, params)
            return list(cur.fetchall())
    finally:
        conn.close()


def test_a_bi_login_holds_select_on_the_mart_and_no_other_privilege(bi_login: BiLogin) -> None:
    """Every relation, sequence and schema of the warehouse, as the catalogue grants them."""
    granted = _admin_rows(
        bi_login.admin_url,
        "SELECT n.nspname, c.relname, p.privilege FROM pg_class AS c "
        "JOIN pg_namespace AS n ON n.oid = c.relnamespace "
        "CROSS JOIN unnest(ARRAY['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE', "
        "'REFERENCES', 'TRIGGER']) AS p (privilege) "
        "WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f') "
        "AND n.nspname NOT IN ('pg_catalog', 'information_schema') "
        "AND n.nspname NOT LIKE 'pg\\_%%' AND has_table_privilege(%s, c.oid, p.privilege)",
        bi_login.role,
    )
    mart = _admin_rows(
        bi_login.admin_url,
        "SELECT c.relname FROM pg_class AS c JOIN pg_namespace AS n ON n.oid = c.relnamespace "
        "WHERE n.nspname = 'mart' AND c.relkind IN ('r', 'p', 'v', 'm', 'f')",
    )
    assert sorted(granted) == sorted(("mart", name, "SELECT") for (name,) in mart)
    sequences = _admin_rows(
        bi_login.admin_url,
        "SELECT c.oid::regclass::text FROM pg_class AS c "
        "JOIN pg_namespace AS n ON n.oid = c.relnamespace WHERE c.relkind = 'S' "
        "AND (has_sequence_privilege(%s, c.oid, 'USAGE') "
        "OR has_sequence_privilege(%s, c.oid, 'UPDATE'))",
        bi_login.role,
        bi_login.role,
    )
    assert sequences == []
    schemas = _admin_rows(
        bi_login.admin_url,
        "SELECT nspname, has_schema_privilege(%s, oid, 'USAGE'), "
        "has_schema_privilege(%s, oid, 'CREATE') FROM pg_namespace "
        "WHERE nspname NOT IN ('pg_catalog', 'information_schema') "
        "AND nspname NOT LIKE 'pg\\_%%'",
        bi_login.role,
        bi_login.role,
    )
    assert [s for s, _, create in schemas if create] == []
    # public stays usable by everyone (PostgreSQL's default) but holds nothing bi_reader reads.
    assert {s for s, usage, _ in schemas if usage} <= {"mart", "public"}
    [(create_db,)] = _admin_rows(
        bi_login.admin_url,
        "SELECT has_database_privilege(%s, current_database(), 'CREATE')",
        bi_login.role,
    )
    assert not create_db


def test_a_bi_login_belongs_to_bi_reader_alone_and_bi_reader_to_no_powerful_role(
    bi_login: BiLogin,
) -> None:
    """No predefined role (pg_read_server_files, pg_execute_server_program, pg_write_all_data…)
    and no attribute that bypasses privileges."""
    member_of = _admin_rows(
        bi_login.admin_url,
        "SELECT r.rolname FROM pg_roles AS r "
        "WHERE pg_has_role(%s, r.oid, 'MEMBER') AND r.rolname <> %s",
        bi_login.role,
        bi_login.role,
    )
    assert member_of == [("bi_reader",)]
    [attributes] = _admin_rows(
        bi_login.admin_url,
        "SELECT rolsuper, rolcreaterole, rolcreatedb, rolreplication, rolbypassrls "
        "FROM pg_roles WHERE rolname = 'bi_reader'",
    )
    assert attributes == (False, False, False, False, False)


def test_reachable_functions_never_run_with_their_owner_s_privileges(bi_login: BiLogin) -> None:
    """A SECURITY DEFINER function bi_reader may call could write on its behalf."""
    definers = _admin_rows(
        bi_login.admin_url,
        "SELECT p.oid::regprocedure::text FROM pg_proc AS p "
        "JOIN pg_namespace AS n ON n.oid = p.pronamespace "
        "WHERE p.prosecdef AND n.nspname NOT IN ('pg_catalog', 'information_schema') "
        "AND has_schema_privilege(%s, n.oid, 'USAGE') "
        "AND has_function_privilege(%s, p.oid, 'EXECUTE')",
        bi_login.role,
        bi_login.role,
    )
    assert definers == []


@pytest.mark.parametrize("statement", REFUSED_TO_A_BI_LOGIN)
def test_a_bi_login_reaches_no_server_file_or_program_and_writes_nothing(
    as_bi_login: PgConnection, statement: str
) -> None:
    error = _refused(as_bi_login, statement)
    assert isinstance(error, psycopg2.errors.InsufficientPrivilege), error


def test_a_bi_login_cannot_become_another_role_change_settings_or_truncate_a_view(
    as_bi_login: PgConnection, bi_login: BiLogin
) -> None:
    admin = pgsql.Identifier(str(make_url(bi_login.admin_url).username))
    for statement in ("SET ROLE {}", "SET SESSION AUTHORIZATION {}"):
        error = _refused(as_bi_login, pgsql.SQL(statement).format(admin))
        assert isinstance(error, psycopg2.errors.InsufficientPrivilege), statement
    outside_a_transaction = psycopg2.connect(bi_login.url)
    try:
        outside_a_transaction.autocommit = True
        with (
            outside_a_transaction.cursor() as cur,
            pytest.raises(psycopg2.errors.InsufficientPrivilege),
        ):
            cur.execute("ALTER SYSTEM SET work_mem = '1MB'")
    finally:
        outside_a_transaction.close()
    with as_bi_login.cursor() as cur:
        # RESET ROLE goes back to the login itself: nothing more to gain than bi_reader's.
        cur.execute("RESET ROLE")
        cur.execute("SELECT current_user, count(*) FROM mart.load_batches")
        user, rows = cur.fetchone() or (None, 0)
    assert user == bi_login.role and rows > 0
    _refused(as_bi_login, "TRUNCATE mart.load_batches")  # a view: refused one way or another
    _refused(as_bi_login, "DELETE FROM mart.load_batches")
    with as_bi_login.cursor() as cur:
        cur.execute("SELECT count(*) FROM mart.load_batches")
        assert cur.fetchone() == (rows,)
