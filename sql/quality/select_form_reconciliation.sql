-- The municipal form's «в т.ч. через ЕПГУ» and «через МФЦ» next to the applications counted in
-- the epgu and mfc facts for the same municipality, month and service, for the forms of the
-- given months. A count is null when its source has not delivered the whole month yet.
-- Grain: municipality x month x service of a loaded form.
WITH forms AS (
    SELECT
        f.oktmo,
        f.report_month,
        f.service_code,
        f.via_epgu_count,
        f.via_mfc_count,
        f.load_batch_id
    FROM core.fact_omsu_service_figures AS f
    WHERE f.report_month = any(CAST(:months AS date[]))
),

epgu AS (
    SELECT
        a.oktmo,
        a.submitted_month,
        a.service_code,
        count(*) AS counted
    FROM core.fact_epgu_application AS a
    WHERE
        a.submitted_month = any(CAST(:months AS date[]))
        AND NOT a.status = any(CAST(:epgu_excluded AS text[]))
    GROUP BY a.oktmo, a.submitted_month, a.service_code
),

mfc AS (
    SELECT
        m.oktmo,
        m.accepted_month,
        m.service_code,
        count(*) AS counted
    FROM core.fact_mfc_application AS m
    WHERE
        m.accepted_month = any(CAST(:months AS date[]))
        AND NOT m.status = any(CAST(:mfc_excluded AS text[]))
    GROUP BY m.oktmo, m.accepted_month, m.service_code
),

covered AS (
    -- A source covers a month once an accepted batch reaches the month's last day.
    SELECT
        b.source,
        max(b.period_end) AS covered_until
    FROM audit.load_batches AS b
    WHERE b.source IN ('epgu', 'mfc') AND b.status IN ('loaded', 'partial')
    GROUP BY b.source
)

SELECT
    forms.load_batch_id,
    forms.oktmo,
    forms.report_month,
    forms.service_code,
    forms.via_epgu_count,
    forms.via_mfc_count,
    CASE
        WHEN ce.covered_until >= (forms.report_month + interval '1 month' - interval '1 day')
            THEN coalesce(epgu.counted, 0)
    END AS epgu_counted,
    CASE
        WHEN cm.covered_until >= (forms.report_month + interval '1 month' - interval '1 day')
            THEN coalesce(mfc.counted, 0)
    END AS mfc_counted
FROM forms
LEFT JOIN epgu
    ON
        forms.oktmo = epgu.oktmo
        AND forms.report_month = epgu.submitted_month
        AND forms.service_code = epgu.service_code
LEFT JOIN mfc
    ON
        forms.oktmo = mfc.oktmo
        AND forms.report_month = mfc.accepted_month
        AND forms.service_code = mfc.service_code
LEFT JOIN covered AS ce ON ce.source = 'epgu'
LEFT JOIN covered AS cm ON cm.source = 'mfc'
ORDER BY forms.load_batch_id, forms.service_code
