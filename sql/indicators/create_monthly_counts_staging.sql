-- The month's application counts as the facts say now, into a temporary staging table that
-- the merge compares with core.agg_application_monthly. Grain: municipality x МСЗУ service.
-- Excluded statuses are bind parameters (egov/indicators/methodology.py), never literals here.
-- Which applications count as online without a visit (n_online, I1's numerator) is read from
-- the channel taxonomy core.dim_channel: the one place that decides it.
CREATE TEMPORARY TABLE monthly_counts_staging ON COMMIT DROP AS
WITH online_channel AS (
    -- Each fact's channel and whether the taxonomy counts it as online without a visit (a
    -- channel missing from the taxonomy counts as not online). An ЕПГУ application needs no
    -- visit besides (the `epgu` channel's note); МФЦ and ОМСУ channels only need the flag.
    SELECT
        coalesce(bool_or(c.is_online_without_visit) FILTER (WHERE c.channel_code = 'epgu'), FALSE)
            AS epgu,
        coalesce(bool_or(c.is_online_without_visit) FILTER (WHERE c.channel_code = 'mfc'), FALSE)
            AS mfc,
        coalesce(
            bool_or(c.is_online_without_visit) FILTER (WHERE c.channel_code = 'omsu_in_person'),
            FALSE
        ) AS omsu_in_person,
        coalesce(
            bool_or(c.is_online_without_visit) FILTER (WHERE c.channel_code = 'omsu_post'), FALSE
        ) AS omsu_post
    FROM core.dim_channel AS c
),

epgu_rows AS (
    SELECT
        a.submitted_month AS month,
        a.oktmo,
        a.service_code,
        a.requires_visit,
        a.load_batch_id
    FROM core.fact_epgu_application AS a
    WHERE
        a.submitted_month = CAST(:month AS date)
        AND NOT a.status = any(CAST(:epgu_excluded AS text[]))
),

mfc_rows AS (
    SELECT
        m.accepted_month AS month,
        m.oktmo,
        m.service_code,
        m.load_batch_id
    FROM core.fact_mfc_application AS m
    WHERE
        m.accepted_month = CAST(:month AS date)
        AND NOT m.status = any(CAST(:mfc_excluded AS text[]))
),

omsu_rows AS (
    SELECT
        f.report_month AS month,
        f.oktmo,
        f.service_code,
        -- An empty cell is quarantined by the gate, so a loaded cell is rarely null; null is 0.
        coalesce(f.in_person_count, 0) AS n_in_person,
        coalesce(f.by_post_count, 0) AS n_by_post,
        f.load_batch_id
    FROM core.fact_omsu_service_figures AS f
    WHERE f.report_month = CAST(:month AS date)
),

forms AS (
    -- The form in force for a municipality-month: its latest accepted batch (a form replaces
    -- its municipality-month, and a rejected one leaves the previous form's facts in place).
    SELECT
        b.oktmo,
        CAST(:month AS date) AS month,
        max(b.batch_id) AS form_batch_id
    FROM audit.load_batches AS b
    WHERE
        b.source = 'omsu'
        AND b.status IN ('loaded', 'partial')
        AND b.oktmo IS NOT NULL
        AND b.period_start >= CAST(:month AS date)
        AND b.period_start < CAST(:month AS date) + interval '1 month'
    GROUP BY b.oktmo
),

epgu AS (
    SELECT
        r.month,
        r.oktmo,
        r.service_code,
        count(*) FILTER (WHERE NOT r.requires_visit) AS n_epgu_online,
        count(*) FILTER (WHERE ch.epgu AND NOT r.requires_visit) AS n_online,
        count(*) AS n_epgu,
        max(r.load_batch_id) AS max_load_batch_id
    FROM epgu_rows AS r
    INNER JOIN core.dim_service AS s ON r.service_code = s.service_code
    CROSS JOIN online_channel AS ch
    GROUP BY r.month, r.oktmo, r.service_code
),

mfc AS (
    -- МФЦ delivers every service; only the МСЗУ catalogue counts.
    SELECT
        r.month,
        r.oktmo,
        r.service_code,
        count(*) AS n_mfc,
        count(*) FILTER (WHERE ch.mfc) AS n_online,
        max(r.load_batch_id) AS max_load_batch_id
    FROM mfc_rows AS r
    INNER JOIN core.dim_service AS s ON r.service_code = s.service_code
    CROSS JOIN online_channel AS ch
    GROUP BY r.month, r.oktmo, r.service_code
),

omsu AS (
    SELECT
        r.month,
        r.oktmo,
        r.service_code,
        sum(r.n_in_person + r.n_by_post) AS n_omsu_direct,
        sum(
            CASE WHEN ch.omsu_in_person THEN r.n_in_person ELSE 0 END
            + CASE WHEN ch.omsu_post THEN r.n_by_post ELSE 0 END
        ) AS n_online,
        max(r.load_batch_id) AS max_load_batch_id
    FROM omsu_rows AS r
    INNER JOIN core.dim_service AS s ON r.service_code = s.service_code
    CROSS JOIN online_channel AS ch
    GROUP BY r.month, r.oktmo, r.service_code
),

form_lines AS (
    -- A form owes one line per municipal МСЗУ service (sources.md §3): a municipality with a
    -- form gets a row for each, zeros included, so "reported zero" is visible without facts.
    SELECT
        forms.month,
        forms.oktmo,
        s.service_code
    FROM forms
    CROSS JOIN core.dim_service AS s
    WHERE s.level = 'municipal'
),

keys AS (
    SELECT
        epgu.month,
        epgu.oktmo,
        epgu.service_code
    FROM epgu
    UNION
    SELECT
        mfc.month,
        mfc.oktmo,
        mfc.service_code
    FROM mfc
    UNION
    SELECT
        omsu.month,
        omsu.oktmo,
        omsu.service_code
    FROM omsu
    UNION
    SELECT
        form_lines.month,
        form_lines.oktmo,
        form_lines.service_code
    FROM form_lines
)

SELECT
    k.month,
    k.oktmo,
    k.service_code,
    (
        coalesce(epgu.n_online, 0) + coalesce(mfc.n_online, 0) + coalesce(omsu.n_online, 0)
    )::integer AS n_online,
    coalesce(epgu.n_epgu_online, 0)::integer AS n_epgu_online,
    coalesce(epgu.n_epgu, 0)::integer AS n_epgu,
    coalesce(mfc.n_mfc, 0)::integer AS n_mfc,
    coalesce(omsu.n_omsu_direct, 0)::integer AS n_omsu_direct,
    (
        coalesce(epgu.n_epgu, 0) + coalesce(mfc.n_mfc, 0) + coalesce(omsu.n_omsu_direct, 0)
    )::integer AS n_total,
    forms.oktmo IS NOT NULL OR omsu.oktmo IS NOT NULL AS has_omsu_report,
    -- greatest() skips nulls: the highest batch among whatever contributed to the row.
    greatest(
        epgu.max_load_batch_id,
        mfc.max_load_batch_id,
        omsu.max_load_batch_id,
        forms.form_batch_id
    ) AS max_load_batch_id
FROM keys AS k
LEFT JOIN epgu ON k.oktmo = epgu.oktmo AND k.service_code = epgu.service_code
LEFT JOIN mfc ON k.oktmo = mfc.oktmo AND k.service_code = mfc.service_code
LEFT JOIN omsu ON k.oktmo = omsu.oktmo AND k.service_code = omsu.service_code
LEFT JOIN forms ON k.oktmo = forms.oktmo
