-- Record one validated batch; returns its id.
INSERT INTO audit.load_batches (
    source, batch_key, oktmo, period_start, period_end, status, rows_in, rows_loaded,
    rows_quarantined, rows_rejected, volume, checksum_sha256, message, notes, flow_run_id,
    started_at, finished_at, verdict_sha256
) VALUES (
    :source, :batch_key, :oktmo, :period_start, :period_end, :status, :rows_in, :rows_loaded,
    :rows_quarantined, :rows_rejected, :volume, :checksum_sha256, :message,
    CAST(:notes AS jsonb), CAST(:flow_run_id AS uuid), :started_at, clock_timestamp(),
    :verdict_sha256
)
RETURNING batch_id
