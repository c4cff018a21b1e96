"""Parser of the municipal monthly report workbook `omsu_<OKTMO>_<YYYY-MM>.xlsx` (sources.md §3).

Decisions where the contract is silent:
- the figures are keyed by the OKTMO and month of the file name (the delivery key); an OKTMO or
  period in the sheet that disagrees is a *blocking* finding, because we cannot know which
  municipality or month the figures belong to;
- blank rows inside a table are not rows (neither records nor rejects, not in `rows_in`), and
  are reported as an info finding; rows after `Итого` are the form's footer, reported too;
- a row of column numbers (1, 2, 3, …) right under the header, usual in official forms, is
  part of the header;
- a broken «Информирование» header is a DeliveryError like a broken «Обращения» header: the
  form as a whole is malformed; a missing «Информирование» sheet is only a warning."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from egov.sources.inbox import InboxNameError
from egov.sources.omsu.applications import OmsuTotals, parse_applications
from egov.sources.omsu.campaign import empty_campaign, parse_campaign
from egov.sources.omsu.form import (
    APPLICATION_COLUMNS,
    APPLICATION_KEYS,
    APPLICATIONS_SHEET,
    CAMPAIGN_SHEET,
    OPTIONAL_APPLICATION_FIELDS,
    SOURCE,
)
from egov.sources.omsu.grid import Sheet, find_sheet, load_workbook
from egov.sources.omsu.header import require_header
from egov.sources.omsu.naming import parse_omsu_name
from egov.sources.omsu.title import check_title, read_title
from egov.sources.records import DeliveryError, Finding, FindingCollector, ParsedDelivery


@dataclass
class OmsuReport:
    """One municipal workbook: applications and campaign tables, title block and totals.

    Title-block findings (OKTMO or period in the sheet vs the name) live on `applications`,
    the sheet that carries the title block; they concern the whole workbook, so a blocking one
    blocks the campaign figures too. `findings` lists every finding of the workbook once.
    """

    file: str
    applications: ParsedDelivery
    campaign: ParsedDelivery
    municipality_name: str | None
    oktmo_in_sheet: str | None
    oktmo_in_name: str
    period_in_sheet: date | None
    period_in_name: date
    totals_row: OmsuTotals | None

    @property
    def findings(self) -> list[Finding]:
        """Applications (with the title block) and campaign findings together."""
        return [*self.applications.findings, *self.campaign.findings]

    @property
    def is_accounted(self) -> bool:
        """Every data row of both tables is a record or a reject."""
        return self.applications.is_accounted and self.campaign.is_accounted


def parse_omsu_workbook(content: bytes, name: str) -> OmsuReport:
    """Applications, campaign, title block and findings of one municipal workbook."""
    try:
        key = parse_omsu_name(name)
    except InboxNameError as exc:
        raise DeliveryError(SOURCE, name, f"cannot tell municipality and month: {exc}") from None
    workbook = load_workbook(content, name)
    applications_ws = find_sheet(workbook, APPLICATIONS_SHEET, name)
    if applications_ws is None:
        raise DeliveryError(
            SOURCE,
            name,
            f"sheet «{APPLICATIONS_SHEET}» not found (sheets: {', '.join(workbook.sheetnames)})",
        )
    sheet = Sheet(applications_ws, applications_ws.title, name)
    header = require_header(
        sheet, name, APPLICATION_COLUMNS, OPTIONAL_APPLICATION_FIELDS, APPLICATION_KEYS
    )
    title_findings = FindingCollector(SOURCE, name, "warning")
    title = read_title(sheet, header.first_row)
    check_title(title, key, title_findings)
    applications, totals = parse_applications(sheet, header, name, key)
    applications.findings[:0] = title_findings.items

    campaign_ws = find_sheet(workbook, CAMPAIGN_SHEET, name)
    if campaign_ws is None:
        campaign = ParsedDelivery(SOURCE, name, 0, empty_campaign())
        campaign.findings.append(
            Finding(
                SOURCE,
                name,
                "campaign_sheet_missing",
                f"sheet «{CAMPAIGN_SHEET}» not found (sheets: {', '.join(workbook.sheetnames)}); "
                "no campaign figures from this report",
                "warning",
            )
        )
    else:
        campaign = parse_campaign(Sheet(campaign_ws, campaign_ws.title, name), name)
    return OmsuReport(
        file=name,
        applications=applications,
        campaign=campaign,
        municipality_name=title.municipality,
        oktmo_in_sheet=title.oktmo,
        oktmo_in_name=key.oktmo,
        period_in_sheet=title.period,
        period_in_name=key.month,
        totals_row=totals,
    )
