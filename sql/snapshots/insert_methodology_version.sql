-- Records a methodology version the first time a snapshot uses it (never rewritten).
INSERT INTO core.methodology_version (methodology_version, content_sha256, settings)
VALUES (:methodology_version, :content_sha256, CAST(:settings AS jsonb))
ON CONFLICT (methodology_version) DO NOTHING
