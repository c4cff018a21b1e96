-- Inserts or updates one МСЗУ service; unchanged rows are left untouched.
INSERT INTO core.dim_service AS d (
    service_code, reg_list_no, name, level, sphere, responsible_body,
    is_code_illustrative, reference_load_id
)
VALUES (
    :service_code, :reg_list_no, :name, :level, :sphere, :responsible_body,
    :is_code_illustrative, :reference_load_id
)
ON CONFLICT (service_code) DO UPDATE
    SET
        reg_list_no = excluded.reg_list_no,
        name = excluded.name,
        level = excluded.level,
        sphere = excluded.sphere,
        responsible_body = excluded.responsible_body,
        is_code_illustrative = excluded.is_code_illustrative,
        reference_load_id = excluded.reference_load_id
    WHERE (
        d.reg_list_no, d.name, d.level, d.sphere, d.responsible_body, d.is_code_illustrative
    ) IS DISTINCT FROM (
        excluded.reg_list_no, excluded.name, excluded.level, excluded.sphere,
        excluded.responsible_body, excluded.is_code_illustrative
    )
RETURNING (xmax = 0) AS is_inserted
