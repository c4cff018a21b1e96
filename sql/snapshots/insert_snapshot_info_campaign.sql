-- Writes a snapshot's rows of core.snapshot_info_campaign from a JSON array of row objects.
-- The columns are exactly the target table's own (jsonb_populate_recordset of its row type).
INSERT INTO core.snapshot_info_campaign
SELECT r.*  -- noqa: AM04
FROM jsonb_populate_recordset(NULL::core.snapshot_info_campaign, CAST(:rows AS jsonb)) AS r
