-- The recorded content hash of a methodology version (none if not recorded yet).
SELECT m.content_sha256
FROM core.methodology_version AS m
WHERE m.methodology_version = :methodology_version
