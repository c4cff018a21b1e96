-- Inserts or updates one municipality validity row; unchanged rows are left untouched.
-- Returns one row (is_inserted) only when something was written.
INSERT INTO core.dim_municipality AS d (
    oktmo, valid_from, valid_to, name, kind, kind_change_note, admin_center,
    population, population_year, population_for_rates, is_population_estimated,
    is_oktmo_verified, successor_oktmo, reference_load_id
)
VALUES (
    :oktmo, :valid_from, :valid_to, :name, :kind, :kind_change_note, :admin_center,
    :population, :population_year, :population_for_rates, :is_population_estimated,
    :is_oktmo_verified, :successor_oktmo, :reference_load_id
)
ON CONFLICT (oktmo, valid_from) DO UPDATE
    SET
        valid_to = excluded.valid_to,
        name = excluded.name,
        kind = excluded.kind,
        kind_change_note = excluded.kind_change_note,
        admin_center = excluded.admin_center,
        population = excluded.population,
        population_year = excluded.population_year,
        population_for_rates = excluded.population_for_rates,
        is_population_estimated = excluded.is_population_estimated,
        is_oktmo_verified = excluded.is_oktmo_verified,
        successor_oktmo = excluded.successor_oktmo,
        reference_load_id = excluded.reference_load_id
    WHERE (
        d.valid_to, d.name, d.kind, d.kind_change_note, d.admin_center, d.population,
        d.population_year, d.population_for_rates, d.is_population_estimated,
        d.is_oktmo_verified, d.successor_oktmo
    ) IS DISTINCT FROM (
        excluded.valid_to, excluded.name, excluded.kind, excluded.kind_change_note,
        excluded.admin_center, excluded.population, excluded.population_year,
        excluded.population_for_rates, excluded.is_population_estimated,
        excluded.is_oktmo_verified, excluded.successor_oktmo
    )
RETURNING (xmax = 0) AS is_inserted
