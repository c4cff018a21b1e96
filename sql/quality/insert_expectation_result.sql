-- Record one expectation's result for a batch (a re-check replaces it).
INSERT INTO audit.expectation_results (
    batch_id, expectation, suite, severity, success, element_count, unexpected_count, details
) VALUES (
    :batch_id, :expectation, :suite, :severity, :success, :element_count, :unexpected_count,
    CAST(:details AS jsonb)
)
ON CONFLICT (batch_id, expectation) DO UPDATE SET
    suite = excluded.suite,
    severity = excluded.severity,
    success = excluded.success,
    element_count = excluded.element_count,
    unexpected_count = excluded.unexpected_count,
    details = excluded.details
WHERE (
    audit.expectation_results.suite,
    audit.expectation_results.severity,
    audit.expectation_results.success,
    audit.expectation_results.element_count,
    audit.expectation_results.unexpected_count,
    audit.expectation_results.details
) IS DISTINCT FROM (
    excluded.suite,
    excluded.severity,
    excluded.success,
    excluded.element_count,
    excluded.unexpected_count,
    excluded.details
)
