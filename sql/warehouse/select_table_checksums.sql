-- One row per table of the pipeline's schemas: row count and content checksum.
SELECT
    table_schema,
    table_name,
    row_count,
    content_md5
FROM audit.table_checksums()
ORDER BY table_schema, table_name
